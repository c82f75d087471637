import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ExecutorHub } from "../src/executors/hub.ts";
import { connect, createExecutor, hello } from "./executor-socket.ts";
import { createUser, expectStatus, unique } from "./helpers.ts";

const hub = () => env.EXECUTOR_HUB.getByName("default");
const submit = (
  spec: Record<string, unknown> = { command: ["echo", "hi"] },
  extra: Record<string, unknown> = {},
) => expectStatus(201, "/jobs", { body: { kind: "exec", spec, ...extra } });

describe("executor connection", () => {
  it("refuses a missing, unknown or revoked token, and a plain GET", async () => {
    const upgrade = { upgrade: "websocket" };
    await expectStatus(401, "/executors/connect", { key: null, headers: upgrade });
    await expectStatus(401, "/executors/connect", { key: "coe_unknown", headers: upgrade });
    const executor = await createExecutor();
    await expectStatus(426, "/executors/connect", { key: executor.token });
    // An API key is not an executor token.
    await expectStatus(401, "/executors/connect", { headers: upgrade });
  });

  it("closes the live socket of a revoked executor and refuses it afterwards", async () => {
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket);
    await expectStatus(200, `/executors/${executor.id}`, { method: "DELETE" });
    expect((await socket.closed).code).toBe(4003);
    await expectStatus(401, "/executors/connect", { key: executor.token, headers: { upgrade: "websocket" } });
  });

  it("lists executors with their live state; members may not", async () => {
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { capacity: 3, labels: { zone: "a" } });
    const listed = await expectStatus(200, "/executors");
    expect(listed.items.find((e: any) => e.id === executor.id)).toMatchObject({
      connected: true,
      capacity: 3,
      labels: { zone: "a" },
      capabilities: ["exec"],
      running: 0,
    });
    const member = await createUser();
    await expectStatus(403, "/executors", { key: member.key });
    await expectStatus(403, "/jobs", {
      key: member.key,
      body: { kind: "exec", spec: { command: ["true"] } },
    });
    socket.ws.close();
  });
});

describe("job routing by what the job needs", () => {
  it("sends a container-isolated agent job only to an executor with a Docker engine", async () => {
    const lane = unique("needs");
    const plain = await createExecutor();
    const plainSocket = await connect(plain.token);
    await hello(plainSocket, { capabilities: ["agent"], labels: { lane } });
    const job = await expectStatus(201, "/jobs", {
      body: {
        kind: "agent",
        spec: {
          adapter: "custom",
          command: ["agent"],
          prompt: "p",
          isolation: "docker",
          container: { image: "a:1" },
        },
        labels: { lane },
      },
    });
    // The only executor in the lane cannot run it: the job waits.
    expect((await expectStatus(200, `/jobs/${job.id}`)).status).toBe("queued");
    const withDocker = await createExecutor();
    const dockerSocket = await connect(withDocker.token);
    await hello(dockerSocket, { capabilities: ["agent", "container", "docker"], labels: { lane } });
    expect(await dockerSocket.next("assign")).toMatchObject({ jobId: job.id, kind: "agent" });
    expect((await expectStatus(200, `/jobs/${job.id}`)).executorId).toBe(withDocker.id);
    plainSocket.ws.close();
    dockerSocket.ws.close();
  });
});

