/**
 * A project's branch previews as D1 records them. A preview is asked for (`requestPreview`: the
 * row and its `preview` run, one audit row), deployed by that run (`previewToDeploy`,
 * `previewDeployed`), and removed (`removePreview` by its owner, `expirePreview` by the cron:
 * the row `removing` and its `preview_teardown` run) until the teardown drops it with its port
 * (`previewRemoved`). Its names: the branch as a DNS label (`previewSlug`), its resource name
 * `<project's>--<slug>` on the server and its site `<slug>--<project's>.<base domain>`
 * (preview-names.ts).
 *
 *   const { preview, run } = await requestPreview(db, actor, projectId, "feature-x", ttlMs);
 */
import type { Preview } from "@codegen-orchestrator/shared";
import { and, asc, eq, inArray, isNull, lte, ne } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { portAllocations, previews, projects, runs, servers } from "../db/schema.ts";
import { iso, newId } from "../ids.ts";
import type { Actor } from "./actor.ts";
import { auditedBy, auditInsert } from "./audit.ts";
import { ApiError, conflict } from "./errors.ts";
import { allocationOf, proxySite, siteUrl } from "./placements.ts";
import { previewNames, previewService, previewSlug } from "./preview-names.ts";
import { findProject, type ProjectRow } from "./projects.ts";
import { queuedRun, type RunRow } from "./runs.ts";

export type PreviewRow = typeof previews.$inferSelect;

/** The production service's allocation (pipelines/devops/allocate.ts): a preview goes to its server. */
const PRODUCTION_SERVICE = "web";
const ACTIVE = ["queued", "running", "waiting"];

export const toPreview = (row: PreviewRow): Preview => ({
  branch: row.branch,
  slug: row.slug,
  url: row.url,
  commit: row.commitSha,
  status: row.status,
  runId: row.runId,
  expiresAt: iso(row.expiresAt),
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

/**
 * The project's previews, by branch (its owner and admins). One whose deploy run ended without
 * recording it (cancelled, or its workflow ended: the cron fails such runs) is `failed`.
 */
export async function listPreviews(db: Db, actor: Actor, projectId: string): Promise<PreviewRow[]> {
  const project = await findProject(db, actor, projectId);
  const rows = await db
    .select({ preview: previews, runStatus: runs.status })
    .from(previews)
    .leftJoin(runs, eq(runs.id, previews.runId))
    .where(eq(previews.projectId, project.id))
    .orderBy(asc(previews.branch));
  return rows.map(({ preview, runStatus }) =>
    preview.status === "deploying" && runStatus !== null && !ACTIVE.includes(runStatus)
      ? { ...preview, status: "failed" }
      : preview,
  );
}

/** Whether the run is still in progress. */
async function runActive(db: Db, runId: string): Promise<boolean> {
  const [run] = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.id, runId), inArray(runs.status, ACTIVE)));
  return run !== undefined;
}

/**
 * Asks for a preview of `branch`: its row (a new one, or the existing one deployed again with a
 * new TTL) and its `preview` run, in one write with one audit row. A 409 when the project is not
 * deployed (`not_deployed`), its server has no base domain (`no_base_domain`), the preview is
 * being deployed or removed (`busy`); a 422 when the branch makes no DNS label.
 */
