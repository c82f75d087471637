/**
 * A run's trace as OTLP/HTTP JSON (traces/run-trace.ts, traces/otlp.ts), from a run written in D1
 * and jobs queued in the hub: one root span and a child per step, ids derived from the run's (the
 * same on every build, other for another run), the rows' times, each step's job and model use,
 * failures as span status; never a step's detail, a job's prompt or a project secret. The export
 * itself, to a loopback collector from a live run: test/otlp-traces.test.ts.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { costs, runSteps, runs } from "../src/db/schema.ts";
import { newId } from "../src/ids.ts";
import { SettingsError } from "../src/settings/define.ts";
import { traceSettings } from "../src/settings/traces.ts";
import { type KeyValue, type OtlpSpan, otlpTraceRequest } from "../src/traces/otlp.ts";
import { readRunTrace } from "../src/traces/run-trace.ts";
import { ADMIN_KEY, createProject, expectStatus, unique } from "./helpers.ts";

const T0 = Date.parse("2026-12-03T10:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000);
const nanos = (s: number) => `${T0 + s * 1000}000000`;
const PROJECT_SECRET = "otlp-canary-project-secret-5e1d";
const PROMPT = "otlp-canary-prompt: build the thing with key 9f3a";
const DETAIL = "otlp-canary-detail-77c0";

const value = (span: OtlpSpan, key: string) => {
  const found = span.attributes.find((attribute: KeyValue) => attribute.key === key)?.value;
  return found ? Object.values(found)[0] : undefined;
};

/** A failed engineering run: a model call, a scaffold job, an agent job that failed, a skipped step. */
async function writtenRun() {
  const project = await createProject(ADMIN_KEY);
  await expectStatus(200, `/projects/${project.id}/secrets/SERVICE_TOKEN`, {
    method: "PUT",
    body: { value: PROJECT_SECRET },
  });
  const job = (kind: string, spec: unknown) =>
    expectStatus<{ id: string }>(201, "/jobs", { body: { kind, spec, labels: { lane: unique("traces") } } });
  const scaffold = await job("exec", { command: ["echo", "scaffold"] });
  const agent = await job("agent", { prompt: PROMPT });
  const db = database(env.DB);
  const runId = newId();
  await db.insert(runs).values({
    id: runId,
    projectId: project.id,
    kind: "engineering",
    status: "failed",
    error: "The tests kept failing.",
    createdAt: at(-1),
    startedAt: at(0),
    finishedAt: at(100),
  });
  const step = (
    name: string,
    from: number,
    to: number | null,
    fields: Partial<typeof runSteps.$inferInsert>,
  ) =>
    ({
      id: newId(),
      runId,
      name,
      status: "succeeded",
      startedAt: at(from),
      finishedAt: to === null ? null : at(to),
      ...fields,
    }) as const;
  await db.insert(runSteps).values([
    step("architect", 1, 10, { detail: { prompt: DETAIL }, costUsd: 0.0123 }),
    step("prepare", 10, 20, { jobId: scaffold.id, detail: { jobStatus: "succeeded", commit: DETAIL } }),
    step("develop 1", 20, 60, {
      jobId: agent.id,
      status: "failed",
      detail: { jobStatus: "failed", error: "The agent gave up." },
      costUsd: 0.5,
    }),
    step("deploy", 60, null, { status: "skipped" }),
  ]);
  const cost = (fields: Partial<typeof costs.$inferInsert>) => ({
    id: newId(),
    projectId: project.id,
    runId,
    source: "test",
    amountUsd: 0.01,
    createdAt: at(5),
    ...fields,
  });
  await db.insert(costs).values([
    // The Architect's call (booked without a job, while its step ran), the agent's two sessions.
    cost({ inputTokens: 1200, outputTokens: 340, createdAt: at(9) }),
    cost({ jobId: agent.id, inputTokens: 5000, outputTokens: 700, createdAt: at(40) }),
    cost({ jobId: agent.id, inputTokens: 1000, outputTokens: 300, createdAt: at(59) }),
    // Another run's, and a chat's: not this trace's.
    cost({ runId: null, inputTokens: 99, outputTokens: 99 }),
  ]);
  return { runId, project, scaffold, agent };
}

