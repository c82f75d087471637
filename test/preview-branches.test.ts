/**
 * Previews whose branch is gone, whole stack without an executor (wrangler dev and its cron's
 * `/__scheduled`, GitHub on loopback): the GitHub App receives no webhooks, so the cron asks GitHub
 * about each preview's branch; one merged by a pull request and one deleted are removed (their
 * teardown runs queued, by the system), one still there stays.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatHarness } from "./support/chat.ts";
import { queryD1 } from "./support/d1.ts";
import { type FakeGitHub, startFakeGitHub } from "./support/fake-github.ts";

const OWNER = "acme";
let chat: ChatHarness;
let github: FakeGitHub;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "co-preview-branches-"));
  github = await startFakeGitHub({ root, owner: OWNER });
  chat = await ChatHarness.start(
    {
      ...github.appVars,
      REPO_ALLOW_LOCAL: "true",
    },
    { GITHUB_APP_PRIVATE_KEY: github.privateKey },
  );
}, 120_000);

afterAll(async () => {
  await chat?.stop();
  await github?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("previews of branches that are gone", { timeout: 120_000 }, () => {
  it("are removed by the cron once their branch is merged or deleted on GitHub", async () => {
    const repo = github.addRepository("shop", { commit: true });
    for (const branch of ["feature-x", "fix/y", "kept"])
      execFileSync("git", ["-C", repo, "branch", branch, "main"]);
    const project = await chat.api<{ id: string; resourceName: string }>("/projects", {
      name: "Shop",
      repoUrl: `${github.gitUrl}/${OWNER}/shop.git`,
    });
    expect(project.resourceName).toBe("shop");
    const server = await chat.api<{ id: string }>("/servers", {
      name: "web-1",
      host: "192.0.2.1",
      memoryMb: 4096,
      cpuCores: 2,
      baseDomain: "apps.test",
    });
    await chat.api("/allocations", { projectId: project.id, service: "web", serverId: server.id });
    for (const branch of ["feature-x", "fix/y", "kept"])
      await chat.api(`/projects/${project.id}/previews`, { branch });

    github.merged.add("shop:feature-x");
    execFileSync("git", ["-C", repo, "branch", "-D", "fix/y"]);
    const response = await fetch(
      `${chat.worker.origin}/__scheduled?cron=${encodeURIComponent("*/15 * * * *")}`,
    );
    expect(response.status).toBe(200);

    const listed = await chat.api<{ items: { branch: string; status: string; runId: string }[] }>(
      `/projects/${project.id}/previews`,
    );
    expect(listed.items.map((item) => [item.branch, item.status])).toEqual([
      ["feature-x", "removing"],
      ["fix/y", "removing"],
      ["kept", "deploying"],
    ]);
    const expired = await queryD1<{ actor_id: string | null; details: string }>(
      chat.dir,
      "SELECT actor_id, details FROM audit_log WHERE action = 'preview.expire' ORDER BY id",
    );
    expect(
      expired.map((row) => [row.actor_id, JSON.parse(row.details).branch, JSON.parse(row.details).why]),
    ).toEqual([
      [null, "feature-x", "branch_gone"],
      [null, "fix/y", "branch_gone"],
    ]);
    for (const item of listed.items.filter((row) => row.status === "removing")) {
      const run = await chat.api<{ kind: string }>(`/runs/${item.runId}`);
      expect(run.kind).toBe("preview_teardown");
    }
    // The tokens it asked with could read that repository's branches and pull requests, no more.
    const reading = github.tokens.filter((token) => token.permissions.pull_requests === "read");
    expect(reading.length).toBeGreaterThan(0);
    for (const token of reading) {
      expect(token.repositories).toEqual(["shop"]);
      expect(token.permissions).toEqual({ contents: "read", pull_requests: "read" });
    }
  });
});
