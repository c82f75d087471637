/**
 * A fix run's brief: what a service monitor saw of an outage (the failed checks, the service's
 * last log lines, both masked already), as plain text the Developer's first prompt carries between
 * its evidence markers (develop.ts). Bounded: the brief is stored on the run (runs.brief) and goes
 * into the workflow's parameters.
 *
 *   const brief = fixBrief("http://10.0.0.5:8080/health", evidence);
 */
import type { CheckEvidence, IncidentEvidence } from "@codegen-orchestrator/shared";

const EXCERPT_CHARS = 500;
const LOG_CHARS = 4_000;

const seen = (check: CheckEvidence) =>
  check.status === null ? `no answer (${check.error ?? "unknown error"})` : `HTTP ${check.status}`;

export function fixBrief(healthUrl: string, evidence: IncidentEvidence | null): string {
  const checks = evidence?.checks ?? [];
  const lines = [`Health check: GET ${healthUrl}`, `Failed checks (oldest first): ${checks.length}`];
  for (const check of checks) {
    const excerpt = check.excerpt.trim()
      ? `; the response began: ${JSON.stringify(check.excerpt.slice(0, EXCERPT_CHARS))}`
      : "";
    lines.push(`- ${check.at}: ${seen(check)}${excerpt}`);
  }
  const logs = (evidence?.logs ?? []).join("\n").slice(-LOG_CHARS);
  lines.push(
    logs
      ? `The service's last log lines on its host:\n${logs}`
      : "The service's log lines could not be read.",
  );
  return lines.join("\n");
}
