/**
 * What a project's ServiceMonitor keeps in its storage (one record, written after each event):
 * the deployment it watches, the check in flight, the judge's state and the day's history.
 */
import type { CheckEvidence } from "@codegen-orchestrator/shared";
import type { DayStats } from "./history.ts";
import type { Health, RecoveryJob } from "./judge.ts";

/** The live deployment a monitor checks, and what its recovery jobs need of it. */
export interface WatchTarget {
  projectId: string;
  deploymentId: string;
  commit: string;
  serverId: string;
  /** What the project is named by on its server. */
  resourceName: string;
  pool: string;
  port: number;
  /** The service's base URL (`http://host:port`, or its proxy's `https://<project>.<base domain>`). */
  url: string;
  /** Behind the server's proxy: the server's address, and whether its certificate can be verified. */
  route?: { connectTo: string; verifyTls: boolean } | undefined;
  healthPath: string;
  healthRetries?: number | undefined;
  intervalS: number;
}

/**
 * A fix run the monitor started (an engineering run with the incident's evidence as its brief).
 * `runId` null: it starts once the service's log lines are read into the evidence.
 */
export interface FixRun {
  runId: string | null;
  incidentId: string;
  by: "policy" | "owner";
}

export interface MonitorState {
  target: WatchTarget;
  /** Jobs (checks and watches) submitted so far: their idempotency keys. */
  seq: number;
  /** Checks reported so far (a watch's come with its report). */
  checks: number;
  /** The last check that ran (its excerpt kept only when it failed). */
  last: CheckEvidence | null;
  /** The single check in flight (the service is failing), and when it was submitted. */
  check: { jobId: string; at: number } | null;
  /** The watch in flight (the service is healthy), and when the monitor gives up waiting for it. */
  watch?: { jobId: string; at: number; overdueAt: number } | null;
  /** The job reading the service's last log lines for an incident's evidence. */
  logs: { jobId: string; incidentId: string } | null;
  health: Health;
  /** The restart or rollback running now. */
  recovery?: RecoveryJob | null;
  /** The fix run in progress ("let the agent fix it"), with the redeploy it starts. */
  fix?: FixRun | null;
  day: DayStats;
  /** The open incident's "down" message, edited as recovery steps end. */
  message: { id: number; steps: string[] } | null;
}

const KEY = "monitor";

export async function loadState(storage: DurableObjectStorage): Promise<MonitorState | undefined> {
  const state = await storage.get<MonitorState>(KEY);
  // A monitor from before watches counted its check jobs.
  if (state && state.checks === undefined) state.checks = state.seq;
  return state;
}

/** Nothing is failing: the service is watched (one `http_watch` at a time), not checked singly. */
export const quiet = (state: MonitorState) =>
  state.health.incident === null && state.health.failures.length === 0;
export const saveState = (storage: DurableObjectStorage, state: MonitorState) => storage.put(KEY, state);