describe("a run's trace", () => {
  it("is one root span and a child per step, with the rows' times, jobs, model use and failures", async () => {
    const { runId, project, scaffold, agent } = await writtenRun();
    const trace = await readRunTrace(env, runId);
    if (!trace) throw new Error("no trace");
    const request = await otlpTraceRequest(trace);

    expect(request.resourceSpans).toHaveLength(1);
    const [resource] = request.resourceSpans;
    expect(resource?.resource.attributes).toEqual([
      { key: "service.name", value: { stringValue: "codegen-orchestrator" } },
    ]);
    const spans = resource?.scopeSpans.flatMap((scope) => scope.spans) ?? [];
    expect(spans.map((span) => span.name)).toEqual([
      "engineering run",
      "architect",
      "prepare",
      "develop 1",
      "deploy",
    ]);
    const [root, architect, prepare, develop, deploy] = spans as [
      OtlpSpan,
      OtlpSpan,
      OtlpSpan,
      OtlpSpan,
      OtlpSpan,
    ];

    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(root.parentSpanId).toBeUndefined();
    expect(new Set(spans.map((span) => span.spanId)).size).toBe(spans.length);
    for (const child of spans.slice(1)) {
      expect(child.traceId).toBe(root.traceId);
      expect(child.parentSpanId).toBe(root.spanId);
    }
    expect([root.startTimeUnixNano, root.endTimeUnixNano]).toEqual([nanos(0), nanos(100)]);
    expect([develop.startTimeUnixNano, develop.endTimeUnixNano]).toEqual([nanos(20), nanos(60)]);
    // A step that never ended ends with its run.
    expect([deploy.startTimeUnixNano, deploy.endTimeUnixNano]).toEqual([nanos(60), nanos(100)]);

    expect(root.status).toEqual({ code: 2, message: "The tests kept failing." });
    expect(value(root, "codegen.run.id")).toBe(runId);
    expect(value(root, "codegen.project.id")).toBe(project.id);
    expect(value(root, "codegen.run.status")).toBe("failed");
    expect(value(root, "codegen.cost_usd")).toBeCloseTo(0.5123);

    // The Architect's own model call: a client span with its tokens.
    expect(architect.kind).toBe(3);
    expect(architect.status).toEqual({ code: 1 });
    expect(value(architect, "gen_ai.operation.name")).toBe("chat");
    expect(value(architect, "gen_ai.usage.input_tokens")).toBe("1200");
    expect(value(architect, "gen_ai.usage.output_tokens")).toBe("340");
    expect(value(architect, "codegen.job.id")).toBeUndefined();

    expect(value(prepare, "codegen.job.id")).toBe(scaffold.id);
    expect(value(prepare, "codegen.job.kind")).toBe("exec");
    expect(value(prepare, "gen_ai.usage.input_tokens")).toBeUndefined();

    // The agent's job: both sessions' tokens, its failure as the span's status.
    expect(develop.kind).toBe(1);
    expect(develop.status).toEqual({ code: 2, message: "The agent gave up." });
    expect(value(develop, "codegen.job.id")).toBe(agent.id);
    expect(value(develop, "codegen.job.kind")).toBe("agent");
    expect(value(develop, "gen_ai.operation.name")).toBe("invoke_agent");
    expect(value(develop, "gen_ai.usage.input_tokens")).toBe("6000");
    expect(value(develop, "gen_ai.usage.output_tokens")).toBe("1000");
    expect(value(develop, "codegen.cost_usd")).toBe(0.5);

    expect(deploy.status).toEqual({ code: 0 });
    expect(value(deploy, "codegen.step.status")).toBe("skipped");
    expect(value(deploy, "gen_ai.operation.name")).toBeUndefined();

    // Nothing but what the span shows: no detail, no prompt, no secret.
    const sent = JSON.stringify(request);
    for (const canary of [PROJECT_SECRET, PROMPT, DETAIL]) expect(sent).not.toContain(canary);
  });

  it("has the same ids on every build, and other ids for another run", async () => {
    const first = await writtenRun();
    const second = await writtenRun();
    const build = async (runId: string) => {
      const trace = await readRunTrace(env, runId);
      if (!trace) throw new Error("no trace");
      return (await otlpTraceRequest(trace)).resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    };
    const once = await build(first.runId);
    expect(await build(first.runId)).toEqual(once);
    const other = await build(second.runId);
    expect(other.map((span) => span.name)).toEqual(once.map((span) => span.name));
    expect(other[0]?.traceId).not.toBe(once[0]?.traceId);
    const ids = new Set(once.map((span) => span.spanId));
    expect(other.some((span) => ids.has(span.spanId))).toBe(false);
  });

  it("books a model call to its own step, not to the step that began in the millisecond it ended", async () => {
    const project = await createProject(ADMIN_KEY);
    const db = database(env.DB);
    const runId = newId();
    await db
      .insert(runs)
      .values({ id: runId, projectId: project.id, kind: "devops", status: "succeeded", createdAt: at(0) });
    const step = (name: string, from: number, to: number) =>
      ({ id: newId(), runId, name, status: "succeeded", startedAt: at(from), finishedAt: at(to) }) as const;
    await db
      .insert(runSteps)
      .values([step("allocate", 0, 2), step("analyze env", 2, 5), step("secrets", 5, 8)]);
    const booked = { id: newId(), projectId: project.id, runId, source: "env-analyzer", amountUsd: 0.001 };
    await db.insert(costs).values({ ...booked, inputTokens: 300, outputTokens: 40, createdAt: at(5) });
    const trace = await readRunTrace(env, runId);
    expect(trace?.steps.map(({ name, modelCall, usage }) => ({ name, modelCall, usage }))).toEqual([
      { name: "allocate", modelCall: false, usage: null },
      { name: "analyze env", modelCall: true, usage: { inputTokens: 300, outputTokens: 40 } },
      { name: "secrets", modelCall: false, usage: null },
    ]);
    // A run without a start time starts when it was created, and ends with its last step.
    expect([trace?.startedAt, trace?.finishedAt]).toEqual([T0, T0 + 8000]);
  });

  it("is null for a run that does not exist", async () => {
    expect(await readRunTrace(env, newId())).toBeNull();
  });
});

describe("trace settings", () => {
  it("are off by default, and read the collector's headers as OTEL_EXPORTER_OTLP_HEADERS", () => {
    expect(traceSettings.read({})).toEqual({ OTLP_ENDPOINT: undefined, OTLP_HEADERS: undefined });
    const read = traceSettings.read({
      OTLP_ENDPOINT: "http://127.0.0.1:4318/",
      OTLP_HEADERS: "Authorization=Bearer%20abc%3D, x-team = ops,",
    });
    expect(read).toEqual({
      OTLP_ENDPOINT: "http://127.0.0.1:4318",
      OTLP_HEADERS: { authorization: "Bearer abc=", "x-team": "ops" },
    });
  });

  it("refuse malformed headers without showing them", () => {
    for (const headers of ["token-without-name", "=value", "bad name=x", "x=%E0%A4%A"]) {
      const read = () => traceSettings.read({ OTLP_HEADERS: headers });
      expect(read).toThrow(SettingsError);
      expect(read).toThrow(/^Setting OTLP_HEADERS is malformed: expected name=value pairs[^"]*$/);
    }
    expect(() => traceSettings.read({ OTLP_ENDPOINT: "ftp://collector" })).toThrow(/OTLP_ENDPOINT/);
  });
});
