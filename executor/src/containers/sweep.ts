/**
 * The orphan sweep: containers of jobs this executor (or another on the same engine) lost, e.g.
 * to a crash, carry an `orchestrator.expires` label; once it is past, the sweep removes them.
 * Best-effort: it logs and never throws, and skips quietly when the host has no engine.
 */
import {
  type DockerEngine,
  describeEngine,
  dockerEngine,
  engineAddress,
  engineMessage,
  enginePossiblyPresent,
} from "./engine.ts";
import { expiresOf, LABEL_ATTEMPT, LABEL_JOB } from "./labels.ts";
import { removeContainer } from "./lifecycle.ts";

export interface SweepLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface SweepOptions {
  log: SweepLog;
  /** Default: the engine at `DOCKER_HOST` (or the default socket). */
  engine?: () => Promise<DockerEngine>;
  /** Epoch ms; default now. */
  now?: number;
  /** How long the engine may take to list its containers. */
  timeoutMs?: number;
}

export interface SweepReport {
  /** Names of the containers removed. */
  removed: string[];
  /** Containers that could not be removed, with why. */
  failed: { name: string; error: string }[];
}

/** Removes the expired job containers; null when no engine could be asked. */
export async function sweepOrphanContainers(options: SweepOptions): Promise<SweepReport | null> {
  const { log } = options;
  if (!options.engine && !enginePossiblyPresent()) {
    log.info({ engine: engineAddress() }, "no Docker engine on this host: no container sweep");
    return null;
  }
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  let docker: DockerEngine | undefined;
  let listed: Awaited<ReturnType<DockerEngine["listContainers"]>>;
  try {
    docker = await (options.engine ?? (() => dockerEngine()))();
    listed = await docker.listContainers({
      all: true,
      filters: { label: [LABEL_JOB] },
      abortSignal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    const engine = docker ? describeEngine(docker) : engineAddress();
    log.warn({ engine, error: engineMessage(error) }, "container sweep skipped: engine unreachable");
    return null;
  }
  const report: SweepReport = { removed: [], failed: [] };
  for (const found of listed) {
    const expires = expiresOf(found.Labels);
    if (expires === null || expires > nowSeconds) continue;
    const name = found.Names[0]?.replace(/^\//, "") ?? found.Id;
    const error = await removeContainer(docker.getContainer(found.Id));
    const fields = {
      container: name,
      jobId: found.Labels[LABEL_JOB],
      attempt: found.Labels[LABEL_ATTEMPT],
      state: found.State,
      expiredSecondsAgo: nowSeconds - expires,
    };
    if (error) {
      report.failed.push({ name, error });
      log.warn({ ...fields, error }, "could not remove an expired job container");
    } else {
      report.removed.push(name);
      log.info(fields, "removed an expired job container");
    }
  }
  log.info(
    { engine: describeEngine(docker), jobContainers: listed.length, removed: report.removed.length },
    "container sweep done",
  );
  return report;
}
