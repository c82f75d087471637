/**
 * One server check: the read-only `server_check` playbook run by an executor of the server's pool
 * (its `pool` label, else the default pool), waited for a bounded time; its verdict recorded on
 * the server, and an outage's incident opened or resolved. The cron's sweep (sweep.ts) and an
 * admin's `POST /servers/{id}/check` (and the console's "Check now") both check here.
 *
 *   const checked = await checkServer(env, db, server);  // null: no executor finished the check
 */
import { DEFAULT_POOL, POOL_LABEL, type ServerCheck } from "@codegen-orchestrator/shared";
import type { Db } from "../db/client.ts";
import type { Actor } from "../domain/actor.ts";
import { auditedBy } from "../domain/audit.ts";
import { ApiError, conflict } from "../domain/errors.ts";
import { checkVerdict, recordCheck } from "../domain/server-checks.ts";
import { findServer, type ServerRow } from "../domain/servers.ts";
import type { Env } from "../env.ts";
import { awaitJob } from "../executors/await-job.ts";
import { executorHub } from "../executors/hub.ts";
import { newId } from "../ids.ts";
import { DEPLOY_KEY, target } from "../pipelines/devops/deploy.ts";
import { serverSettings } from "../settings/servers.ts";
import { serverReachable, serverUnreachable } from "./outage-notices.ts";

/** The server_check job for a server whose host key is pinned, with the Worker's thresholds. */
export function serverCheckJob(env: Env, server: ServerRow & { knownHosts: string }) {
  const settings = serverSettings.read(env);
  return {
    kind: "ansible" as const,
    spec: {
      playbook: "server_check" as const,
      target: target(server),
      sshKeySecret: DEPLOY_KEY,
      vars: {
        deploy_root: server.deployRoot,
        service_manager: server.serviceManager,
        min_disk_free_percent: settings.SERVER_MIN_DISK_FREE_PERCENT,
        min_memory_available_percent: settings.SERVER_MIN_MEMORY_AVAILABLE_PERCENT,
        max_load_per_core: settings.SERVER_MAX_LOAD_PER_CORE,
      },
      secretVars: {},
      secretEnv: {},
    },
    secrets: { [DEPLOY_KEY]: { system: "DEPLOY_SSH_KEY" as const } },
    labels: { [POOL_LABEL]: server.labels[POOL_LABEL] || DEFAULT_POOL },
  };
}

export interface CheckedServer {
  server: ServerRow;
  check: ServerCheck;
}

/**
 * Checks the server, or answers null when its host key is not pinned or no executor finished the
 * check in time (then nothing is known of it and nothing changes). The same `idempotencyKey`
 * finds the job submitted first (the sweep's, after a Worker restart).
 */
export async function checkServer(
  env: Env,
  db: Db,
  server: ServerRow,
  idempotencyKey = `server-check:${server.id}:${newId()}`,
): Promise<CheckedServer | null> {
  const { knownHosts } = server;
  if (knownHosts === null) return null;
  const waitMs = serverSettings.read(env).SERVER_CHECK_WAIT_S * 1000;
  const hub = executorHub(env);
  const submitted = await hub.submit({
    ...serverCheckJob(env, { ...server, knownHosts }),
    idempotencyKey,
    timeoutMs: waitMs,
    maxAttempts: 1,
  });
  if ((await awaitJob(env, submitted.job.id, waitMs)) === null) {
    await hub.cancel(submitted.job.id);
    return null;
  }
  const outcome = await hub.outcome(submitted.job.id);
  const check = outcome ? checkVerdict(outcome, new Date()) : null;
  if (!check) return null;
  const recorded = await recordCheck(db, server.id, check);
  if (!recorded) return null;
  if (check.outcome === "unreachable") await serverUnreachable(env, db, recorded, check);
  else await serverReachable(env, db, recorded);
  return { server: recorded, check };
}

/** An admin's check now: the server as the check left it, or an ApiError saying what to do. */
export async function checkServerNow(env: Env, db: Db, actor: Actor, id: string): Promise<CheckedServer> {
  const server = await findServer(db, actor, id);
  if (server.knownHosts === null)
    throw conflict(
      "The server's host key is not pinned: set knownHosts (PATCH /servers/{id}), or deploy to it once with trustFirstHostKey.",
      { reason: "no_host_key" },
    );
  const checked = await checkServer(env, db, server);
  if (!checked)
    throw new ApiError(
      503,
      "service_unavailable",
      "No executor of the server's pool finished the check in time: try again, or see whether one is online (GET /executors).",
    );
  // The admin's check, audited like every change an API call makes (its verdict in the details).
  await auditedBy(db, actor.userId, {
    action: "server.check",
    targetType: "server",
    targetId: server.id,
    details: { status: checked.server.status },
  });
  return checked;
}
