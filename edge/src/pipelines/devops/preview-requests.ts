/**
 * Previews asked for and removed, shared by the API (`/projects/{id}/previews`) and the cron (a
 * preview past its TTL, or whose branch was merged or deleted): the D1 change (domain/previews.ts), then the run launched; a launch that
 * fails leaves the run queued, and the cron launches it again.
 *
 *   const { preview } = await askPreview(env, db, actor, projectId, "feature-x");
 */
import { type Db, database } from "../../db/client.ts";
import type { Actor } from "../../domain/actor.ts";
import {
  expiredPreviews,
  expirePreview,
  type PreviewRow,
  previewsWithRepositories,
  removePreview,
  requestPreview,
} from "../../domain/previews.ts";
import { assertRunQuota } from "../../domain/quotas.ts";
import type { RunRow } from "../../domain/runs.ts";
import type { Env } from "../../env.ts";
import { GitHubApp } from "../../github/app.ts";
import { githubAppConfig } from "../../github/config.ts";
import { pipelineSettings } from "../../settings/pipelines.ts";
import { launchRun, stopRun } from "../launch.ts";
import { ownGitHubRepository } from "../steps/repository.ts";

const HOUR_MS = 3_600_000;

/** The run is recorded; it stays queued (the cron launches it) rather than failing the request. */
async function launch(env: Env, db: Db, run: RunRow): Promise<void> {
  try {
    await launchRun(env, db, run);
  } catch (err) {
    console.error(JSON.stringify({ event: "run.launch_failed", runId: run.id, error: String(err) }));
  }
}

/** Deploys `branch` as a preview (again, if it has one: a new TTL), its run launched. */
export async function askPreview(
  env: Env,
  db: Db,
  actor: Actor,
  projectId: string,
  branch: string,
  chatId: number | null = null,
): Promise<PreviewRow> {
  await assertRunQuota(env, db, actor);
  const ttlMs = pipelineSettings.read(env).PREVIEW_TTL_HOURS * HOUR_MS;
  const { preview, run } = await requestPreview(db, actor, projectId, branch, ttlMs, chatId);
  await launch(env, db, run);
  return preview;
}

/** Removes the preview of `branch`: its deploy stopped if it is in progress, its teardown launched. */
export async function dropPreview(
  env: Env,
  db: Db,
  actor: Actor,
  projectId: string,
  branch: string,
): Promise<PreviewRow> {
  return settle(env, db, await removePreview(db, actor, projectId, branch));
}

async function settle(
  env: Env,
  db: Db,
  removal: { preview: PreviewRow; run: RunRow; cancelled: RunRow | null },
): Promise<PreviewRow> {
  if (removal.cancelled) await stopRun(env, removal.cancelled);
  await launch(env, db, removal.run);
  return removal.preview;
}

/** The cron's: previews past their TTL removed (a teardown run each); how many. */
export async function sweepPreviews(env: Env, now = new Date()): Promise<number> {
  const db = database(env.DB);
  let removed = 0;
  for (const preview of await expiredPreviews(db, now)) {
    try {
      await settle(env, db, await expirePreview(db, preview));
      removed++;
    } catch (err) {
      console.error(JSON.stringify({ task: "sweepPreviews", previewId: preview.id, error: String(err) }));
    }
  }
  return removed;
}

/**
 * The cron's: previews whose branch was deleted, or merged by a pull request, on the GitHub App's
 * repository of their project, removed (a teardown run each; the App receives no webhooks, so
 * branches are polled). Without an App: nothing. A branch GitHub does not answer for is left for
 * the next sweep. How many were removed.
 */
export async function sweepGoneBranches(env: Env): Promise<number> {
  const config = githubAppConfig(env);
  if (!config) return 0;
  const app = new GitHubApp(config);
  const db = database(env.DB);
  let removed = 0;
  for (const { preview, repoUrl, resourceName } of await previewsWithRepositories(db)) {
    const repository = repoUrl ? ownGitHubRepository(env, { url: repoUrl, resourceName }) : null;
    if (!repository) continue;
    try {
      if ((await app.branchState(repository, preview.branch)) === "present") continue;
      await settle(env, db, await expirePreview(db, preview, "branch_gone"));
      removed++;
    } catch (err) {
      console.error(
        JSON.stringify({
          task: "sweepGoneBranches",
          previewId: preview.id,
          error: String(err).slice(0, 300),
        }),
      );
    }
  }
  return removed;
}
