/**
 * Pipelines end to end: a run started through the API launches its Cloudflare Workflows instance
 * (wrangler dev), whose steps submit executor jobs with idempotency keys and wait for the hub's
 * result events; a real executor daemon runs them: the scaffold, the real Claude Code CLI (its
 * model scripted on a loopback Messages API) and the project's own tests; the repository is a
 * local bare repo. Runs that keep failing their tests wait for the user's decision. A run survives
 * `kill -9` of the dev server while it waits, and completes after the restart without doing a
 * step twice.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { AgentResult } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claudeBinary,
  type FakeAnthropic,
  startFakeAnthropic,
} from "../executor/test/support/fake-anthropic.ts";
import { queryD1 } from "./support/d1.ts";
import { Fleet } from "./support/fleet.ts";
import { BUGGY_LINKS, FIXED_LINKS, LINKS_TEST, pipelineModel, writeFile } from "./support/pipeline-model.ts";
import { runCommand } from "./support/processes.ts";

const MODEL_KEY = "sk-ant-pipeline-canary-71c4";
let fleet: Fleet;
let repos: string;
let model: FakeAnthropic;

/** `orchestrator run watch <id>` as the admin: its exit status and what it printed. */
const watchRun = (id: string) =>
  runCommand(
    process.execPath,
    [path.resolve(import.meta.dirname, "../executor/src/cli.ts"), "run", "watch", id],
    {
      env: {
        PATH: process.env.PATH ?? "",
        ORCHESTRATOR_URL: fleet.worker.origin,
        ORCHESTRATOR_API_KEY: fleet.worker.adminKey,
      },
      timeout: 240_000,
    },
  );

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();

type Step = { name: string; status: string; jobId: string | null; detail: Record<string, any> | null };

