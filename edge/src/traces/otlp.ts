/**
 * A run's trace as an OTLP/HTTP JSON export request (`ExportTraceServiceRequest`): one root span
 * for the run, one child span per step of its timeline. Ids are derived from the run's id and the
 * step's name (SHA-256), so an export sent again, or rebuilt by a replayed step, carries the same
 * spans. Model use follows OpenTelemetry's `gen_ai.*` conventions; the rest is `codegen.*`.
 *
 *   const body = await otlpTraceRequest(await readRunTrace(env, runId));
 */
import type { RunTrace, TraceStep } from "./run-trace.ts";

export const SERVICE_NAME = "codegen-orchestrator";
const SCOPE = "codegen-orchestrator/runs";

/** OTLP's enums, by their numbers (the JSON encoding). */
const SPAN_KIND = { internal: 1, client: 3 } as const;
const STATUS = { unset: 0, ok: 1, error: 2 } as const;

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number };
export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  status: { code: number; message?: string };
}

export interface OtlpTraceRequest {
  resourceSpans: {
    resource: { attributes: KeyValue[] };
    scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
  }[];
}

export async function otlpTraceRequest(trace: RunTrace): Promise<OtlpTraceRequest> {
  const traceId = await hexDigest(`trace:${trace.runId}`, 16);
  const rootId = await hexDigest(`span:${trace.runId}`, 8);
  const root: OtlpSpan = {
    traceId,
    spanId: rootId,
    name: `${trace.kind} run`,
    kind: SPAN_KIND.internal,
    startTimeUnixNano: nanos(trace.startedAt),
    endTimeUnixNano: nanos(trace.finishedAt),
    attributes: attributes({
      "codegen.run.id": trace.runId,
      "codegen.run.kind": trace.kind,
      "codegen.run.status": trace.status,
      "codegen.project.id": trace.projectId,
      "codegen.cost_usd": trace.costUsd,
    }),
    status: runStatus(trace.status, trace.error),
  };
  const steps = await Promise.all(
    trace.steps.map(async (step) => ({
      traceId,
      spanId: await hexDigest(`span:${trace.runId}:${step.name}`, 8),
      parentSpanId: rootId,
      name: step.name,
      kind: step.modelCall ? SPAN_KIND.client : SPAN_KIND.internal,
      startTimeUnixNano: nanos(step.startedAt),
      endTimeUnixNano: nanos(step.finishedAt),
      attributes: stepAttributes(trace, step),
      status: stepStatus(step),
    })),
  );
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes({ "service.name": SERVICE_NAME }) },
        scopeSpans: [{ scope: { name: SCOPE }, spans: [root, ...steps] }],
      },
    ],
  };
}

function stepAttributes(trace: RunTrace, step: TraceStep): KeyValue[] {
  return attributes({
    "codegen.run.id": trace.runId,
    "codegen.step.name": step.name,
    "codegen.step.status": step.status,
    "codegen.job.id": step.jobId,
    "codegen.job.kind": step.jobKind,
    "codegen.cost_usd": step.costUsd,
    // A step's own model call is a chat with the model; an agent job, an agent's invocation.
    "gen_ai.operation.name": step.modelCall ? "chat" : step.jobKind === "agent" ? "invoke_agent" : null,
    "gen_ai.provider.name": step.usage ? "anthropic" : null,
    "gen_ai.usage.input_tokens": step.usage ? BigInt(step.usage.inputTokens) : null,
    "gen_ai.usage.output_tokens": step.usage ? BigInt(step.usage.outputTokens) : null,
  });
}

function runStatus(status: string, error: string | null): OtlpSpan["status"] {
  if (status === "succeeded") return { code: STATUS.ok };
  if (status === "failed" || status === "cancelled") return { code: STATUS.error, message: error ?? status };
  return { code: STATUS.unset };
}

function stepStatus(step: TraceStep): OtlpSpan["status"] {
  if (step.status === "succeeded") return { code: STATUS.ok };
  if (step.status === "failed") return { code: STATUS.error, message: step.error ?? "failed" };
  return { code: STATUS.unset };
}

/** Attributes in OTLP's JSON form (int64 as a decimal string); null values are left out. */
function attributes(values: Record<string, string | number | bigint | null>): KeyValue[] {
  return Object.entries(values).flatMap(([key, value]): KeyValue[] => {
    if (value === null) return [];
    if (typeof value === "string") return [{ key, value: { stringValue: value } }];
    if (typeof value === "bigint") return [{ key, value: { intValue: value.toString() } }];
    return [{ key, value: { doubleValue: value } }];
  });
}

const nanos = (ms: number) => (BigInt(ms) * 1_000_000n).toString();

/** The first `bytes` bytes of SHA-256 of `text`, as lowercase hex (a trace id: 16, a span id: 8). */
async function hexDigest(text: string, bytes: number): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest, 0, bytes)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