describe("job round trip", () => {
  it("assigns a job, takes its log and its result, once", async () => {
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { labels: { lane: unique("rt") } });
    const lane = (await expectStatus(200, "/executors")).items.find((e: any) => e.id === executor.id).labels
      .lane;

    const job = await submit({ command: ["echo", "hi"] }, { labels: { lane } });
    const assign = await socket.next("assign");
    expect(assign).toMatchObject({
      v: 1,
      jobId: job.id,
      attempt: 1,
      kind: "exec",
      spec: { command: ["echo", "hi"] },
    });
    socket.send({ type: "accepted", jobId: job.id, attempt: 1 });
    socket.send({ type: "log", jobId: job.id, attempt: 1, seq: 0, stream: "stdout", chunk: "hi\n" });
    socket.send({ type: "log", jobId: job.id, attempt: 1, seq: 0, stream: "stdout", chunk: "hi\n" }); // resent
    socket.send({ type: "log", jobId: job.id, attempt: 1, seq: 1, stream: "stderr", chunk: "done\n" });
    const output = { exitCode: 0, signal: null, durationMs: 12 };
    socket.send({ type: "result", jobId: job.id, attempt: 1, status: "succeeded", output });
    socket.send({ type: "result", jobId: job.id, attempt: 1, status: "failed", output });

    await expect.poll(async () => (await expectStatus(200, `/jobs/${job.id}`)).status).toBe("succeeded");
    const done = await expectStatus(200, `/jobs/${job.id}`);
    expect(done).toMatchObject({ executorId: executor.id, attempt: 1, output, error: null });
    expect(done.log.map((l: any) => l.chunk).join("")).toBe("hi\ndone\n");
    const tail = await expectStatus(200, `/jobs/${job.id}?afterAttempt=1&afterSeq=0`);
    expect(tail.log.map((l: any) => l.seq)).toEqual([1]);
    socket.ws.close();
  });

  it("shows a running job's latest progress, and keeps the cost its result reports", async () => {
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { labels: { lane: unique("progress") } });
    const lane = (await expectStatus(200, "/executors")).items.find((e: any) => e.id === executor.id).labels
      .lane;
    const job = await submit({ command: ["true"] }, { labels: { lane } });
    await socket.next("assign");
    socket.send({ type: "accepted", jobId: job.id, attempt: 1 });
    socket.send({ type: "progress", jobId: job.id, attempt: 1, message: "deploy_project: 3/12 tasks" });
    socket.send({
      type: "progress",
      jobId: job.id,
      attempt: 1,
      message: "deploy_project: 6/12 tasks",
      percent: 50,
    });
    await expect
      .poll(async () => (await expectStatus(200, `/jobs/${job.id}`)).progress)
      .toBe("deploy_project: 6/12 tasks (50%)");
    const output = { exitCode: 0, signal: null, durationMs: 5 };
    socket.send({ type: "result", jobId: job.id, attempt: 1, status: "succeeded", output, costUsd: 0.0123 });
    await expect.poll(async () => (await expectStatus(200, `/jobs/${job.id}`)).status).toBe("succeeded");
    expect(await expectStatus(200, `/jobs/${job.id}`)).toMatchObject({ costUsd: 0.0123, output });
    socket.ws.close();
  });

  it("sends a job to the executor it prefers while that one is connected, else to any", async () => {
    const lane = unique("affinity");
    const [a, b] = [await createExecutor(), await createExecutor()];
    const sockets = { [a.id]: await connect(a.token), [b.id]: await connect(b.token) };
    for (const socket of Object.values(sockets)) await hello(socket, { labels: { lane } });
    // A first job makes one executor (x) busier than the other (y).
    const first = await submit({ command: ["sleep", "60"] }, { labels: { lane } });
    const x = (await expectStatus(200, `/jobs/${first.id}`)).executorId as string;
    const y = x === a.id ? b.id : a.id;
    const preferring = (name: string) =>
      hub().submit({
        kind: "exec",
        spec: { command: ["echo", name] },
        idempotencyKey: unique(name),
        labels: { lane },
        preferExecutor: x,
      });
    // The least loaded would be y; the job goes to x, where it belongs.
    const second = (await preferring("second")).job;
    expect(second).toMatchObject({ executor_id: x, prefer_executor: x });
    // x is full now: the next one waits for it rather than go to y…
    const third = (await preferring("third")).job;
    expect(third.status).toBe("queued");
    // …and gets x's slot when one frees.
    sockets[x]?.send({ type: "accepted", jobId: second.id, attempt: 1 });
    const output = { exitCode: 0, signal: null, durationMs: 1 };
    sockets[x]?.send({ type: "result", jobId: second.id, attempt: 1, status: "succeeded", output });
    await expect.poll(async () => (await expectStatus(200, `/jobs/${third.id}`)).executorId).toBe(x);
    expect((await expectStatus(200, `/jobs/${third.id}`)).preferExecutor).toBe(x);
    // With x gone, a job that prefers it is not held back: y takes it.
    sockets[x]?.ws.close();
    await sockets[x]?.closed;
    const fourth = (await preferring("fourth")).job;
    await expect.poll(async () => (await expectStatus(200, `/jobs/${fourth.id}`)).executorId).toBe(y);
    sockets[y]?.ws.close();
  });

  it("waits for a fitting executor, then starts at once", async () => {
    const lane = unique("late");
    const job = await submit({ command: ["true"] }, { labels: { lane } });
    expect(job.status).toBe("queued");
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { labels: { lane } });
    expect((await socket.next("assign")).jobId).toBe(job.id);
    socket.ws.close();
  });

  it("validates specs against the job kind's schema", async () => {
    const body = await expectStatus(400, "/jobs", { body: { kind: "exec", spec: { command: "echo hi" } } });
    expect(body.error.details.issues[0].path).toBe("body.spec.command");
    await expectStatus(400, "/jobs", { body: { kind: "teleport", spec: {} } });
  });

  it("takes a batch in one pass, validating every spec by its path", async () => {
    const lane = unique("batch");
    const jobs = Array.from({ length: 5 }, (_, i) => ({
      kind: "exec",
      spec: { command: ["echo", String(i)] },
      labels: { lane },
    }));
    const bad = await expectStatus(400, "/jobs/batch", {
      body: { jobs: [jobs[0], { kind: "exec", spec: { command: [] } }] },
    });
    expect(bad.error.details.issues[0].path).toBe("body.jobs.1.spec.command");
    const { items } = await expectStatus(201, "/jobs/batch", { body: { jobs } });
    expect(items.map((job: any) => job.spec.command[1])).toEqual(["0", "1", "2", "3", "4"]);
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { labels: { lane }, capacity: 5 });
    const assigned = new Set<string>();
    for (let i = 0; i < 5; i++) assigned.add((await socket.next("assign")).jobId);
    expect(assigned).toEqual(new Set(items.map((job: any) => job.id)));
    socket.ws.close();
  });

  it("gives a full executor a monitor's check: light jobs take no slot of its capacity", async () => {
    const lane = unique("light");
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { labels: { lane }, capacity: 1, capabilities: ["exec", "http_check"] });
    const heavy = await submit({ command: ["sleep", "60"] }, { labels: { lane } });
    expect((await socket.next("assign")).jobId).toBe(heavy.id);
    // Full: a second heavy job waits, a check does not.
    const waiting = await submit({ command: ["true"] }, { labels: { lane } });
    const check = await expectStatus(201, "/jobs", {
      body: { kind: "http_check", spec: { url: "http://127.0.0.1:9/health" }, labels: { lane } },
    });
    expect((await socket.next("assign")).jobId).toBe(check.id);
    expect((await expectStatus(200, `/jobs/${waiting.id}`)).status).toBe("queued");
    socket.ws.close();
  });

  it("returns the first job for a repeated idempotency key", async () => {
    const key = unique("idem");
    const first = await submit({ command: ["true"] }, { idempotencyKey: key, labels: { lane: key } });
    const second = await submit({ command: ["false"] }, { idempotencyKey: key, labels: { lane: key } });
    expect(second.id).toBe(first.id);
    expect(second.spec).toEqual({ command: ["true"], env: {} });
  });
});

