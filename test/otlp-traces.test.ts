/**
 * Traces end to end: the Worker (wrangler dev) with OTLP_ENDPOINT set to a loopback collector runs
 * a real engineering run (the Architect on the loopback Messages API, the scaffold, the real Claude
 * Code CLI and the project's tests on a real executor). When the run ends, its trace reaches the
 * collector: one root span for the run and one child per timeline step (the model call's with its
 * tokens, each job's with its id and kind), sent with the configured headers. The collector
 * refuses its first export (503): the export is retried with the same ids and the run's outcome
 * stands. The DevOps run it starts fails (there is no server): its trace carries the failure on
 * the run's span and the step's; the collector rejects it (400), which the Worker logs once, not
 * retrying, and the run stays as it ended. No exported span, nor the export's log line, holds the
 * model key, a project secret, the user's brief or the collector's own credentials.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claudeBinary,
  type FakeAnthropic,
  startFakeAnthropic,
} from "../executor/test/support/fake-anthropic.ts";
import { Fleet } from "./support/fleet.ts";
import { attribute, type Collector, type Export, startCollector } from "./support/otlp-collector.ts";
import { FIXED_LINKS, LINKS_TEST, pipelineModel, writeFile } from "./support/pipeline-model.ts";
import { runEnded, type TimelineStep, until } from "./support/poll.ts";

const MODEL_KEY = "sk-ant-otlp-canary-3b9e";
const PROJECT_SECRET = "otlp-canary-project-secret-c41f";
const COLLECTOR_TOKEN = "otlp-canary-collector-token-8d2a";
const BRIEF = "Shortens links for the otlp-canary-brief-6a07 team.";

let fleet: Fleet;
let repos: string;
let model: FakeAnthropic;
let collector: Collector;
const claude = claudeBinary();

beforeAll(async () => {
  process.env.ORCHESTRATOR_CLAUDE_BIN = claude ?? "";
  repos = await mkdtemp(path.join(tmpdir(), "co-otlp-repos-"));
  // DevOps runs' traces are rejected outright: the export gives up at once.
  collector = await startCollector((spans) =>
    spans.some((span) => attribute(span, "codegen.run.kind") === "devops"),
  );
  // The Developer gets it right the first time: one iteration.
  model = await startFakeAnthropic(
    pipelineModel({
      "Traced Shortener": () => [
        writeFile("src/links.js", FIXED_LINKS),
        writeFile("test/links.test.js", LINKS_TEST),
      ],
    }),
  );
  fleet = await Fleet.start(
    {
      REPO_BASE_URL: pathToFileURL(repos).href,
      ANTHROPIC_BASE_URL: model.baseUrl,
      OTLP_ENDPOINT: collector.url,
    },
    { ANTHROPIC_API_KEY: MODEL_KEY, OTLP_HEADERS: `Authorization=Bearer%20${COLLECTOR_TOKEN}` },
    "pipe",
  );
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  await model?.close();
  await collector?.close();
  await rm(repos, { recursive: true, force: true });
});

/** The collector's requests that carry the run's root span. */
const exportsOf = (runId: string) =>
  collector.exports.filter((sent) =>
    sent.spans.some((span) => !span.parentSpanId && attribute(span, "codegen.run.id") === runId),
  );

