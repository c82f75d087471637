/**
 * A project's runtime logs: the `project_logs` job on its live deployment's server (in the
 * project's pool), waited for a bounded time, its text masked with the project's secrets before
 * anyone sees it. The API (`GET /projects/{id}/logs`) and the chat's `/logs` both ask here.
 *
 *   const logs = await readProjectLogs(env, db, project, { lines: 50, since: "10m" });
 */
import {
  AnsibleResult,
  DEFAULT_POOL,
  LogDuration,
  type LogsQuery,
  POOL_LABEL,
  type ProjectLogs,
} from "@codegen-orchestrator/shared";
import type { Db } from "../../db/client.ts";
import { liveDeploymentServer } from "../../domain/deployments.ts";
import { ApiError, conflict } from "../../domain/errors.ts";
import type { ProjectRow } from "../../domain/projects.ts";
import { projectSecretMasker } from "../../domain/secret-masking.ts";
import type { Env } from "../../env.ts";
import { awaitJob } from "../../executors/await-job.ts";
import { executorHub } from "../../executors/hub.ts";
import { resultAs } from "../../executors/views.ts";
import { newId } from "../../ids.ts";
import { memberSafeError } from "../steps/member-errors.ts";
import { logsJob } from "./deploy.ts";

/** How long the caller waits for the job. */
export const LOGS_WAIT_MS = 60_000;

/** The play's `since`: a duration as given, any ISO time as UTC to the second (`…Z`). */
export function playSince(since: string | undefined): string {
  if (!since) return "";
  if (LogDuration.safeParse(since).success) return since;
  return new Date(since).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const unavailable = (message: string) => new ApiError(503, "service_unavailable", message);

/**
 * The answer to a finished project_logs job: its lines masked, or the reason it failed (an
 * ApiError, masked too).
 */
export function logsAnswer(
  server: string,
  job: { status: string; result: string | null; error: string | null },
  mask: (text: string) => string,
): ProjectLogs {
  const logs = resultAs(AnsibleResult, job.result)?.logs;
  if (job.status !== "succeeded" || !logs) {
    const why = job.error ? mask(memberSafeError(job.error)).slice(0, 1000) : `the job ended ${job.status}`;
    throw unavailable(`Reading the logs on ${server} failed: ${why}`);
  }
  const text = mask(logs.text).replace(/\n$/, "");
  return {
    lines: text === "" ? [] : text.split("\n"),
    server,
    manager: logs.manager,
    truncated: logs.truncated,
  };
}

export async function readProjectLogs(
  env: Env,
  db: Db,
  project: ProjectRow,
  query: LogsQuery,
): Promise<ProjectLogs> {
  const server = await liveDeploymentServer(db, project.id);
  if (!server)
    throw conflict("The project has no live deployment: deploy it first (its logs are read on its server).", {
      reason: "not_deployed",
    });
  // Opened before the job runs: a keyring problem fails fast, and nothing unmasked is ever held.
  const mask = await projectSecretMasker(env, db, project.id);
  const { spec, secrets } = logsJob(project.resourceName, server, {
    lines: query.lines,
    since: playSince(query.since),
  });
  const hub = executorHub(env);
  const submitted = await hub.submit({
    kind: "ansible",
    spec,
    secrets,
    labels: { [POOL_LABEL]: project.pool || DEFAULT_POOL },
    idempotencyKey: `logs:${project.id}:${newId()}`,
    timeoutMs: LOGS_WAIT_MS,
    maxAttempts: 1,
  });
  const status = await awaitJob(env, submitted.job.id, LOGS_WAIT_MS);
  if (status === null) {
    await hub.cancel(submitted.job.id);
    throw unavailable(
      `No executor of the project's pool read the logs within ${LOGS_WAIT_MS / 1000} s: try again, or ask an admin whether one is online.`,
    );
  }
  const job = await hub.outcome(submitted.job.id);
  return logsAnswer(server.name, job ?? { status: "lost", result: null, error: null }, mask);
}
