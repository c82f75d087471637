/**
 * The template catalog as operations on D1: admins register templates (a built-in directory of the
 * executors, or a git repository with a version constraint) and remove them; everyone reads the
 * ready ones. A registration starts `checking`; the check (domain/template-checks.ts, run by
 * templates/check-workflow.ts) makes it `ready` or `invalid`. The built-in templates (the default,
 * node-service, and python-service) are registered the first time the catalog is used, so it is
 * never empty.
 *
 *   const row = await createTemplate(db, actor, { name: "py-api", ..., source: { kind: "git", url, version: ">=1,<2" } }, policy);
 */
import type { CreateTemplate, Template, TemplateStatus } from "@codegen-orchestrator/shared";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { templates } from "../db/schema.ts";
import { iso, isoOrNull, newId } from "../ids.ts";
import { type Actor, assertAdminActor, isAdminActor } from "./actor.ts";
import { auditedBy } from "./audit.ts";
import { ApiError, conflict, notFound } from "./errors.ts";
import { afterId, type Keyset } from "./keyset.ts";
import { type RepoUrlPolicy, templateUrlRefusal } from "./repo-urls.ts";

export type TemplateRow = typeof templates.$inferSelect;

/** The template of projects that name none: `templates/node-service`, registered on first use. */
export const DEFAULT_TEMPLATE_ID = "00000000000000000000000001";
/** The built-in Python template, `templates/python-service`, registered beside the default. */
export const PYTHON_TEMPLATE_ID = "00000000000000000000000002";

/**
 * The executors' own templates, in the catalog from its first use. Their descriptions are what the
 * Architect chooses by, so each says what it builds and in what.
 */
const BUILTIN_TEMPLATES = [
  {
    id: DEFAULT_TEMPLATE_ID,
    name: "node-service",
    title: "Node.js HTTP service",
    description:
      "A Node.js HTTP service (node:http, no framework) with GET /health and a node:test suite; optional modules: a SQLite database (node:sqlite) and a Telegram bot webhook.",
    tags: ["node", "http-api"],
    path: "node-service",
  },
  {
    id: PYTHON_TEMPLATE_ID,
    name: "python-service",
    title: "Python HTTP service",
    description:
      "A Python standard-library HTTP service (http.server, json, sqlite3, urllib; nothing to install, Python 3.11+) with GET /health and a unittest suite; optional modules: a SQLite database (sqlite3) and a Telegram bot webhook; optionally PostgreSQL beside it in compose.yaml.",
    tags: ["python", "http-api"],
    path: "python-service",
  },
];

export const toTemplate = (row: TemplateRow): Template => ({
  id: row.id,
  name: row.name,
  title: row.title,
  description: row.description,
  tags: row.tags,
  source:
    row.sourceKind === "builtin"
      ? { kind: "builtin", path: row.source }
      : { kind: "git", url: row.source, version: row.versionConstraint },
  default: row.id === DEFAULT_TEMPLATE_ID,
  status: row.status,
  questions: row.questions,
  subdirectory: row.settings?.subdirectory ?? null,
  messages: row.settings
    ? { beforeCopy: row.settings.messages.beforeCopy, afterCopy: row.settings.messages.afterCopy }
    : null,
  version: row.versionCommit ? { tag: row.versionTag, commit: row.versionCommit } : null,
  error: row.error,
  manifest: row.manifest,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
  checkedAt: isoOrNull(row.checkedAt),
});

/** Per isolate: once the built-in templates' rows exist, later calls skip the write. */
let builtinTemplatesEnsured = false;

/**
 * Registers the built-in templates not there yet (idempotent: fixed ids, insert or ignore, so a
 * live template already holding one's name keeps it; no audit row, like the bootstrap admin's).
 * Returns the ids this call inserted: the caller starts their checks (the cron starts checks
 * nobody started).
 */
export async function ensureBuiltinTemplates(db: Db): Promise<string[]> {
  if (builtinTemplatesEnsured) return [];
  const now = new Date();
  const inserted = await db
    .insert(templates)
    .values(
      BUILTIN_TEMPLATES.map(({ path, ...fields }) => ({
        ...emptyTemplate(now),
        ...fields,
        sourceKind: "builtin" as const,
        source: path,
      })),
    )
    .onConflictDoNothing()
    .returning({ id: templates.id });
  builtinTemplatesEnsured = true;
  return inserted.map((row) => row.id);
}