describe.skipIf(!claude)("OTLP traces", { timeout: 300_000 }, () => {
  it("exports each finished run as one trace: the run's span, its steps' spans, failures, no secrets", async () => {
    await fleet.executor(2, {});
    const project = await fleet.call("/projects", { name: "Traced Shortener", description: BRIEF });
    await fleet.call(`/projects/${project.id}/secrets/SERVICE_TOKEN`, { value: PROJECT_SECRET }, "PUT");
    const started = await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" });
    const run = await runEnded(fleet.call.bind(fleet), started.id, "the engineering run");
    expect(run, run.error).toMatchObject({ status: "succeeded" });
    const timeline: TimelineStep[] = (await fleet.call(`/runs/${run.id}/steps`)).items;
    expect(timeline.map((step) => step.name)).toEqual(["architect", "prepare", "develop 1", "test 1"]);

    // Refused once (503), then taken: the same spans both times.
    const [refused, taken, ...more] = await until("the run's trace", async () => {
      const sent = exportsOf(run.id);
      return sent.some((request) => request.status === 200) ? sent : undefined;
    });
    expect([refused?.status, taken?.status, more.length]).toEqual([503, 200, 0]);
    const { spans } = taken as Export;
    expect(spans).toEqual(refused?.spans);
    expect(taken?.path).toBe("/v1/traces");
    expect(taken?.headers["content-type"]).toBe("application/json");
    expect(taken?.headers.authorization).toBe(`Bearer ${COLLECTOR_TOKEN}`);
    // Still the run's outcome after the refused export.
    expect(await fleet.call(`/runs/${run.id}`)).toMatchObject({ status: "succeeded", error: null });

    // One trace: the run's span, and a child per timeline step, within it.
    const [root, ...children] = spans;
    if (!root) throw new Error("no spans");
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([root.traceId]));
    expect(root).toMatchObject({ name: "engineering run", status: { code: 1 } });
    expect(root.parentSpanId).toBeUndefined();
    expect(attribute(root, "codegen.project.id")).toBe(project.id);
    expect(children.map((span) => span.name)).toEqual(timeline.map((step) => step.name));
    for (const child of children) {
      expect(child.parentSpanId).toBe(root.spanId);
      expect(child.status).toEqual({ code: 1 });
      expect(BigInt(child.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(root.startTimeUnixNano));
      expect(BigInt(child.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(root.endTimeUnixNano));
    }
    const span = (name: string) => {
      const found = children.find((child) => child.name === name);
      if (!found) throw new Error(`no span ${name}`);
      return found;
    };
    const jobOf = (name: string) => timeline.find((step) => step.name === name)?.jobId;

    // The Architect's model call, with its tokens.
    const architect = span("architect");
    expect(architect.kind).toBe(3);
    expect(attribute(architect, "gen_ai.operation.name")).toBe("chat");
    expect(Number(attribute(architect, "gen_ai.usage.input_tokens"))).toBeGreaterThan(0);
    expect(attribute(architect, "codegen.job.id")).toBeUndefined();
    // The jobs: each with its id and kind; the agent's with its tokens.
    for (const [name, kind] of [
      ["prepare", "copier"],
      ["develop 1", "agent"],
      ["test 1", "test"],
    ] as const) {
      expect(attribute(span(name), "codegen.job.id")).toBe(jobOf(name));
      expect(attribute(span(name), "codegen.job.kind")).toBe(kind);
    }
    expect(attribute(span("develop 1"), "gen_ai.operation.name")).toBe("invoke_agent");
    expect(Number(attribute(span("develop 1"), "gen_ai.usage.output_tokens"))).toBeGreaterThan(0);

    // The model key reached the model, the brief the Architect: neither, nor any secret, is in a span.
    expect(model.requests.some((request) => request.headers["x-api-key"] === MODEL_KEY)).toBe(true);
    expect(model.requests.some((request) => request.body.includes("otlp-canary-brief-6a07"))).toBe(true);

    // The DevOps run it started fails (no server here): its own trace says why, on the run and the step.
    const devops = (await fleet.call(`/projects/${project.id}/runs`)).items.find(
      (other: { kind: string }) => other.kind === "devops",
    );
    const ended = await runEnded(fleet.call.bind(fleet), devops.id, "the DevOps run");
    expect(ended.status).toBe("failed");
    const devopsSteps: TimelineStep[] = (await fleet.call(`/runs/${devops.id}/steps`)).items;
    const failedStep = devopsSteps.find((step) => step.status === "failed");
    const trace = await until("the DevOps run's trace", async () => exportsOf(devops.id)[0]);
    const [devopsRoot, ...devopsChildren] = trace.spans;
    expect(devopsRoot).toMatchObject({ name: "devops run", status: { code: 2, message: ended.error } });
    expect(devopsRoot?.traceId).not.toBe(root.traceId);
    expect(devopsChildren.map((child) => child.name)).toEqual(devopsSteps.map((step) => step.name));
    expect(devopsChildren.find((child) => child.name === failedStep?.name)?.status).toEqual({
      code: 2,
      message: failedStep?.detail?.error,
    });
    // Rejected once, never retried: the Worker says so, and the run stays as it ended.
    const warning = `"task":"exportTrace","runId":"${devops.id}"`;
    const logged = await until("the rejected export's log line", async () =>
      fleet.worker.output().includes(warning) ? fleet.worker.output() : undefined,
    );
    expect(logged).toContain("The collector answered 400");
    expect(exportsOf(devops.id).map((request) => request.status)).toEqual([400]);
    expect(await fleet.call(`/runs/${devops.id}`)).toMatchObject({ status: "failed", error: ended.error });

    const exportLog = logged.split("\n").filter((line) => line.includes('"task":"exportTrace"'));
    const sent = [...collector.exports.map((request) => request.raw), ...exportLog].join("\n");
    for (const canary of [MODEL_KEY, PROJECT_SECRET, COLLECTOR_TOKEN, "otlp-canary-brief-6a07"])
      expect(sent).not.toContain(canary);
  });
});
