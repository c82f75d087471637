/**
 * Monitoring a deployed service: its recovery policy, the incidents its monitor opens (with what
 * the checks saw and what was done), and its check history.
 */
import { z } from "zod";
import { TlsCertificate } from "../protocol/http-check.ts";

/**
 * What a monitor does when a service is down, in order, one step per failed outage attempt:
 * restart it in place, roll back to the last release that was healthy, start an engineering run
 * whose prompt holds the incident's evidence, or stop and ask the owner.
 */
export const RecoveryStep = z.enum(["restart", "rollback", "agent", "ask"]);
export type RecoveryStep = z.infer<typeof RecoveryStep>;
export const DEFAULT_RECOVERY_POLICY: RecoveryStep[] = ["restart", "rollback", "ask"];

/** One check as the incident keeps it. */
export const CheckEvidence = z.object({
  at: z.iso.datetime().describe("when the check ran"),
  status: z.number().int().nullable().describe("the HTTP status; null when nothing answered"),
  error: z.string().nullable().describe("why nothing answered (refused, timed out)"),
  excerpt: z.string().describe("the start of the response body, masked"),
  certificate: TlsCertificate.nullable()
    .optional()
    .describe(
      "HTTPS through the server's proxy: the certificate the check was answered with (issuer, expiry, whether a public CA signed it)",
    ),
});
export type CheckEvidence = z.infer<typeof CheckEvidence>;

export const IncidentEvidence = z.object({
  checks: z.array(CheckEvidence).describe("the failed checks that opened the incident, oldest first"),
  logs: z.array(z.string()).describe("the service's last log lines on its host, masked"),
});
export type IncidentEvidence = z.infer<typeof IncidentEvidence>;

export const IncidentAction = z.object({
  at: z.iso.datetime(),
  action: z.enum(["restart", "rollback", "agent", "ask", "mute"]),
  by: z.enum(["policy", "owner"]).describe("the recovery policy, or the owner's button"),
  outcome: z.string().describe("what came of it (a job's status, a run's id)"),
});
export type IncidentAction = z.infer<typeof IncidentAction>;

/** How often a deployed service is checked unless its project says otherwise, in seconds. */
export const DEFAULT_MONITOR_INTERVAL_S = 60;

export const Incident = z
  .object({
    id: z.string(),
    projectId: z.string().nullable(),
    serverId: z.string().nullable(),
    deploymentId: z.string().nullable(),
    kind: z.string().describe("`service_down`, `deploy_failed`, `health_failed`, `server_unreachable`, …"),
    severity: z.enum(["info", "warning", "critical"]),
    message: z.string(),
    evidence: IncidentEvidence.nullable(),
    actions: z.array(IncidentAction),
    startedAt: z.iso.datetime().nullable().describe("the outage's first failed check"),
    openedAt: z.iso.datetime(),
    resolvedAt: z.iso.datetime().nullable(),
    detectSeconds: z.number().nullable().describe("openedAt − startedAt"),
    recoverSeconds: z.number().nullable().describe("resolvedAt − startedAt (or − openedAt without a start)"),
  })
  .meta({ id: "Incident" });
export type Incident = z.infer<typeof Incident>;

export const MonitorDay = z.object({
  day: z.string().describe("UTC, YYYY-MM-DD"),
  checks: z.number().int(),
  failures: z.number().int(),
  uptime: z.number().describe("the share of checks that passed, 0..1"),
  latencyP50Ms: z.number().nullable(),
  latencyP95Ms: z.number().nullable(),
  latencyP99Ms: z.number().nullable(),
});

export const ProjectMonitor = z
  .object({
    watching: z.boolean().describe("a live deployment is being checked"),
    url: z.string().nullable().describe("the health URL checked"),
    intervalS: z.number().int(),
    checks: z
      .number()
      .int()
      .describe(
        "checks reported since the monitor first watched the project (a watch reports its checks when it ends)",
      ),
    lastCheck: CheckEvidence.nullable().describe("the last check reported"),
    watchSince: z.iso
      .datetime()
      .nullable()
      .describe(
        "when the executor watching the healthy service started (it reports once its watch ends, and at once when checks fail); null while the service is failing and checked one check at a time",
      ),
    consecutiveFailures: z.number().int(),
    openIncidentId: z.string().nullable(),
    days: z.array(MonitorDay).describe("the last 30 days with checks, newest first"),
  })
  .meta({ id: "ProjectMonitor" });
export type ProjectMonitor = z.infer<typeof ProjectMonitor>;
