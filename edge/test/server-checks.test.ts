/**
 * Server checks on the edge: a finished server_check job's verdict, its record on the server (an
 * admin's status stays), which servers are due, the admin incident opened once per outage, the
 * allocator passing degraded and unreachable servers, and the API's refusals. The checks
 * themselves, against real sshd, are test/server-checks.test.ts.
 */

import { env } from "cloudflare:test";
import type { AnsibleResult, ServerCheck } from "@codegen-orchestrator/shared";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { checkVerdict, dueServers, recordCheck } from "../src/domain/server-checks.ts";
import { serverReachable, serverUnreachable } from "../src/servers/outage-notices.ts";
import { createProject, createServer, createUser, expectStatus } from "./helpers.ts";

const db = database(env.DB);
const AT = new Date("2026-12-03T12:00:00.000Z");
const KNOWN_HOSTS =
  "[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const counts = { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };

const job = (status: string, result: Partial<AnsibleResult> | null, error: string | null = null) => ({
  status,
  error,
  result:
    result &&
    JSON.stringify({
      playbook: "server_check",
      hosts: { target: counts },
      failure: null,
      acceptedHostKey: null,
      durationMs: 900,
      ...result,
    }),
});

const figures = {
  diskFreePercent: 40,
  memoryAvailablePercent: 55.5,
  loadPerCore: 0.2,
  serviceManager: "systemd running",
};

const unreachableCheck: ServerCheck = {
  at: AT.toISOString(),
  outcome: "unreachable",
  reasons: ["no SSH connection: connection refused"],
  diskFreePercent: null,
  memoryAvailablePercent: null,
  loadPerCore: null,
  serviceManager: null,
};

const openIncidents = (serverId: string) =>
  env.DB.prepare("select id from incidents where server_id = ? and resolved_at is null").bind(serverId).all();

describe("a server_check job's verdict", () => {
  it("is the figures when the play ran, degraded with the problems when there are some", () => {
    expect(checkVerdict(job("succeeded", { check: { ...figures, problems: [] } }), AT)).toEqual({
      at: AT.toISOString(),
      outcome: "active",
      reasons: [],
      ...figures,
    });
    const degraded = checkVerdict(
      job("succeeded", { check: { ...figures, problems: ["disk 4% free, below 10%"] } }),
      AT,
    );
    expect(degraded).toMatchObject({
      outcome: "degraded",
      reasons: ["disk 4% free, below 10%"],
      diskFreePercent: 40,
    });
  });

  it("is unreachable when Ansible could not reach the host, degraded when the play failed there", () => {
    const failure = {
      host: "target",
      task: "Gathering Facts",
      message: "ssh: connect to host 127.0.0.1 port 2: Connection refused",
    };
    const lost = job("failed", { hosts: { target: { ...counts, unreachable: 1 } }, failure });
    expect(checkVerdict(lost, AT)).toMatchObject({
      outcome: "unreachable",
      reasons: [`no SSH connection: ${failure.message}`],
      diskFreePercent: null,
    });
    const broken = { ...failure, task: "server_check : Read the figures", message: "df: not found" };
    expect(
      checkVerdict(job("failed", { hosts: { target: { ...counts, failed: 1 } }, failure: broken }), AT),
    ).toMatchObject({
      outcome: "degraded",
      reasons: ["the check failed on the host (server_check : Read the figures: df: not found)"],
    });
  });

  it("is nothing when the play never ran (no executor, cancelled)", () => {
    expect(checkVerdict(job("cancelled", null), AT)).toBeNull();
    expect(checkVerdict(job("lost", null, "no executor"), AT)).toBeNull();
  });
});

