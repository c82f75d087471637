/**
 * What a monitor makes of each check, as a pure function of its state: consecutive failures open
 * one incident, a healthy check closes it, and while it is open the recovery policy takes its
 * next step each time `threshold` more checks fail (or a recovery job itself fails). A policy
 * never loops: past `maxAttempts` automatic attempts within the window, the next step is "ask".
 *
 *   const { health, decisions } = judge(health, check, Date.now(), config);
 */
import { type CheckEvidence, healthyStatus, type RecoveryStep } from "@codegen-orchestrator/shared";

export interface JudgeConfig {
  /** Consecutive failed checks that open an incident (and that let the policy act again). */
  threshold: number;
  maxAttempts: number;
  attemptWindowMs: number;
  policy: RecoveryStep[];
}

/** A recovery the monitor runs as a job: restart or roll back the service. */
export type RecoveryJobKind = "restart" | "rollback";

/** A recovery job running (it may end after its incident closed: it is still recorded there). */
export interface RecoveryJob {
  jobId: string;
  kind: RecoveryJobKind;
  by: "policy" | "owner";
  incidentId: string;
  /** A rollback's: the deployment it restores. */
  restores: { id: string; commit: string } | null;
}

export interface OpenIncident {
  id: string;
  /** When the first failed check of the outage ran. */
  startedAt: number;
  openedAt: number;
  /** The policy's next step: an index into the policy. */
  step: number;
  /** No more automatic steps: the owner was asked, or muted it. */
  stopped: "asked" | "muted" | null;
}

export interface Health {
  /** The consecutive failed checks (since the last healthy one, or the last recovery step). */
  failures: CheckEvidence[];
  incident: OpenIncident | null;
  /** When the policy acted on its own (for the attempts' window). */
  attempts: number[];
}

export type Decision =
  | { kind: "open"; incident: OpenIncident; evidence: CheckEvidence[] }
  | { kind: "resolve"; incident: OpenIncident }
  | { kind: "recover"; step: RecoveryStep };

export const healthy = (check: CheckEvidence) => healthyStatus(check.status);

export const NO_HEALTH: Health = { failures: [], incident: null, attempts: [] };

/** One check's verdict. `newId` names an incident it opens; while `busy` (a recovery job runs) the policy waits. */
export function judge(
  health: Health,
  check: CheckEvidence,
  now: number,
  config: JudgeConfig,
  newId: () => string,
  busy = false,
): { health: Health; decisions: Decision[] } {
  if (healthy(check)) {
    const decisions: Decision[] = health.incident ? [{ kind: "resolve", incident: health.incident }] : [];
    return { health: { ...health, failures: [], incident: null }, decisions };
  }
  const failures = [...health.failures, check].slice(-config.threshold);
  const next = { ...health, failures };
  if (failures.length < config.threshold) return { health: next, decisions: [] };
  if (!health.incident) {
    const startedAt = Date.parse(failures[0]?.at ?? check.at);
    const incident: OpenIncident = {
      id: newId(),
      startedAt,
      openedAt: now,
      step: 0,
      stopped: null,
    };
    const opened = { ...next, incident };
    const step = nextStep(opened, now, config);
    return {
      health: step.health,
      decisions: [{ kind: "open", incident, evidence: failures }, ...step.decisions],
    };
  }
  if (busy || health.incident.stopped) return { health: next, decisions: [] };
  return nextStep(next, now, config);
}

/**
 * The policy's next step for the open incident: taken now (a recovery job failed, or checks keep
 * failing). Nothing when no incident is open or the policy has stopped.
 */
export function nextStep(
  health: Health,
  now: number,
  config: JudgeConfig,
): { health: Health; decisions: Decision[] } {
  const incident = health.incident;
  if (!incident || incident.stopped) return { health, decisions: [] };
  const attempts = health.attempts.filter((at) => at > now - config.attemptWindowMs);
  const planned = config.policy[incident.step] ?? "ask";
  const step: RecoveryStep = planned !== "ask" && attempts.length >= config.maxAttempts ? "ask" : planned;
  const moved: OpenIncident = {
    ...incident,
    step: incident.step + 1,
    stopped: step === "ask" ? "asked" : null,
  };
  return {
    health: {
      // The step gets `threshold` fresh checks to prove itself.
      failures: step === "ask" ? health.failures : [],
      incident: moved,
      attempts: step === "ask" ? attempts : [...attempts, now],
    },
    decisions: [{ kind: "recover", step }],
  };
}