export async function requestPreview(
  db: Db,
  actor: Actor,
  projectId: string,
  branch: string,
  ttlMs: number,
  chatId: number | null = null,
): Promise<{ preview: PreviewRow; run: RunRow }> {
  const project = await findProject(db, actor, projectId);
  const slug = previewSlug(branch);
  if (!slug)
    throw new ApiError(422, "invalid_request", `The branch ${branch} has no letter or digit to name it by.`, {
      field: "branch",
    });
  if (!project.repoUrl)
    throw conflict(`${project.name} has no repository yet: build it first.`, { reason: "no_repository" });
  const server = await productionServer(db, project);
  const names = previewNames(project.resourceName, slug);
  // Its own site only: never the project's custom domain.
  const site = proxySite(server, { resourceName: names.label, customDomain: null });
  if (!site)
    throw conflict(
      `${project.name}'s server ${server.name} has no base domain, so no HTTPS proxy to serve previews at: an admin sets one (PATCH /servers/{id}).`,
      { reason: "no_base_domain" },
    );
  const [existing] = await db
    .select()
    .from(previews)
    .where(and(eq(previews.projectId, project.id), eq(previews.slug, slug)));
  if (existing && existing.branch !== branch)
    throw conflict(`The branch ${existing.branch} already has the preview ${slug}: remove it first.`, {
      reason: "slug_taken",
    });
  if (existing && (existing.status === "removing" || (await runActive(db, existing.runId))))
    throw conflict(
      `The preview of ${branch} is being ${existing.status === "removing" ? "removed" : "deployed"}.`,
      {
        reason: "busy",
        runId: existing.runId,
      },
    );
  const now = new Date();
  const run = queuedRun(project.id, "preview", chatId);
  const preview: PreviewRow = {
    id: existing?.id ?? newId(),
    projectId: project.id,
    branch,
    slug,
    resourceName: names.resourceName,
    serverId: existing?.serverId ?? server.id,
    url: siteUrl(site),
    commitSha: existing?.commitSha ?? null,
    status: "deploying",
    runId: run.id,
    expiresAt: new Date(now.getTime() + ttlMs),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  const write = existing
    ? db
        .update(previews)
        .set({ status: "deploying", runId: run.id, expiresAt: preview.expiresAt, updatedAt: now })
        .where(eq(previews.id, existing.id))
    : db.insert(previews).values(preview);
  await auditedBy(
    db,
    actor.userId,
    {
      action: "preview.deploy",
      targetType: "project",
      targetId: project.id,
      details: { branch, url: preview.url, runId: run.id },
    },
    db.insert(runs).values(run),
    write,
  );
  return { preview, run };
}

/** The server of the project's production allocation; a 409 when it has none yet. */
async function productionServer(db: Db, project: ProjectRow) {
  const allocation = await allocationOf(db, project.id, PRODUCTION_SERVICE);
  const [server] = allocation
    ? await db.select().from(servers).where(eq(servers.id, allocation.serverId))
    : [];
  if (!server)
    throw conflict(`${project.name} has no server yet: deploy it first, then preview its branches.`, {
      reason: "not_deployed",
    });
  return server;
}

/** The preview of `branch` (or of the branch whose slug it is); a 404 when there is none. */
export async function findPreview(db: Db, actor: Actor, projectId: string, branch: string) {
  const project = await findProject(db, actor, projectId);
  const rows = await db.select().from(previews).where(eq(previews.projectId, project.id));
  const row = rows.find((item) => item.branch === branch) ?? rows.find((item) => item.slug === branch);
  if (!row) throw new ApiError(404, "not_found", `No preview of ${branch}.`);
  return row;
}

/**
 * Marks the preview `removing` with its teardown run (its deploy run, if one is in progress,
 * cancelled in the same write): one audit row, the actor's (null: the cron, its TTL).
 */
async function queueTeardown(
  db: Db,
  actorId: string | null,
  preview: PreviewRow,
  why: "deleted" | "expired" | "branch_gone",
): Promise<{ preview: PreviewRow; run: RunRow; cancelled: RunRow | null }> {
  const now = new Date();
  const [active] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.id, preview.runId), inArray(runs.status, ACTIVE)));
  const run = queuedRun(preview.projectId, "preview_teardown");
  const removing: PreviewRow = { ...preview, status: "removing", runId: run.id, updatedAt: now };
  await db.batch([
    auditInsert(db, actorId, {
      action: why === "deleted" ? "preview.delete" : "preview.expire",
      targetType: "project",
      targetId: preview.projectId,
      details: { branch: preview.branch, why, runId: run.id, ...(active ? { cancelled: active.id } : {}) },
    }),
    db.insert(runs).values(run),
    db
      .update(previews)
      .set({ status: "removing", runId: run.id, updatedAt: now })
      .where(and(eq(previews.id, preview.id), eq(previews.runId, preview.runId))),
    ...(active
      ? [
          db
            .update(runs)
            .set({ status: "cancelled", finishedAt: now })
            .where(and(eq(runs.id, active.id), inArray(runs.status, ACTIVE))),
        ]
      : []),
  ]);
  return { preview: removing, run, cancelled: active ? { ...active, status: "cancelled" } : null };
}

/**
 * Removes the preview of `branch` (its owner or an admin); a 409 while it is being removed. A
 * teardown that failed (or was cancelled) is tried again.
 */