describe("recording a check", () => {
  it("sets the status the check found, except an admin's maintenance or offline", async () => {
    const watched = await createServer({ knownHosts: KNOWN_HOSTS });
    const held = await createServer({ knownHosts: KNOWN_HOSTS, status: "maintenance" });
    expect((await recordCheck(db, watched.id, unreachableCheck))?.status).toBe("unreachable");
    const kept = await recordCheck(db, held.id, unreachableCheck);
    expect(kept).toMatchObject({ status: "maintenance", lastCheck: unreachableCheck });
    const listed = await expectStatus(200, `/servers/${held.id}`);
    expect(listed.lastCheck).toEqual(unreachableCheck);
  });

  it("makes due the servers with a pinned key never checked, or checked an interval ago", async () => {
    const fresh = await createServer({ knownHosts: KNOWN_HOSTS });
    const unpinned = await createServer();
    const recent = await createServer({ knownHosts: KNOWN_HOSTS });
    const offline = await createServer({ knownHosts: KNOWN_HOSTS, status: "offline" });
    await recordCheck(db, recent.id, { ...unreachableCheck, at: AT.toISOString() });
    const due = async (now: Date) => (await dueServers(db, now, 300_000)).map((row) => row.id);
    const soon = await due(new Date(AT.getTime() + 299_000));
    expect(soon).toContain(fresh.id);
    expect(soon).not.toContain(recent.id);
    expect(soon).not.toContain(unpinned.id);
    expect(soon).not.toContain(offline.id);
    expect(await due(new Date(AT.getTime() + 300_000))).toContain(recent.id);
  });
});

describe("an unreachable server's incident", () => {
  it("opens once per outage however many checks find it down, and closes when one reaches it", async () => {
    const server = await createServer({ knownHosts: KNOWN_HOSTS });
    const down = await recordCheck(db, server.id, unreachableCheck);
    if (!down) throw new Error("the server is gone");
    await Promise.all([1, 2, 3].map(() => serverUnreachable(env, db, down, unreachableCheck)));
    const open = await openIncidents(server.id);
    expect(open.results).toHaveLength(1);
    const row = await env.DB.prepare(
      "select kind, project_id, severity, started_at from incidents where server_id = ?",
    )
      .bind(server.id)
      .first();
    expect(row).toEqual({
      kind: "server_unreachable",
      project_id: null,
      severity: "critical",
      started_at: AT.getTime(),
    });

    const up = await recordCheck(db, server.id, { ...unreachableCheck, outcome: "active", reasons: [] });
    if (!up) throw new Error("the server is gone");
    await serverReachable(env, db, up);
    expect((await openIncidents(server.id)).results).toEqual([]);
    // The next outage is a new incident.
    await serverUnreachable(env, db, { ...up, status: "unreachable" }, unreachableCheck);
    expect((await openIncidents(server.id)).results).toHaveLength(1);
  });

  it("is not opened for a server an admin holds in maintenance", async () => {
    const server = await createServer({ knownHosts: KNOWN_HOSTS, status: "maintenance" });
    const held = await recordCheck(db, server.id, unreachableCheck);
    if (!held) throw new Error("the server is gone");
    await serverUnreachable(env, db, held, unreachableCheck);
    expect((await openIncidents(server.id)).results).toEqual([]);
  });
});

describe("the allocator and the API", () => {
  it("place ports on active servers only: never on degraded or unreachable ones", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const labels = { pool: `checks-${Date.now().toString(36)}` };
    const healthy = await createServer({ labels, memoryMb: 1024 });
    const degraded = await createServer({ labels, memoryMb: 65536 });
    const gone = await createServer({ labels, memoryMb: 65536 });
    await recordCheck(db, degraded.id, {
      ...unreachableCheck,
      outcome: "degraded",
      reasons: ["load 9 per core, above 2"],
    });
    await recordCheck(db, gone.id, unreachableCheck);
    const placed = await expectStatus(201, "/allocations", {
      key: member.key,
      body: { projectId: project.id, service: "api", labels },
    });
    expect(placed.serverId).toBe(healthy.id);
    const refused = await expectStatus(409, "/allocations", {
      key: member.key,
      body: { projectId: project.id, service: "worker", serverId: gone.id },
    });
    expect(refused.error.code).toBe("no_capacity");
    const listed = await expectStatus(200, "/servers?status=degraded");
    expect(listed.items.map((each: { id: string }) => each.id)).toContain(degraded.id);
  });

  it("leave the checks' statuses to the checks, and check only servers whose host key is pinned", async () => {
    const server = await createServer();
    await expectStatus(400, `/servers/${server.id}`, { method: "PATCH", body: { status: "degraded" } });
    const refused = await expectStatus(409, `/servers/${server.id}/check`, { body: {} });
    expect(refused.error.details).toEqual({ reason: "no_host_key" });
    expect(refused.error.message).toContain("set knownHosts");
    const member = await createUser();
    await expectStatus(403, `/servers/${server.id}/check`, { key: member.key, body: {} });
    await expectStatus(404, "/servers/01ARZ3NDEKTSV4RRFFQ69G5FAV/check", { body: {} });
  });
});
