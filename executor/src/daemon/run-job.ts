/**
 * One assigned job, start to end: its spec parsed with its kind's schema, a user of its own when
 * it runs code on this host (job-users.ts), a fresh workdir (the user's), its kind's runner, then
 * the clean-up: that user's processes killed, the workdir removed, the user back to the pool.
 */
import { chown, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { HubMessage } from "@codegen-orchestrator/shared";
import type { Logger } from "pino";
import { parseJob } from "../jobs/registry.ts";
import type { RunContext, RunOutcome } from "../jobs/runner.ts";
import { runners } from "../kinds/index.ts";
import { type JobUser, type JobUsers, JobUserUnavailable } from "../process/job-users.ts";

export type Assign = Extract<HubMessage, { type: "assign" }>;

/** What a job gets from the daemon beyond its assign: where things are, and its lines to the hub. */
export interface JobSetup
  extends Pick<
    RunContext,
    | "templatesDir"
    | "orchestratorUrl"
    | "ansibleDir"
    | "dockerImagesDir"
    | "signal"
    | "draining"
    | "log"
    | "progress"
  > {
  /** The daemon's data directory: jobs' workdirs in `jobs/`, runners' caches in `cache/`. */
  dataDir: string;
  jobUsers: JobUsers;
}

/** Runs the assigned job; never throws: a crash is the job's failure. */
export async function runAssigned(assign: Assign, setup: JobSetup, log: Logger): Promise<RunOutcome> {
  const { jobId, attempt, kind } = assign;
  let workdir: string | null = null;
  let user: JobUser | null = null;
  let outcome: RunOutcome;
  try {
    const parsed = parseJob(runners, kind, assign.spec);
    if (parsed.error !== undefined) {
      outcome = { status: "failed", output: undefined, error: parsed.error };
    } else {
      if (parsed.job.runsCodeOnHost) user = await setup.jobUsers.acquire();
      workdir = await mkdtemp(path.join(setup.dataDir, "jobs", `${jobId}-${attempt}-`));
      // mkdtemp made it 0700: only the job's user enters it.
      if (user) await chown(workdir, user.uid, user.gid);
      const context: RunContext = {
        jobId,
        attempt,
        workdir,
        ...(user ? { user } : {}),
        deadlineAt: assign.deadlineAt,
        cacheDir: path.join(setup.dataDir, "cache"),
        templatesDir: setup.templatesDir,
        ...(setup.orchestratorUrl ? { orchestratorUrl: setup.orchestratorUrl } : {}),
        ansibleDir: setup.ansibleDir,
        ...(setup.dockerImagesDir ? { dockerImagesDir: setup.dockerImagesDir } : {}),
        secrets: assign.secrets,
        signal: setup.signal,
        ...(setup.draining ? { draining: setup.draining } : {}),
        log: setup.log,
        progress: setup.progress,
      };
      outcome = await parsed.job.run(context, (issue) =>
        log.error({ issue }, "runner produced an invalid result"),
      );
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    outcome = {
      status: "failed",
      output: undefined,
      error: err instanceof JobUserUnavailable ? message : `Runner crashed: ${message}`,
    };
  }
  await cleanUp(setup.jobUsers, log, workdir, user);
  return outcome;
}

/**
 * After a job: every process of its user killed (whatever left its process group), its workdir
 * removed, and only then its user free for another job. Never throws.
 */
async function cleanUp(
  jobUsers: JobUsers,
  log: Logger,
  workdir: string | null,
  user: JobUser | null,
): Promise<void> {
  if (user) await user.stopProcesses().catch(() => false);
  if (workdir) {
    // A container may leave files the daemon's user cannot delete: say so, never crash on it.
    await rm(workdir, { recursive: true, force: true }).catch((err: Error) =>
      log.warn({ err: err.message, workdir }, "could not remove the job's workdir"),
    );
    await rm(`${workdir}.pid`, { force: true }).catch(() => {});
  }
  if (!user) return;
  const released = await jobUsers.release(user).catch(() => false);
  if (!released)
    log.error({ uid: user.uid }, "processes of the job's user would not die: its uid stays out of use");
}
