/**
 * The repositories' reconciliation (the cron's, every 15 minutes, when a GitHub App is set up):
 * the App's repositories against the live projects. Drift is a repository on GitHub, not archived,
 * that no live project uses (a deleted project's the undeploy could not archive, one made by hand),
 * or a live project whose App repository is not on GitHub (deleted there). Drift opens one
 * `repository_drift` incident for the admins and tells them once; the incident follows what drifts
 * while it lasts, and the first run without drift resolves it and tells them.
 *
 *   const drift = await syncRepositories(env);  // null: no GitHub App
 */
import { notifyAdmins } from "../chat/notices.ts";
import { database } from "../db/client.ts";
import {
  openAdminIncident,
  openAdminIncidentMessage,
  resolveAdminIncident,
  restateAdminIncident,
} from "../domain/admin-incidents.ts";
import { liveProjectRepositories } from "../domain/pipeline-projects.ts";
import type { Env } from "../env.ts";
import { code, escapeHtml } from "../telegram/format.ts";
import { GitHubApp } from "./app.ts";
import { githubAppConfig, githubRepoName } from "./config.ts";

export const REPOSITORY_DRIFT = "repository_drift";

export interface Drift {
  /** On GitHub, not archived, used by no live project. */
  orphans: string[];
  /** Live projects (by slug) whose App repository is not on GitHub, with its name. */
  missing: { slug: string; repository: string }[];
}

/** What drifts, or null when there is no GitHub App. */
export async function findDrift(env: Env): Promise<Drift | null> {
  const config = githubAppConfig(env);
  if (!config) return null;
  const onGitHub = await new GitHubApp(config).listRepositories();
  const used = new Map<string, string>();
  for (const project of await liveProjectRepositories(database(env.DB))) {
    const name = project.repoUrl ? githubRepoName(config, project.repoUrl) : null;
    // GitHub's names are case-insensitive.
    if (name) used.set(name.toLowerCase(), project.slug);
  }
  const there = new Set(onGitHub.map((repo) => repo.name.toLowerCase()));
  return {
    orphans: onGitHub
      .filter((repo) => !repo.archived && !used.has(repo.name.toLowerCase()))
      .map((repo) => `${config.owner}/${repo.name}`)
      .sort(),
    missing: [...used]
      .filter(([name]) => !there.has(name))
      .map(([name, slug]) => ({ slug, repository: `${config.owner}/${name}` }))
      .sort((a, b) => a.slug.localeCompare(b.slug)),
  };
}

const driftLines = (drift: Drift) => [
  ...drift.orphans.map((name) => `${name} is on GitHub but no project uses it`),
  ...drift.missing.map(({ slug, repository }) => `project ${slug}: ${repository} is not on GitHub`),
];

/** Reconciles once: the incident opened, restated or resolved, the admins told when it opens or closes. */
export async function syncRepositories(env: Env): Promise<Drift | null> {
  const drift = await findDrift(env);
  if (!drift) return null;
  const db = database(env.DB);
  const lines = driftLines(drift);
  if (lines.length === 0) {
    if (await resolveAdminIncident(db, REPOSITORY_DRIFT, null))
      await notifyAdmins(env, db, "🟢 The GitHub repositories and the projects match again.");
    return drift;
  }
  const message = `Repositories drift from the projects: ${lines.join("; ")}.`;
  const opened = await openAdminIncident(db, {
    kind: REPOSITORY_DRIFT,
    serverId: null,
    message,
    evidence: { checks: [], logs: lines },
    startedAt: Date.now(),
  });
  if (!opened) {
    if ((await openAdminIncidentMessage(db, REPOSITORY_DRIFT, null)) !== message)
      await restateAdminIncident(db, REPOSITORY_DRIFT, message);
    return drift;
  }
  const list = lines.map((line) => `• ${escapeHtml(line)}`).join("\n");
  await notifyAdmins(
    env,
    db,
    `⚠️ The GitHub repositories drift from the projects:\n${list}\n` +
      `Archive or delete a repository no project uses (or import it: a project with its URL); for a missing one, delete the project or set its ${code("repoUrl")}.`,
  );
  return drift;
}