describe("protocol errors", () => {
  it("answers malformed, invalid and out-of-order frames with error frames and keeps serving", async () => {
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    socket.sendRaw("{not json");
    expect((await socket.next("error")).code).toBe("malformed");
    socket.send({ type: "accepted", jobId: "x", attempt: 1 });
    expect((await socket.next("error")).code).toBe("out_of_order");
    socket.send({ type: "hello", capabilities: "exec" });
    expect((await socket.next("error")).code).toBe("invalid");
    socket.sendRaw(JSON.stringify({ v: 1, type: "log", chunk: "x".repeat(300 * 1024) }));
    expect((await socket.next("error")).code).toBe("too_large");
    await hello(socket);

    // Still serving: a job submitted now reaches this executor.
    const lane = unique("after-errors");
    const other = await createExecutor();
    const otherSocket = await connect(other.token);
    await hello(otherSocket, { labels: { lane } });
    const job = await submit({ command: ["true"] }, { labels: { lane } });
    expect((await otherSocket.next("assign")).jobId).toBe(job.id);
    socket.ws.close();
    otherSocket.ws.close();
  });

  it("closes a connection speaking another protocol version with a clear reason", async () => {
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    socket.sendRaw(JSON.stringify({ v: 2, type: "hello" }));
    const closed = await socket.closed;
    expect(closed.code).toBe(4000);
    expect(closed.reason).toMatch(/version 2 is not supported; this peer speaks 1/);
  });

  it("closes a connection that keeps breaking the protocol (policy)", async () => {
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    for (let i = 0; i < 25; i++) socket.sendRaw("garbage");
    expect((await socket.closed).code).toBe(1008);
  });
});

