/**
 * Exporting a finished run's trace to the operator's OpenTelemetry collector (OTLP/HTTP, JSON),
 * when OTLP_ENDPOINT is set. It is the run's last workflow step, with bounded retries: a
 * collector that is down, slow or refusing costs the run its trace, never its outcome (which the
 * `finish` step recorded before). The spans' ids are the run's own, so a retried export repeats
 * the same spans rather than adding a second trace.
 *
 *   await exportTraceStep(step, env, runId);
 */
import type { WorkflowStepConfig } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import type { AgentWorkflowStep } from "agents/workflows";
import type { Env } from "../env.ts";
import { traceSettings } from "../settings/traces.ts";
import { otlpTraceRequest } from "./otlp.ts";
import { readRunTrace } from "./run-trace.ts";

/** About two minutes of retries (10 s, 20 s, 40 s, 80 s), each export given 30 s. */
const EXPORT_STEP: WorkflowStepConfig = {
  retries: { limit: 4, delay: "10 seconds", backoff: "exponential" },
  timeout: "30 seconds",
};

/** Whether runs' traces are exported at all. */
export const tracesEnabled = (env: Env) => traceSettings.read(env).OTLP_ENDPOINT !== undefined;

/** The run's trace exported as a step of its workflow; a failed export is logged, never thrown. */
export async function exportTraceStep(step: AgentWorkflowStep, env: Env, runId: string): Promise<void> {
  if (!tracesEnabled(env)) return;
  try {
    await step.do("export trace", EXPORT_STEP, async () => {
      await exportRunTrace(env, runId);
    });
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    console.warn(JSON.stringify({ task: "exportTrace", runId, error }));
  }
}

/** Posts the run's trace to `<OTLP_ENDPOINT>/v1/traces`; throws when the collector did not take it. */
export async function exportRunTrace(env: Env, runId: string): Promise<void> {
  const { OTLP_ENDPOINT, OTLP_HEADERS } = traceSettings.read(env);
  if (!OTLP_ENDPOINT) return;
  const trace = await readRunTrace(env, runId);
  if (!trace) return;
  const response = await fetch(`${OTLP_ENDPOINT}/v1/traces`, {
    method: "POST",
    headers: { ...OTLP_HEADERS, "content-type": "application/json" },
    body: JSON.stringify(await otlpTraceRequest(trace)),
  });
  const excerpt = (await response.text()).slice(0, 200);
  if (response.ok) return;
  const problem = `The collector answered ${response.status}: ${excerpt}`;
  // OTLP/HTTP: 429, 502, 503 and 504 are worth retrying; any other refusal will not change.
  if ([429, 502, 503, 504].includes(response.status)) throw new Error(problem);
  throw new NonRetryableError(problem);
}