/** Whether a template is one of the executors' own (registered by `ensureBuiltinTemplates`). */
export const isBuiltinTemplate = (id: string) => BUILTIN_TEMPLATES.some((template) => template.id === id);

/** What a new registration starts as: checking, nothing read yet. */
function emptyTemplate(now: Date) {
  return {
    versionConstraint: null,
    status: "checking" as const,
    questions: null,
    settings: null,
    versionTag: null,
    versionCommit: null,
    error: null,
    manifest: null,
    createdBy: null,
    createdAt: now,
    updatedAt: now,
    checkedAt: null,
    checkRound: 0,
    deletedAt: null,
  };
}

/** Live templates in id order: members see the ready ones; admins all, or those of one status. */
export async function listTemplates(
  db: Db,
  actor: Actor,
  query: Keyset & { status?: TemplateStatus | undefined },
): Promise<TemplateRow[]> {
  const status = isAdminActor(actor) ? query.status : "ready";
  if (status && query.status && status !== query.status) return [];
  return db
    .select()
    .from(templates)
    .where(
      and(
        isNull(templates.deletedAt),
        status ? eq(templates.status, status) : undefined,
        afterId(templates.id, query),
      ),
    )
    .orderBy(asc(templates.id))
    .limit(query.limit);
}

/** A live template the actor may see (a member: ready ones only; others are "not found"). */
export async function findTemplate(db: Db, actor: Actor, id: string): Promise<TemplateRow> {
  const [row] = await db
    .select()
    .from(templates)
    .where(and(eq(templates.id, id), isNull(templates.deletedAt)));
  if (!row || (row.status !== "ready" && !isAdminActor(actor))) throw notFound("template");
  return row;
}

async function assertNameFree(db: Db, name: string): Promise<void> {
  const [other] = await db
    .select({ id: templates.id })
    .from(templates)
    .where(and(eq(templates.name, name), isNull(templates.deletedAt)));
  if (other) throw conflict(`A template named \`${name}\` exists.`, { field: "name", templateId: other.id });
}

/** An admin registers a template; it is `checking` until its check (started by the caller) ends. */
export async function createTemplate(
  db: Db,
  actor: Actor,
  input: CreateTemplate,
  urls: RepoUrlPolicy,
): Promise<TemplateRow> {
  assertAdminActor(actor);
  const { source } = input;
  if (source.kind === "git") {
    const refusal = templateUrlRefusal(urls, source.url);
    if (refusal) throw new ApiError(400, "invalid_request", refusal, { field: "source.url" });
  }
  await assertNameFree(db, input.name);
  const now = new Date();
  const row: TemplateRow = {
    ...emptyTemplate(now),
    id: newId(),
    name: input.name,
    title: input.title,
    description: input.description,
    tags: input.tags,
    sourceKind: source.kind,
    source: source.kind === "builtin" ? source.path : source.url,
    versionConstraint: source.kind === "git" ? (source.version ?? null) : null,
    manifest: input.manifest ?? null,
    createdBy: actor.userId,
  };
  await auditedBy(
    db,
    actor.userId,
    {
      action: "template.create",
      targetType: "template",
      targetId: row.id,
      details: {
        name: row.name,
        source: toTemplate(row).source,
        ...(row.manifest ? { manifest: row.manifest } : {}),
      },
    },
    db.insert(templates).values(row),
  );
  return row;
}

/**
 * An admin removes a template (soft: its name frees, projects keep their record of it). The
 * default template stays. Projects that named it and have no repository yet fail at their next
 * scaffold, saying so.
 */
export async function deleteTemplate(db: Db, actor: Actor, id: string): Promise<void> {
  assertAdminActor(actor);
  const row = await findTemplate(db, actor, id);
  if (row.id === DEFAULT_TEMPLATE_ID) throw conflict("The default template cannot be removed.");
  const now = new Date();
  await auditedBy(
    db,
    actor.userId,
    { action: "template.delete", targetType: "template", targetId: row.id, details: { name: row.name } },
    db.update(templates).set({ deletedAt: now, updatedAt: now }).where(eq(templates.id, row.id)),
  );
}

/** Refuses (400) a template a project cannot be built from: not in the catalog, or not ready. */
export async function assertTemplateUsable(db: Db, id: string): Promise<void> {
  const [row] = await db
    .select({ status: templates.status })
    .from(templates)
    .where(and(eq(templates.id, id), isNull(templates.deletedAt)));
  if (row?.status !== "ready")
    throw new ApiError(400, "invalid_request", "No ready template in the catalog has this id.", {
      field: "templateId",
    });
}
