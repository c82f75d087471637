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
  /** The service's base URL (`http://host:port`). */
  url: string;
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
  /** Checks submitted so far (their jobs' idempotency keys). */
  seq: number;
  /** The last check that ran (its excerpt kept only when it failed). */
  last: CheckEvidence | null;
  /** The check job in flight, and when it was submitted. */
  check: { jobId: string; at: number } | null;
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

export const loadState = (storage: DurableObjectStorage) => storage.get<MonitorState>(KEY);
export const saveState = (storage: DurableObjectStorage, state: MonitorState) => storage.put(KEY, state);
