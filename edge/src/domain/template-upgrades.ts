/**
 * Template upgrades in D1: which version of its catalog template a project's code is at, what the
 * template's last check resolved, and each upgrade's record (`template_upgrades`), written by the
 * `upgrade` run's steps (pipelines/upgrade/) and read by the API, the chat and the offers.
 */
import type { ProjectTemplateVersion, TemplateUpgrade, UpgradeStatus } from "@codegen-orchestrator/shared";
import { and, asc, eq, isNotNull, isNull, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projects, templates, templateUpgrades, users } from "../db/schema.ts";
import { iso, isoOrNull, newId } from "../ids.ts";
import { type Actor, isAdminActor } from "./actor.ts";
import { liveReadyGitTemplate } from "./template-checks.ts";

type UpgradeRow = typeof templateUpgrades.$inferSelect;

/** What an upgrade run works from: the project's repository and the two template versions. */
export interface UpgradePlan {
  projectName: string;
  resourceName: string;
  repoUrl: string;
  templateId: string;
  templateName: string;
  fromVersion: string | null;
  toVersion: string;
}

/** The release a ready git template's last check resolved: its tag, else its commit. */
const latestOf = (row: { versionTag: string | null; versionCommit: string | null }) =>
  row.versionTag ?? row.versionCommit;

/**
 * The upgrade this run carries out, recorded as `running` (a version failed before is tried again
 * on the same row), or why there is nothing to upgrade.
 */
export async function planUpgrade(
  db: Db,
  runId: string,
  projectId: string,
): Promise<{ plan: UpgradePlan } | { nothing: string }> {
  const [found] = await db
    .select({ project: projects, template: templates })
    .from(projects)
    .leftJoin(templates, eq(templates.id, projects.templateId))
    .where(eq(projects.id, projectId));
  if (!found || found.project.deletedAt) return { nothing: "The project no longer exists." };
  const { project, template } = found;
  if (!template || !project.repoUrl)
    return {
      nothing: "The project was not scaffolded from a catalog template: there is nothing to upgrade.",
    };
  if (template.sourceKind !== "git")
    return {
      nothing: `The project's template ${template.name} is built in: it has no releases to upgrade to.`,
    };
  const latest = latestOf(template);
  if (template.deletedAt || template.status !== "ready" || !latest)
    return {
      nothing: `The template ${template.name} is not ready (${template.status}): nothing to upgrade to.`,
    };
  if (latest === project.templateVersion)
    return { nothing: `The project is at ${template.name} ${latest}, the template's latest version.` };
  const plan: UpgradePlan = {
    projectName: project.name,
    resourceName: project.resourceName,
    repoUrl: project.repoUrl,
    templateId: template.id,
    templateName: template.name,
    fromVersion: project.templateVersion,
    toVersion: latest,
  };
  const fresh: Omit<typeof templateUpgrades.$inferInsert, "id" | "projectId" | "toVersion"> = {
    runId,
    templateId: template.id,
    fromVersion: project.templateVersion,
    status: "running",
    branch: null,
    commit: null,
    pullRequestUrl: null,
    testsPassed: null,
    conflicts: [],
    error: null,
    createdAt: new Date(),
    decidedAt: null,
  };
  await db
    .insert(templateUpgrades)
    .values({ id: newId(), projectId, toVersion: latest, ...fresh })
    .onConflictDoUpdate({ target: [templateUpgrades.projectId, templateUpgrades.toVersion], set: fresh });
  return { plan };
}

/** What the run learned about its upgrade (its branch, pull request, tests), as it goes. */
export async function recordUpgrade(
  db: Db,
  runId: string,
  changes: Partial<
    Pick<
      UpgradeRow,
      "branch" | "commit" | "pullRequestUrl" | "testsPassed" | "conflicts" | "status" | "error"
    >
  >,
): Promise<void> {
  await db.update(templateUpgrades).set(changes).where(eq(templateUpgrades.runId, runId));
}

/**
 * The upgrade's end: its status (and why, when it failed); a merged one moves the project's
 * template version on, so it is no longer behind.
 */
