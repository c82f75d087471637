/**
 * A catalog entry's manifest: an `orchestrator.json` the catalog keeps for a template whose
 * projects carry none (a third-party template). Admins set it at registration (templates.ts) or
 * change it here; the pipelines read it for a project (the template it records) and hand it to
 * the jobs that make the project's profile, where the repository's own manifest still wins.
 *
 *   await setTemplateManifest(db, actor, id, { test: { command: ["make", "check"] } });
 *   await projectTemplateManifest(db, projectId); // { from: "the template catalog's manifest (x)", declares }
 */
import {
  BoundedManifest,
  type CatalogManifest,
  catalogManifestFrom,
  type ProjectManifest,
} from "@codegen-orchestrator/shared";
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projects, templates } from "../db/schema.ts";
import { type Actor, assertAdminActor } from "./actor.ts";
import { auditedBy } from "./audit.ts";
import { findTemplate, type TemplateRow } from "./templates.ts";

/** An admin sets (or, with null, removes) a live template's manifest; audited with what it now says. */
export async function setTemplateManifest(
  db: Db,
  actor: Actor,
  id: string,
  manifest: ProjectManifest | null,
): Promise<TemplateRow> {
  assertAdminActor(actor);
  const row = await findTemplate(db, actor, id);
  const now = new Date();
  await auditedBy(
    db,
    actor.userId,
    {
      action: "template.update",
      targetType: "template",
      targetId: row.id,
      details: { name: row.name, manifest },
    },
    db.update(templates).set({ manifest, updatedAt: now }).where(eq(templates.id, row.id)),
  );
  return { ...row, manifest, updatedAt: now };
}

/**
 * The manifest of the template the project records, as its jobs carry it; null when the project
 * records no template or its template has no manifest. A template removed from the catalog still
 * counts: its projects were built from it, and deploy as they did.
 */
export async function projectTemplateManifest(db: Db, projectId: string): Promise<CatalogManifest | null> {
  const [row] = await db
    .select({ name: templates.name, manifest: templates.manifest })
    .from(projects)
    .innerJoin(templates, eq(templates.id, projects.templateId))
    .where(eq(projects.id, projectId));
  if (!row?.manifest) return null;
  // Written through the same schema; one that no longer fits (a stricter schema) is not sent.
  const declares = BoundedManifest.safeParse(row.manifest);
  if (!declares.success) {
    console.error(JSON.stringify({ event: "template.manifest_unusable", projectId, template: row.name }));
    return null;
  }
  return { from: catalogManifestFrom(row.name), declares: declares.data };
}