describe("leases", () => {
  it("are renewed by a heartbeat for the jobs it lists at their attempt, a write every other heartbeat", async () => {
    const lane = unique("renew");
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { labels: { lane }, capacity: 2 });
    const jobs = [
      await submit({ command: ["sleep", "100"] }, { labels: { lane } }),
      await submit({ command: ["sleep", "100"] }, { labels: { lane } }),
    ];
    for (const _ of jobs) {
      const assign = await socket.next("assign");
      socket.send({ type: "accepted", jobId: assign.jobId, attempt: 1 });
    }
    const leaseOf = (id: string) =>
      runInDurableObject(hub(), (_instance: ExecutorHub, state) =>
        Number(state.storage.sql.exec("SELECT lease_expires_at AS at FROM jobs WHERE id = ?", id).one().at),
      );
    /** Every frame sent before it has been handled once the pong comes. */
    const handled = async (id: number) => {
      socket.send({ type: "ping", id });
      await socket.next("pong");
    };
    await handled(1);
    // Both leases nearly spent; the heartbeat names the second at an attempt it does not hold.
    const nearlySpent = Date.now() + 5_000;
    await runInDurableObject(hub(), (_instance: ExecutorHub, state) => {
      for (const job of jobs)
        state.storage.sql.exec("UPDATE jobs SET lease_expires_at = ? WHERE id = ?", nearlySpent, job.id);
    });
    const [held, other] = jobs.map((job) => job.id as string);
    socket.send({
      type: "heartbeat",
      running: [
        { jobId: held, attempt: 1 },
        { jobId: other, attempt: 2 },
      ],
    });
    await handled(2);
    const renewed = await leaseOf(held as string);
    expect(renewed).toBeGreaterThan(Date.now() + 40_000);
    expect(await leaseOf(other as string)).toBe(nearlySpent);
    // A lease with more than two heartbeats left is not written again.
    socket.send({ type: "heartbeat", running: [{ jobId: held, attempt: 1 }] });
    await handled(3);
    expect(await leaseOf(held as string)).toBe(renewed);
    socket.ws.close();
  });

  it("requeue a silent executor's job as attempt 2 and ignore the late result of attempt 1", async () => {
    const lane = unique("lease");
    const first = await createExecutor();
    const a = await connect(first.token);
    await hello(a, { labels: { lane } });
    const job = await submit({ command: ["sleep", "100"] }, { labels: { lane } });
    await a.next("assign");
    a.send({ type: "accepted", jobId: job.id, attempt: 1 });
    await expect.poll(async () => (await expectStatus(200, `/jobs/${job.id}`)).status).toBe("running");

    // The executor goes silent: let its lease run out, then sweep.
    await runInDurableObject(hub(), (instance: ExecutorHub, state) => {
      state.storage.sql.exec("UPDATE jobs SET lease_expires_at = ? WHERE id = ?", Date.now() - 1, job.id);
      return instance;
    });
    await runDurableObjectAlarm(hub());
    const requeued = await expectStatus(200, `/jobs/${job.id}`);
    expect(requeued).toMatchObject({ status: "queued", attempt: 2, executorId: null });
    expect((await a.closed).code).toBe(4008);

    const second = await createExecutor();
    const b = await connect(second.token);
    await hello(b, { labels: { lane } });
    const assign = await b.next("assign");
    expect(assign).toMatchObject({ jobId: job.id, attempt: 2 });
    b.send({ type: "accepted", jobId: job.id, attempt: 2 });

    // The first executor's process comes back, still holding attempt 1: it is told to drop it,
    // and its result for attempt 1 is ignored.
    const revived = await connect(first.token);
    await hello(revived, { labels: { lane }, running: [{ jobId: job.id, attempt: 1 }] });
    expect(await revived.next("cancel")).toMatchObject({ jobId: job.id, attempt: 1, reason: "superseded" });
    revived.send({
      type: "result",
      jobId: job.id,
      attempt: 1,
      status: "failed",
      output: { exitCode: 1, signal: null, durationMs: 1 },
    });
    b.send({
      type: "result",
      jobId: job.id,
      attempt: 2,
      status: "succeeded",
      output: { exitCode: 0, signal: null, durationMs: 2 },
    });
    await expect.poll(async () => (await expectStatus(200, `/jobs/${job.id}`)).status).toBe("succeeded");
    expect((await expectStatus(200, `/jobs/${job.id}`)).output.exitCode).toBe(0);
    revived.ws.close();
    b.ws.close();
  });

  it("reconcile on reconnect: keep the jobs both sides agree on, requeue the rest, cancel strangers", async () => {
    const lane = unique("reconnect");
    const executor = await createExecutor();
    const first = await connect(executor.token);
    await hello(first, { labels: { lane }, capacity: 2 });
    const kept = await submit({ command: ["sleep", "1"] }, { labels: { lane } });
    const lost = await submit({ command: ["sleep", "1"] }, { labels: { lane } });
    await first.next("assign");
    await first.next("assign");
    first.ws.close();

    const again = await connect(executor.token);
    await hello(again, {
      labels: { lane },
      capacity: 0,
      running: [
        { jobId: kept.id, attempt: 1 },
        { jobId: "01ARZ3NDEKTSV4RRFFQ69G5FAV", attempt: 1 },
      ],
    });
    expect(await again.next("cancel")).toMatchObject({
      jobId: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
      reason: "superseded",
    });
    expect((await expectStatus(200, `/jobs/${kept.id}`)).status).toBe("running");
    expect(await expectStatus(200, `/jobs/${lost.id}`)).toMatchObject({ status: "queued", attempt: 2 });
    again.ws.close();
  });

  it("mark a job lost when its attempts are used up", async () => {
    const lane = unique("lost");
    const job = await submit({ command: ["true"] }, { labels: { lane }, maxAttempts: 1 });
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { labels: { lane } });
    await socket.next("assign");
    await runInDurableObject(hub(), (_instance: ExecutorHub, state) => {
      state.storage.sql.exec("UPDATE jobs SET lease_expires_at = ? WHERE id = ?", Date.now() - 1, job.id);
    });
    await runDurableObjectAlarm(hub());
    expect((await expectStatus(200, `/jobs/${job.id}`)).status).toBe("lost");
    socket.ws.close();
  });
});