export async function removePreview(db: Db, actor: Actor, projectId: string, branch: string) {
  const preview = await findPreview(db, actor, projectId, branch);
  if (preview.status === "removing" && (await runActive(db, preview.runId)))
    throw conflict(`The preview of ${preview.branch} is being removed.`, {
      reason: "busy",
      runId: preview.runId,
    });
  return queueTeardown(db, actor.userId, preview, "deleted");
}

/** Live projects' previews past their TTL, not yet being removed (for the cron). */
export async function expiredPreviews(db: Db, now: Date, limit = 20): Promise<PreviewRow[]> {
  const rows = await db
    .select({ preview: previews })
    .from(previews)
    .innerJoin(projects, eq(projects.id, previews.projectId))
    // A deleted project's previews are its undeploy's to remove.
    .where(and(lte(previews.expiresAt, now), ne(previews.status, "removing"), isNull(projects.deletedAt)))
    .limit(limit);
  return rows.map((row) => row.preview);
}

/** Live projects' previews not being removed, with their repository (whose branches the cron checks). */
export async function previewsWithRepositories(
  db: Db,
  limit = 50,
): Promise<{ preview: PreviewRow; repoUrl: string | null; resourceName: string }[]> {
  return db
    .select({ preview: previews, repoUrl: projects.repoUrl, resourceName: projects.resourceName })
    .from(previews)
    .innerJoin(projects, eq(projects.id, previews.projectId))
    .where(and(ne(previews.status, "removing"), isNull(projects.deletedAt)))
    .orderBy(asc(previews.updatedAt))
    .limit(limit);
}

/** The system removes a preview: its TTL passed, or its branch was merged or deleted. */
export const expirePreview = (db: Db, preview: PreviewRow, why: "expired" | "branch_gone" = "expired") =>
  queueTeardown(db, null, preview, why);

/** A project's previews where they run (a deleted project's undeploy removes them too; no actor). */
export function previewsOf(db: Db, projectId: string): Promise<{ resourceName: string; serverId: string }[]> {
  return db
    .select({ resourceName: previews.resourceName, serverId: previews.serverId })
    .from(previews)
    .where(eq(previews.projectId, projectId))
    .orderBy(asc(previews.resourceName));
}

/** A deleted project's previews gone from D1, but for those on servers its undeploy could not clean. */
export async function dropPreviews(db: Db, projectId: string, keptServerIds: string[]): Promise<void> {
  const rows = await previewsOf(db, projectId);
  const gone = rows.filter((row) => !keptServerIds.includes(row.serverId)).map((row) => row.resourceName);
  if (gone.length > 0) await db.delete(previews).where(inArray(previews.resourceName, gone));
}

/** The preview a run deploys or removes (the workflow's, no actor). */
export async function previewOfRun(db: Db, runId: string): Promise<PreviewRow | null> {
  const [row] = await db.select().from(previews).where(eq(previews.runId, runId));
  return row ?? null;
}

/** The preview's deploy ended: live with its commit, or failed (unless it is being removed since). */
export async function previewDeployed(
  db: Db,
  preview: PreviewRow,
  outcome: { status: "live" | "failed"; commit: string | null },
): Promise<void> {
  await db
    .update(previews)
    .set({ status: outcome.status, commitSha: outcome.commit ?? preview.commitSha, updatedAt: new Date() })
    .where(and(eq(previews.id, preview.id), eq(previews.runId, preview.runId)));
}

/** The teardown removed it from its server: the row and its port go, in one write with a system audit row. */
export async function previewRemoved(db: Db, preview: PreviewRow): Promise<number | null> {
  const allocation = await allocationOf(db, preview.projectId, previewService(preview.slug));
  await auditedBy(
    db,
    null,
    {
      action: "preview.removed",
      targetType: "project",
      targetId: preview.projectId,
      details: { branch: preview.branch, port: allocation?.port ?? null },
    },
    db
      .delete(portAllocations)
      .where(
        and(
          eq(portAllocations.projectId, preview.projectId),
          eq(portAllocations.service, previewService(preview.slug)),
        ),
      ),
    db.delete(previews).where(and(eq(previews.id, preview.id), eq(previews.runId, preview.runId))),
  );
  return allocation?.port ?? null;
}
