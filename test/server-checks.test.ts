/**
 * Server checks, whole stack (wrangler dev, a real executor, real ansible-playbook against two
 * sshd on 127.0.0.1 registered as the servers "alpha" and "beta", Telegram on loopback): the
 * cron's sweep checks both (active, with figures) and, within the interval, not again; with
 * alpha's sshd stopped a check finds it `unreachable`, opens one admin incident and tells the admin
 * once however many checks find it down, and new ports go to beta; with sshd back the next check
 * finds alpha `active`, resolves the incident and tells the admin once more.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sshd, sshdAvailable, startSshd } from "../executor/test/support/sshd.ts";
import { ADMIN_ID, ChatHarness, eventually } from "./support/chat.ts";
import { queryD1 } from "./support/d1.ts";
import { registerServer, SERVER_PATH } from "./support/scenario.ts";

const ready = spawnSync("ansible-playbook", ["--version"]).status === 0 && sshdAvailable();
let chat: ChatHarness;
let alpha: Sshd;
let beta: Sshd;
let deployRoot: string;

interface Incident {
  server_id: string;
  kind: string;
  project_id: string | null;
  resolved_at: number | null;
  evidence: string;
}

const incidentsOf = (serverId: string) =>
  queryD1<Incident>(chat.dir, "SELECT * FROM incidents WHERE server_id = ? ORDER BY opened_at", serverId);

/** What the admin's chat was told about alpha, in order. */
const toldAboutAlpha = () => chat.telegram.texts(ADMIN_ID).filter((text) => text.includes("alpha"));

const check = (id: string) => chat.api(`/servers/${id}/check`, {});

/** Runs the cron's server sweep (wrangler dev --test-scheduled) and waits for it to end. */
async function sweep(): Promise<void> {
  const response = await fetch(`${chat.worker.origin}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  if (!ready) return;
  deployRoot = await mkdtemp(path.join(tmpdir(), "co-server-checks-"));
  alpha = await startSshd({ sessionPath: SERVER_PATH });
  beta = await startSshd({ sessionPath: SERVER_PATH, clientOf: alpha });
  chat = await ChatHarness.start(
    // Thresholds this machine always meets: only reachability decides here.
    {
      SERVER_MIN_DISK_FREE_PERCENT: "0",
      SERVER_MIN_MEMORY_AVAILABLE_PERCENT: "0",
      SERVER_MAX_LOAD_PER_CORE: "1000",
    },
    { DEPLOY_SSH_KEY: alpha.privateKey },
  );
}, 120_000);

afterAll(async () => {
  await chat?.stop();
  await Promise.all([alpha?.stop(), beta?.stop()]);
  if (deployRoot) await rm(deployRoot, { recursive: true, force: true });
});

describe.skipIf(!ready)("server checks", { timeout: 300_000 }, () => {
  it("finds a server unreachable, places ports elsewhere, tells the admin once, and closes the outage", async () => {
    const options = { pinHostKey: true };
    const a = (
      await registerServer(chat.api.bind(chat), alpha, deployRoot, "process", { ...options, name: "alpha" })
    ).server;
    const b = (
      await registerServer(chat.api.bind(chat), beta, deployRoot, "process", { ...options, name: "beta" })
    ).server;
    await chat.fleet.executor(1, {});

    // The cron's sweep checks both; a second sweep within the interval checks neither again.
    await sweep();
    const first = await chat.api(`/servers/${a.id}`);
    expect(first.status).toBe("active");
    // A process-managed server: a Docker engine that is down (here) is said, not counted against it.
    expect(first.lastCheck).toMatchObject({ outcome: "active", reasons: [] });
    expect(first.lastCheck.diskFreePercent).toBeGreaterThan(0);
    expect((await chat.api(`/servers/${b.id}`)).lastCheck.outcome).toBe("active");
    await sweep();
    expect((await chat.api(`/servers/${a.id}`)).lastCheck.at).toBe(first.lastCheck.at);

    await alpha.halt();
    const down = await check(a.id);
    expect(down.status).toBe("unreachable");
    expect(down.lastCheck.reasons[0]).toMatch(/^no SSH connection: /);
    expect(down.lastCheck.diskFreePercent).toBeNull();
    await eventually(() => toldAboutAlpha().length === 1, "the admin told alpha is unreachable");
    expect((await check(a.id)).status).toBe("unreachable");

    const open = await incidentsOf(a.id);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ kind: "server_unreachable", project_id: null, resolved_at: null });
    expect(JSON.parse(open[0]?.evidence ?? "{}").checks[0].error).toMatch(/no SSH connection/);
    expect(toldAboutAlpha()).toHaveLength(1);
    expect(toldAboutAlpha()[0]).toContain("is unreachable");

    // Alpha had the room (both alike, alpha first by name); the allocator passes it by now.
    const project = await chat.api("/projects", { name: "Placed" });
    const allocation = await chat.api("/allocations", { projectId: project.id, service: "web" });
    expect(allocation.serverId).toBe(b.id);

    await alpha.resume();
    const back = await check(a.id);
    expect(back.status).toBe("active");
    expect(back.lastCheck.outcome).toBe("active");
    const closed = await incidentsOf(a.id);
    expect(closed).toHaveLength(1);
    expect(closed[0]?.resolved_at).not.toBeNull();
    await eventually(() => toldAboutAlpha().length === 2, "the admin told alpha is back");
    expect(toldAboutAlpha()[1]).toContain("reachable again");
    await check(a.id);
    expect(toldAboutAlpha()).toHaveLength(2);
    expect(await incidentsOf(b.id)).toEqual([]);
    // Each admin check is one audit row (edge/test/audit.test.ts cannot run one: no executor there);
    // the cron's sweeps are the system's, not audited.
    const audited = await queryD1<{ details: string }>(
      chat.dir,
      "SELECT details FROM audit_log WHERE action = 'server.check' AND target_id = ? ORDER BY created_at",
      a.id,
    );
    expect(audited.map((row) => JSON.parse(row.details).status)).toEqual([
      "unreachable",
      "unreachable",
      "active",
      "active",
    ]);
  });
});
