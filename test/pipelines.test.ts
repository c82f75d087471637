/**
 * Pipelines end to end: a run started through the API launches its Cloudflare Workflows instance
 * (wrangler dev), whose steps submit executor jobs with idempotency keys and wait for the hub's
 * result events; a real executor daemon runs them; the repository is a local bare repo. A second
 * run survives `kill -9` of the dev server while it waits, and completes after the restart without
 * doing a step twice.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeAnthropic, startFakeAnthropic } from "../executor/test/support/fake-anthropic.ts";
import { Fleet } from "./support/fleet.ts";

let fleet: Fleet;
let repos: string;
let model: FakeAnthropic;

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();

async function finishedRun(id: string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await fleet.call(`/runs/${id}`);
    if (["succeeded", "failed", "cancelled"].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  repos = await mkdtemp(path.join(tmpdir(), "co-repos-"));
  model = await startFakeAnthropic((request) => {
    const text = JSON.stringify(request.messages);
    // The Architect's forced tool call: a spec from the project it was given.
    const name = /Project: ([^\\]+)\\n/.exec(text)?.[1] ?? "Service";
    return {
      tool: {
        name: "submit_spec",
        input: {
          name,
          description: `${name}: shortens links; GET /health answers 200.`,
          modules: name === "Link Shortener" ? ["database"] : [],
          acceptance_criteria: ["GET /health answers 200", "POST /links returns a short code"],
        },
      },
    };
  });
  fleet = await Fleet.start(
    { REPO_BASE_URL: pathToFileURL(repos).href, ANTHROPIC_BASE_URL: model.baseUrl },
    { ANTHROPIC_API_KEY: "sk-ant-pipeline-test" },
  );
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  await model?.close();
  await rm(repos, { recursive: true, force: true });
});

describe("engineering pipeline", { timeout: 180_000 }, () => {
  it("scaffolds the project into a new repository through a workflow, with a timeline", async () => {
    const executor = await fleet.executor(2, {});
    const project = await fleet.call("/projects", { name: "Link Shortener", description: "Shortens links." });
    const started = await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" });
    const run = await finishedRun(started.id);
    expect(run.status).toBe("failed");
    expect(run.error).toContain("Developer and Tester stages are not available yet");

    const { items: steps } = await fleet.call(`/runs/${run.id}/steps`);
    expect(steps.map((step: { name: string; status: string }) => [step.name, step.status])).toEqual([
      ["architect", "succeeded"],
      ["prepare", "succeeded"],
    ]);
    // The Architect's spec is on the project, its modules chosen among the template's, its cost booked.
    const architect = steps[0];
    expect(architect.detail).toEqual({ modules: ["database"], criteria: 2 });
    expect(architect.costUsd).toBeCloseTo(0.0006, 6);
    const specified = await fleet.call(`/projects/${project.id}`);
    expect(specified.spec).toMatchObject({
      modules: ["database"],
      acceptanceCriteria: ["GET /health answers 200", "POST /links returns a short code"],
    });
    expect(specified.modules).toEqual(["database"]);
    const job = await fleet.job(steps[1].jobId);
    expect(job).toMatchObject({ status: "succeeded", executorId: executor.id });

    const bare = path.join(repos, "link-shortener.git");
    expect(git(bare, "rev-parse", "--is-bare-repository")).toBe("true");
    const files = git(bare, "ls-tree", "-r", "--name-only", "main").split("\n");
    expect(files).toEqual(expect.arrayContaining(["package.json", "src/db.js"]));
    expect(files).not.toContain("src/bot.js"); // the telegram module was not chosen
    expect(git(bare, "log", "--format=%s", "main")).toBe("Scaffold link-shortener from node-service");
    expect((await fleet.call(`/projects/${project.id}`)).repoUrl).toBe(
      `${pathToFileURL(repos).href}/link-shortener.git`,
    );
    executor.daemon.kill("SIGKILL");
    await executor.exited;
  });

  it("survives kill -9 of the Worker while waiting for a job, and does no step twice", async () => {
    const project = await fleet.call("/projects", { name: "Survivor", description: "Keeps going." });
    // No executor yet: the job waits in the queue and the workflow waits for its event.
    const started = await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" });
    let steps: { name: string; jobId: string }[] = [];
    for (let i = 0; i < 100 && steps.length < 2; i++) {
      steps = (await fleet.call(`/runs/${started.id}/steps`)).items;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(steps.map((step) => step.name)).toEqual(["architect", "prepare"]);
    const jobId = steps[1]?.jobId as string;
    const modelCalls = model.requests.length;
    expect((await fleet.job(jobId)).status).toBe("queued");

    await fleet.worker.stop("SIGKILL");
    await fleet.startWorker();
    await fleet.executor(1, {});
    const run = await finishedRun(started.id);
    expect(run.error).toContain("not available yet");
    const after = (await fleet.call(`/runs/${started.id}/steps`)).items;
    expect(
      after.map((step: { name: string; jobId: string | null; status: string }) => [
        step.name,
        step.jobId,
        step.status,
      ]),
    ).toEqual([
      ["architect", null, "succeeded"],
      ["prepare", jobId, "succeeded"],
    ]);
    // The Architect's step was not done again after the restart.
    expect(model.requests.length).toBe(modelCalls);
    const job = await fleet.job(jobId);
    expect(job).toMatchObject({ status: "succeeded", attempt: 1 });
    expect(existsSync(path.join(repos, "survivor.git"))).toBe(true);
    expect(git(path.join(repos, "survivor.git"), "rev-list", "--count", "main")).toBe("1");
  });
});