describe("hibernation", () => {
  it("keeps executors, their state and their running jobs across an eviction of the hub", async () => {
    const lane = unique("hibernate");
    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { labels: { lane }, capacity: 2 });
    const running = await submit({ command: ["sleep", "1"] }, { labels: { lane } });
    await socket.next("assign");
    socket.send({ type: "accepted", jobId: running.id, attempt: 1 });
    await expect.poll(async () => (await expectStatus(200, `/jobs/${running.id}`)).status).toBe("running");

    await evictDurableObject(hub());

    // The socket survived with its attachment (still past hello) and the profile in storage.
    const next = await submit({ command: ["true"] }, { labels: { lane } });
    expect((await socket.next("assign")).jobId).toBe(next.id);
    const listed = (await expectStatus(200, "/executors")).items.find((e: any) => e.id === executor.id);
    expect(listed).toMatchObject({ connected: true, capacity: 2, running: 2, labels: { lane } });
    socket.send({
      type: "result",
      jobId: running.id,
      attempt: 1,
      status: "succeeded",
      output: { exitCode: 0, signal: null, durationMs: 1 },
    });
    await expect.poll(async () => (await expectStatus(200, `/jobs/${running.id}`)).status).toBe("succeeded");
    socket.ws.close();
  });
});

describe("drain", () => {
  it("keeps a drained executor idle across reconnects until it is resumed", async () => {
    const lane = unique("drain");
    const executor = await createExecutor();
    const first = await connect(executor.token);
    await hello(first, { labels: { lane } });
    const drained = await expectStatus(200, `/executors/${executor.id}/drain`, { method: "POST" });
    expect(drained.draining).toBe(true);
    expect(await first.next("drain")).toMatchObject({ type: "drain" });
    first.ws.close();

    const again = await connect(executor.token);
    await hello(again, { labels: { lane } });
    expect(await again.next("drain")).toMatchObject({ type: "drain" });
    const job = await submit({ command: ["true"] }, { labels: { lane } });
    expect((await expectStatus(200, `/jobs/${job.id}`)).status).toBe("queued");

    const resumed = await expectStatus(200, `/executors/${executor.id}/resume`, { method: "POST" });
    expect(resumed.draining).toBe(false);
    expect((await again.next("assign")).jobId).toBe(job.id);
    await expectStatus(400, `/executors/${executor.id}/reboot`, { method: "POST" });
    again.ws.close();
  });
});

