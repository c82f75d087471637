/**
 * What a daemon tells its hub about a job beyond its log and result, through a hub's socket (the
 * stub hub, which also checks every frame against the protocol's schema as the real hub does): a
 * job's progress (a `test` job says its phases), and an agent job's cost on its result frame (the
 * scripted custom agent reports one).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Daemon } from "../src/daemon/daemon.ts";
import { JobUsers } from "../src/process/job-users.ts";
import { bareRepo, fixtureGit, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { type StubHub, stubHub } from "./support/stub-hub.ts";

const RANGE = { first: 1_900_500_200, last: 1_900_500_209 };
const scriptedAgent = path.resolve(import.meta.dirname, "support/scripted-agent.mjs");
/** The phases a `test` job reports, in order (setup only when its manifest has one). */
const TEST_PHASES = ["checking out", "setup", "running tests"];

let hub: StubHub;
let daemon: Daemon;

beforeAll(async () => {
  hub = await stubHub();
  daemon = new Daemon({
    url: hub.url,
    token: "coe_test",
    capacity: 2,
    labels: {},
    dataDir: await tempDir("co-daemon-frames-"),
    templatesDir: path.resolve(import.meta.dirname, "../../templates"),
    ansibleDir: path.resolve(import.meta.dirname, "../../ansible"),
    // Jobs run as this process's user: what is tested here is what reaches the hub.
    jobUsers: new JobUsers({ range: RANGE, allowShared: true, switchable: false }),
    log: pino({ level: "silent" }),
  });
  await daemon.start();
});

afterAll(async () => {
  await daemon?.shutdown(0);
  hub?.close();
  await removeTempDirs();
});

/** A bare repository whose main has a manifest with a setup step, and one passing test. */
async function projectWithTests(): Promise<string> {
  const repo = await bareRepo(await tempDir("co-frames-remote-"), "project", 0);
  const work = await tempDir("co-frames-work-");
  const manifest = { test: { setup: ["sh", "-c", "echo ready > ready.txt"], command: ["node", "--test"] } };
  await writeFile(path.join(work, "orchestrator.json"), JSON.stringify(manifest));
  await writeFile(
    path.join(work, "ok.test.js"),
    'import { test } from "node:test";\ntest("passes", () => {});\n',
  );
  fixtureGit(work, "init", "--quiet", "--initial-branch=main");
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", "the project");
  fixtureGit(work, "push", "--quiet", repo.path, "main");
  return repo.url;
}

describe("the daemon's frames to its hub", { timeout: 60_000 }, () => {
  it("sends a job's progress before its result: the first report, and always the latest", async () => {
    const result = await hub.run("test", { checkout: { url: await projectWithTests() } });
    expect(result.status, `${result.error}\n${result.log}`).toBe("succeeded");
    expect(result.output).toMatchObject({ passed: true });
    const said = result.progress.map((report) => report.message);
    // Reports within a second of the one sent before are coalesced: the latest of them goes out.
    expect(said[0]).toBe("checking out");
    expect(said.at(-1)).toBe("running tests");
    expect(said).toEqual(TEST_PHASES.filter((phase) => said.includes(phase)));
    expect(hub.refused).toEqual([]);
  });

  it("puts an agent job's cost on its result frame", async () => {
    const result = await hub.run("agent", {
      adapter: "custom",
      command: [process.execPath, scriptedAgent],
      prompt: "take a note",
    });
    expect(result.status, `${result.error}\n${result.log}`).toBe("succeeded");
    expect(result.output).toMatchObject({ costUsd: 0.01 });
    expect(result.costUsd).toBe(0.01);
    expect(hub.refused).toEqual([]);
  });

  it("sends no cost for a job that has none", async () => {
    const result = await hub.run("git", { steps: [{ op: "init", branch: "main" }] });
    expect(result.status, result.error).toBe("succeeded");
    expect(result.costUsd).toBeUndefined();
    expect(result.progress).toEqual([]);
  });
});
