/**
 * The catalog as the Architect reads it: the template a project already names (kept), or the
 * ready templates to choose from, with their questions; and the built-in templates whose checks
 * have not finished yet, which the Architect waits for so that what it is offered does not depend
 * on how fast an executor inspected them.
 *
 *   const catalog = await architectCatalog(db, projectId);
 *   if (catalog.kind === "templates" && catalog.checking.length === 0) choose(catalog.offered);
 */
import type { TemplateOffer } from "@codegen-orchestrator/shared";
import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projects, templates } from "../db/schema.ts";
import { ensureBuiltinTemplates, isBuiltinTemplate, type TemplateRow } from "./templates.ts";

type CatalogTemplate = TemplateOffer;

export type ArchitectCatalog =
  /** `kept`: the project names its template (offered holds it alone, once it is ready). */
  | { kind: "templates"; kept: boolean; offered: CatalogTemplate[]; checking: string[] }
  /** The project has a repository but no template (imported): there is nothing to scaffold. */
  | { kind: "none" }
  | { kind: "error"; error: string };

/** More than an Architect's prompt should list; the catalog is curated by admins. */
const MAX_OFFERED = 50;

const catalogTemplate = (row: TemplateRow): CatalogTemplate => ({
  id: row.id,
  name: row.name,
  title: row.title,
  description: row.description,
  tags: row.tags,
  questions: row.questions ?? [],
});

const isReady = (row: TemplateRow) => row.status === "ready" && row.questions !== null;

export async function architectCatalog(db: Db, projectId: string): Promise<ArchitectCatalog> {
  const [project] = await db
    .select({ templateId: projects.templateId, repoUrl: projects.repoUrl })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!project) return { kind: "error", error: "The project no longer exists." };
  if (project.templateId) return keptTemplate(db, project.templateId);
  if (project.repoUrl) return { kind: "none" };
  await ensureBuiltinTemplates(db);
  const rows = await db
    .select()
    .from(templates)
    .where(and(isNull(templates.deletedAt), inArray(templates.status, ["ready", "checking"])))
    .orderBy(asc(templates.id));
  return {
    kind: "templates",
    kept: false,
    offered: rows.filter(isReady).slice(0, MAX_OFFERED).map(catalogTemplate),
    checking: rows
      .filter((row) => row.status === "checking" && isBuiltinTemplate(row.id))
      .map((row) => row.id),
  };
}

/** The project's own template (set through the API): kept, once ready. */
async function keptTemplate(db: Db, id: string): Promise<ArchitectCatalog> {
  const [row] = await db.select().from(templates).where(eq(templates.id, id));
  if (!row || row.deletedAt)
    return { kind: "error", error: "The project's template was removed from the catalog; choose another." };
  if (isReady(row)) return { kind: "templates", kept: true, offered: [catalogTemplate(row)], checking: [] };
  if (row.status === "checking" && isBuiltinTemplate(row.id))
    return { kind: "templates", kept: true, offered: [], checking: [row.id] };
  return { kind: "error", error: `The template ${row.name} is not ready (${row.status}).` };
}