describe("cancel", () => {
  it("cancels a queued job at once and asks the executor to kill a running one", async () => {
    const lane = unique("cancel");
    const queued = await submit({ command: ["true"] }, { labels: { lane } });
    expect((await expectStatus(200, `/jobs/${queued.id}/cancel`, { method: "POST" })).status).toBe(
      "cancelled",
    );

    const executor = await createExecutor();
    const socket = await connect(executor.token);
    await hello(socket, { labels: { lane } });
    const running = await submit({ command: ["sleep", "100"] }, { labels: { lane } });
    await socket.next("assign");
    socket.send({ type: "accepted", jobId: running.id, attempt: 1 });
    const view = await expectStatus(200, `/jobs/${running.id}/cancel`, { method: "POST" });
    expect(view.cancelRequested).toBe(true);
    expect(await socket.next("cancel")).toMatchObject({ jobId: running.id, attempt: 1 });
    socket.send({
      type: "result",
      jobId: running.id,
      attempt: 1,
      status: "cancelled",
      output: { exitCode: null, signal: "SIGTERM", durationMs: 5 },
    });
    await expect.poll(async () => (await expectStatus(200, `/jobs/${running.id}`)).status).toBe("cancelled");
    await expectStatus(404, "/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/cancel", { method: "POST" });
    socket.ws.close();
  });
});

describe("job retention", () => {
  it("forgets a monitor's light jobs a day after they ended, and keeps every other job", async () => {
    const day = 24 * 3600_000;
    const ids = {
      oldCheck: unique("old-check"),
      oldWatch: unique("old-watch"),
      recentCheck: unique("recent"),
      undelivered: unique("undelivered"),
      oldExec: unique("old-exec"),
    };
    await runInDurableObject(hub(), (_instance: ExecutorHub, state) => {
      const insert = (id: string, kind: string, finishedAt: number) =>
        state.storage.sql.exec(
          `INSERT INTO jobs (id, idempotency_key, kind, spec, labels, status, attempt, max_attempts, timeout_ms,
           created_at, updated_at, finished_at) VALUES (?, ?, ?, '{}', '{}', 'succeeded', 1, 1, 1000, ?, ?, ?)`,
          id,
          id,
          kind,
          finishedAt,
          finishedAt,
          finishedAt,
        );
      const now = Date.now();
      insert(ids.oldCheck, "http_check", now - 2 * day);
      insert(ids.oldWatch, "http_watch", now - 2 * day);
      insert(ids.recentCheck, "http_check", now - 3600_000);
      insert(ids.undelivered, "http_check", now - 2 * day);
      insert(ids.oldExec, "exec", now - 2 * day);
      // Its monitor has not been told yet: it stays until it is.
      state.storage.sql.exec(
        "INSERT INTO job_events (job_id, notify, status, next_at) VALUES (?, '{}', 'succeeded', ?)",
        ids.undelivered,
        now + day,
      );
      return state.storage.setAlarm(now);
    });
    await runDurableObjectAlarm(hub());
    const left = await runInDurableObject(hub(), (_instance: ExecutorHub, state) =>
      state.storage.sql
        .exec<{ id: string }>(`SELECT id FROM jobs WHERE id IN (?, ?, ?, ?, ?)`, ...Object.values(ids))
        .toArray()
        .map((row) => row.id),
    );
    expect(new Set(left)).toEqual(new Set([ids.recentCheck, ids.undelivered, ids.oldExec]));
  });
});