async function runUntil(id: string, statuses: string[], timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await fleet.call(`/runs/${id}`);
    if (statuses.includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
const finishedRun = (id: string) => runUntil(id, ["succeeded", "failed", "cancelled"]);
const steps = async (id: string): Promise<Step[]> => (await fleet.call(`/runs/${id}/steps`)).items;

/** The Developer's scripts: a shortener that fails its test once; one that needs the user's guidance. */
const scripts = {
  "Link Shortener": (iteration: number) =>
    iteration === 1
      ? [writeFile("src/links.js", BUGGY_LINKS), writeFile("test/links.test.js", LINKS_TEST)]
      : [writeFile("src/links.js", FIXED_LINKS)],
  Stubborn: (iteration: number, prompt: string) =>
    iteration === 1
      ? [writeFile("src/links.js", BUGGY_LINKS), writeFile("test/links.test.js", LINKS_TEST)]
      : prompt.includes("Guidance from the user: use six hex characters")
        ? [writeFile("src/links.js", FIXED_LINKS)]
        : [`echo "// attempt ${iteration}" >> src/links.js`],
};

const claude = claudeBinary();

beforeAll(async () => {
  process.env.ORCHESTRATOR_CLAUDE_BIN = claude ?? "";
  repos = await mkdtemp(path.join(tmpdir(), "co-repos-"));
  model = await startFakeAnthropic(pipelineModel(scripts));
  fleet = await Fleet.start(
    { REPO_BASE_URL: pathToFileURL(repos).href, ANTHROPIC_BASE_URL: model.baseUrl, MAX_FIX_ITERATIONS: "2" },
    { ANTHROPIC_API_KEY: MODEL_KEY },
  );
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  await model?.close();
  await rm(repos, { recursive: true, force: true });
});

describe.skipIf(!claude)("engineering pipeline", { timeout: 240_000 }, () => {
  it("specifies, scaffolds, develops and tests until the tests pass, with a timeline", async () => {
    const executor = await fleet.executor(2, {});
    const project = await fleet.call("/projects", { name: "Link Shortener", description: "Shortens links." });
    const started = await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" });
    // `orchestrator run watch` follows it from the start, as a person at a terminal would.
    const watch = watchRun(started.id);
    const run = await finishedRun(started.id);
    expect(run, run.error).toMatchObject({ status: "succeeded", error: null });
    const watched = await watch;
    expect(watched.code, watched.stderr).toBe(0);
    for (const step of ["architect", "prepare", "develop 1", "test 1", "develop 2", "test 2"])
      expect(watched.stdout).toContain(`✓ ${step} (`);
    // The jobs' logs streamed in between (the test job's output among them), then the outcome.
    expect(watched.stdout).toMatch(/^ {2}│ .+/m);
    expect(watched.stdout.trim().split("\n").at(-1)).toBe(`Run ${run.id} succeeded`);

    const timeline = await steps(run.id);
    expect(timeline.map((step) => [step.name, step.status])).toEqual([
      ["architect", "succeeded"],
      ["prepare", "succeeded"],
      ["develop 1", "succeeded"],
      ["test 1", "succeeded"],
      ["develop 2", "succeeded"],
      ["test 2", "succeeded"],
    ]);
    const [architect, prepare, develop1, test1, develop2, test2] = timeline as [
      Step,
      Step,
      Step,
      Step,
      Step,
      Step,
    ];
    // The Architect chose node-service and answered its `modules` question; the spec is on the project.
    expect(architect.detail).toEqual({ template: "node-service", modules: ["database"], criteria: 2 });
    const specified = await fleet.call(`/projects/${project.id}`);
    expect(specified.spec).toMatchObject({
      modules: ["database"],
      template: { name: "node-service" },
      answers: { modules: ["database"], project_name: "link-shortener" },
    });
    expect(specified.repoUrl).toBe(`${pathToFileURL(repos).href}/link-shortener.git`);
    // Scaffolded from the default template of the catalog (a built-in one: no version).
    expect(specified).toMatchObject({ templateId: "00000000000000000000000001", templateVersion: null });
    expect(await fleet.job(prepare.jobId as string)).toMatchObject({
      status: "succeeded",
      executorId: executor.id,
    });

    // Iteration 1's tests fail (the new test), iteration 2's pass; each tests the Developer's commit.
    expect(test1.detail).toMatchObject({
      passed: false,
      commit: develop1.detail?.commit,
      failures: ["shorten gives a 6-character code"],
    });
    expect(test1.detail?.counts).toMatchObject({ failed: 1 });
    expect(test2.detail).toMatchObject({ passed: true, commit: develop2.detail?.commit });
    expect(test2.detail?.counts).toMatchObject({ failed: 0 });

    const bare = path.join(repos, "link-shortener.git");
    expect(git(bare, "log", "--format=%s", "main").split("\n")).toEqual([
      "Link Shortener: iteration 2",
      "Link Shortener: iteration 1",
      "Scaffold link-shortener from node-service",
    ]);
    expect(git(bare, "rev-parse", "main")).toBe(develop2.detail?.commit);
    expect(git(bare, "show", "main:src/links.js")).toContain("randomBytes(3)");

    // The second iteration resumed the first one's session, and was told what failed.
    expect(develop2.detail?.session).toBe(develop1.detail?.session);
    // It was sent where the session's workspace is: the executor of iteration 1.
    expect(await fleet.job(develop1.jobId as string)).toMatchObject({
      executorId: executor.id,
      preferExecutor: null,
    });
    expect(await fleet.job(develop2.jobId as string)).toMatchObject({
      executorId: executor.id,
      preferExecutor: executor.id,
    });
    const developerCalls = model.requests.filter(
      (request) => request.body.includes("Iteration") || request.body.includes('"Bash"'),
    );
    const resumed = developerCalls.at(-1)?.body ?? "";
    expect(resumed).toContain("The project's tests failed after iteration 1");
    expect(resumed).toContain("shorten gives a 6-character code");
    expect(resumed).toContain("Implement this spec"); // iteration 1's prompt, in the resumed session

    // The model key is the system's own: it reached the agent, and no job spec or step shows it.
    expect(model.requests.some((request) => request.headers["x-api-key"] === MODEL_KEY)).toBe(true);
    const agentJob = await fleet.job(develop1.jobId as string);
    expect(agentJob.secrets).toEqual({ ANTHROPIC_API_KEY: { system: "ANTHROPIC_API_KEY" } });
    expect(JSON.stringify([agentJob, timeline, await fleet.log(develop1.jobId as string)])).not.toContain(
      MODEL_KEY,
    );
    // The agents' costs are booked to the run, each with the job that spent it: iteration 2 its
    // own share of the session it resumed, so that the run's costs add up to the session's total.
    const booked = await queryD1<{ source: string; job_id: string | null; amount_usd: number }>(
      path.join(fleet.dir, "state"),
      "SELECT source, job_id, amount_usd FROM costs WHERE run_id = ? AND source LIKE 'develop %' ORDER BY source",
      run.id,
    );
    expect(booked.map(({ source, job_id }) => ({ source, job_id }))).toEqual([
      { source: "develop 1", job_id: develop1.jobId },
      { source: "develop 2", job_id: develop2.jobId },
    ]);
    const total = AgentResult.parse((await fleet.job(develop2.jobId as string)).output).sessionCostUsd ?? 0;
    const [first, second] = booked.map((row) => row.amount_usd) as [number, number];
    expect(second).toBeLessThan(total);
    expect(first + second).toBeCloseTo(total, 9);
    executor.daemon.kill("SIGKILL");
    await executor.exited;
  });

  it("asks the user after the last iteration, retries with their guidance, and stops when told", async () => {
    const executor = await fleet.executor(2, {});
    const project = await fleet.call("/projects", { name: "Stubborn", description: "Shortens links." });
    const started = await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" });
    // Two failing iterations (MAX_FIX_ITERATIONS=2), then the run waits for a decision.
    const waiting = await runUntil(started.id, ["waiting", "failed"]);
    expect(waiting.status, waiting.error).toBe("waiting");
    expect((await steps(started.id)).map((step) => [step.name, step.status]).slice(-3)).toEqual([
      ["develop 2", "succeeded"],
      ["test 2", "succeeded"],
      ["decision 1", "running"],
    ]);
    const bad = await fetch(`${fleet.worker.api}/runs/${started.id}/decision`, {
      method: "POST",
      headers: { authorization: `Bearer ${fleet.worker.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ choice: "maybe" }),
    });
    expect(bad.status).toBe(400);
    await fleet.call(`/runs/${started.id}/decision`, { choice: "retry", guidance: "use six hex characters" });
    // Guidance was followed: iteration 3 passes.
    const run = await finishedRun(started.id);
    expect(run.status).toBe("succeeded");
    const timeline = await steps(run.id);
    expect(timeline.map((step) => step.name).slice(-4)).toEqual([
      "test 2",
      "decision 1",
      "develop 3",
      "test 3",
    ]);
    expect(timeline.find((step) => step.name === "decision 1")?.detail).toMatchObject({
      choice: "retry",
      guidance: true,
    });
    expect(timeline.at(-1)?.detail).toMatchObject({ passed: true });
    // Decided once: a second answer is refused.
    const again = await fetch(`${fleet.worker.api}/runs/${started.id}/decision`, {
      method: "POST",
      headers: { authorization: `Bearer ${fleet.worker.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ choice: "deploy" }),
    });
    expect(again.status).toBe(409);
    // The decision is audited once, by who made it, without the guidance's text.
    const audits = await queryD1<{ details: string }>(
      fleet.dir,
      "SELECT details FROM audit_log WHERE action = 'run.decide' AND target_id = ?",
      run.id,
    );
    expect(audits.map((row) => JSON.parse(row.details))).toEqual([{ choice: "retry", guidance: true }]);

    // Another run of the same project fails again without guidance, and is stopped at the question.
    const second = await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" });
    const asking = await runUntil(second.id, ["waiting", "failed"]);
    expect(asking.status, asking.error).toBe("waiting");
    await fleet.call(`/runs/${second.id}/decision`, { choice: "stop" });
    const stopped = await finishedRun(second.id);
    expect(stopped).toMatchObject({
      status: "cancelled",
      error: expect.stringContaining("Stopped by the user"),
    });
    const stoppedSteps = await steps(second.id);
    // The repository existed: the second run went on from it rather than scaffolding again.
    expect(stoppedSteps[1]).toMatchObject({ name: "prepare", status: "skipped", jobId: null });
    expect(stoppedSteps.at(-1)).toMatchObject({
      name: "decision 1",
      status: "succeeded",
      detail: { choice: "stop" },
    });
    executor.daemon.kill("SIGKILL");
    await executor.exited;
  });

  it("survives kill -9 of the Worker while waiting for a job, and does no step twice", async () => {
    const project = await fleet.call("/projects", { name: "Survivor", description: "Keeps going." });
    // No executor yet: the job waits in the queue and the workflow waits for its event.
    const started = await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" });
    let before: Step[] = [];
    for (let i = 0; i < 100 && before.length < 2; i++) {
      before = await steps(started.id);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(before.map((step) => step.name)).toEqual(["architect", "prepare"]);
    const jobId = before[1]?.jobId as string;
    const modelCalls = model.requests.length;
    expect((await fleet.job(jobId)).status).toBe("queued");

    await fleet.worker.stop("SIGKILL");
    await fleet.startWorker();
    await fleet.executor(1, {});
    const run = await finishedRun(started.id);
    expect(run.status, run.error).toBe("succeeded");
    const after = await steps(started.id);
    expect(after.map((step) => [step.name, step.status])).toEqual([
      ["architect", "succeeded"],
      ["prepare", "succeeded"],
      ["develop 1", "succeeded"],
      ["test 1", "succeeded"],
    ]);
    expect(after[1]?.jobId).toBe(jobId);
    // The Architect's step was not done again after the restart (the model saw only the Developer).
    const architectCalls = model.requests
      .slice(modelCalls)
      .filter((request) => request.body.includes("submit_spec"));
    expect(architectCalls).toEqual([]);
    expect(await fleet.job(jobId)).toMatchObject({ status: "succeeded", attempt: 1 });
    // The Developer changed nothing, so the scaffold's commit was tested and is the only one.
    expect(existsSync(path.join(repos, "survivor.git"))).toBe(true);
    expect(git(path.join(repos, "survivor.git"), "rev-list", "--count", "main")).toBe("1");
    expect(after[3]?.detail).toMatchObject({ passed: true });
  });
});