export async function endUpgrade(
  db: Db,
  runId: string,
  status: Exclude<UpgradeStatus, "running" | "offered">,
  error: string | null = null,
): Promise<void> {
  const [row] = await db
    .update(templateUpgrades)
    .set({ status, error, decidedAt: new Date() })
    .where(eq(templateUpgrades.runId, runId))
    .returning();
  if (status === "merged" && row)
    await db
      .update(projects)
      .set({ templateVersion: row.toVersion, updatedAt: new Date() })
      .where(eq(projects.id, row.projectId));
}

/** The upgrade a run carries out, or null (a run of another kind, or one that found nothing to do). */
export async function upgradeOfRun(db: Db, runId: string): Promise<TemplateUpgrade | null> {
  const [row] = await db.select().from(templateUpgrades).where(eq(templateUpgrades.runId, runId));
  return row ? toTemplateUpgrade(row) : null;
}

export const toTemplateUpgrade = (row: UpgradeRow): TemplateUpgrade => ({
  runId: row.runId,
  fromVersion: row.fromVersion,
  toVersion: row.toVersion,
  status: row.status,
  branch: row.branch,
  commit: row.commit,
  pullRequestUrl: row.pullRequestUrl,
  testsPassed: row.testsPassed,
  conflicts: row.conflicts,
  error: row.error,
  createdAt: iso(row.createdAt),
  decidedAt: isoOrNull(row.decidedAt),
});

/** The release a template's last check resolved, in SQL: its tag, else its commit (latestOf). */
const LATEST_RELEASE = sql`coalesce(${templates.versionTag}, ${templates.versionCommit})`;
/** A project's upgrade row to its template's latest release (joined with projects and templates). */
const UPGRADE_TO_LATEST = and(
  eq(templateUpgrades.projectId, projects.id),
  eq(templateUpgrades.toVersion, LATEST_RELEASE),
);

/**
 * The live projects built from a ready git template that are not at its latest version and were
 * never offered it (no upgrade row for that version): what a newer release offers upgrades to.
 */
export async function projectsToOffer(
  db: Db,
  templateId: string,
  limit: number,
): Promise<{ projectId: string; owner: Actor }[]> {
  return db
    .select({ projectId: projects.id, owner: { userId: users.id, role: users.role } })
    .from(projects)
    .innerJoin(templates, eq(templates.id, projects.templateId))
    .innerJoin(users, eq(users.id, projects.ownerId))
    .leftJoin(templateUpgrades, UPGRADE_TO_LATEST)
    .where(
      and(
        eq(templates.id, templateId),
        liveReadyGitTemplate,
        isNull(projects.deletedAt),
        isNotNull(projects.repoUrl),
        isNull(templateUpgrades.id),
        ne(projects.templateVersion, LATEST_RELEASE),
      ),
    )
    .orderBy(asc(projects.id))
    .limit(limit);
}

/**
 * The projects built from git catalog templates the actor may see (admins: all; members: their
 * own), each with its version, the template's latest, and its upgrade to that version if any.
 */
export async function templateVersions(
  db: Db,
  actor: Actor,
  filter: { behind?: boolean | undefined; template?: string | undefined },
): Promise<ProjectTemplateVersion[]> {
  const rows = await db
    .select({ project: projects, template: templates, upgrade: templateUpgrades })
    .from(projects)
    .innerJoin(templates, eq(templates.id, projects.templateId))
    .leftJoin(templateUpgrades, UPGRADE_TO_LATEST)
    .where(
      and(
        isNull(projects.deletedAt),
        eq(templates.sourceKind, "git"),
        isAdminActor(actor) ? undefined : eq(projects.ownerId, actor.userId),
        filter.template ? eq(templates.id, filter.template) : undefined,
      ),
    )
    .orderBy(asc(templates.name), asc(projects.id))
    .limit(500);
  const listed = rows.map(({ project, template, upgrade }) => {
    const latest = latestOf(template);
    return {
      project: { id: project.id, name: project.name, slug: project.slug },
      template: { id: template.id, name: template.name },
      version: project.templateVersion,
      latest,
      behind: latest !== null && latest !== project.templateVersion,
      upgrade: upgrade ? toTemplateUpgrade(upgrade) : null,
    };
  });
  return filter.behind === undefined ? listed : listed.filter((row) => row.behind === filter.behind);
}
