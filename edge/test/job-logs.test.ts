import { env, runInDurableObject } from "cloudflare:test";
import type { JobKind } from "@codegen-orchestrator/shared";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { jobLogVisible } from "../src/domain/run-steps.ts";
import type { ExecutorHub } from "../src/executors/hub.ts";
import { TAIL_BYTES } from "../src/executors/log-store.ts";
import { connect, createExecutor, hello } from "./executor-socket.ts";
import { call, createProject, createUser, expectStatus, unique } from "./helpers.ts";

async function runningJob() {
  const lane = unique("logs");
  const executor = await createExecutor();
  const socket = await connect(executor.token);
  await hello(socket, { labels: { lane } });
  const job = await expectStatus(201, "/jobs", {
    body: { kind: "exec", spec: { command: ["true"] }, labels: { lane } },
  });
  await socket.next("assign");
  socket.send({ type: "accepted", jobId: job.id, attempt: 1 });
  const log = (seq: number, chunk: string) =>
    socket.send({ type: "log", jobId: job.id, attempt: 1, seq, stream: "stdout", chunk });
  const finish = () =>
    socket.send({
      type: "result",
      jobId: job.id,
      attempt: 1,
      status: "succeeded",
      output: { exitCode: 0, signal: null, durationMs: 1 },
    });
  return { job, socket, log, finish };
}

const hubRows = (jobId: string) =>
  runInDurableObject(env.EXECUTOR_HUB.getByName("default"), (_: ExecutorHub, state) =>
    state.storage.sql
      .exec<{ n: number; bytes: number }>(
        "SELECT count(*) AS n, coalesce(sum(length(chunk)), 0) AS bytes FROM job_logs WHERE job_id = ?",
        jobId,
      )
      .one(),
  );

describe("job logs", () => {
  it("archive to R2 in segments, keep a bounded tail, and serve the whole log", async () => {
    const { job, socket, log, finish } = await runningJob();
    const chunks = Array.from({ length: 10 }, (_, i) => `${String(i).repeat(60_000)}\n`);
    for (const [seq, chunk] of chunks.entries()) log(seq, chunk);
    finish();
    await expect.poll(async () => (await expectStatus(200, `/jobs/${job.id}`)).status).toBe("succeeded");
    await expect.poll(async () => (await hubRows(job.id)).bytes).toBeLessThanOrEqual(TAIL_BYTES + 60_001);

    const segments = await env.LOGS.list({ prefix: `jobs/${job.id}/` });
    expect(segments.objects.length).toBeGreaterThanOrEqual(2);
    const response = await call(`/jobs/${job.id}/log`);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe(chunks.join(""));
    socket.ws.close();
  });

  it("stream live as server-sent events, in order, ending with the job's status", async () => {
    const { job, socket, log, finish } = await runningJob();
    log(0, "first\n");
    const response = await call(`/jobs/${job.id}/log/stream`);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
    if (!reader) throw new Error("no body");
    let text = "";
    const readUntil = async (needle: string) => {
      for (let i = 0; i < 100 && !text.includes(needle); i++) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
    };
    await readUntil("first");
    log(1, "second\n");
    await readUntil("second");
    finish();
    await readUntil("event: end");
    const events = text
      .split("\n\n")
      .filter(Boolean)
      .map((block) =>
        Object.fromEntries(
          block
            .split("\n")
            .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
        ),
      );
    expect(events.map((e) => e.event)).toEqual(["log", "log", "end"]);
    expect(events.slice(0, 2).map((e) => JSON.parse(e.data ?? "null").chunk)).toEqual([
      "first\n",
      "second\n",
    ]);
    expect(events.slice(0, 2).map((e) => e.id)).toEqual(["1:0", "1:1"]);
    expect(JSON.parse(events[2]?.data ?? "null")).toEqual({ status: "succeeded" });
    socket.ws.close();
  });

  it("answer 404 for an unknown job", async () => {
    await expectStatus(404, "/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/log");
    await expectStatus(404, "/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/log/stream");
  });
});

describe("job logs for members", () => {
  it("a member reads their own runs' agent and test job logs; the rest stays the admins'", async () => {
    const [owner, stranger] = [await createUser(), await createUser()];
    // With a repository, a DevOps run submits its first job and waits (no executor takes it).
    const project = await createProject(owner.key, { repoUrl: "https://git.example.test/logs.git" });
    const run = await expectStatus(201, `/projects/${project.id}/runs`, {
      key: owner.key,
      body: { kind: "devops" },
    });
    let jobId = "";
    await expect
      .poll(async () => {
        const steps = await expectStatus(200, `/runs/${run.id}/steps`, { key: owner.key });
        const step = steps.items.find((s: { jobId: string | null }) => s.jobId);
        jobId = step?.jobId ?? "";
        return step?.logReadable;
      })
      .toBe(false);
    // Its first job is a git one (inspect): git's words about remotes are the admins' to read.
    expect((await call(`/jobs/${jobId}/log`, { key: owner.key })).status).toBe(404);
    expect((await call(`/jobs/${jobId}/log`)).status).toBe(200);
    const theirs = await call(`/jobs/${jobId}/log`, { key: stranger.key });
    const none = await call("/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/log", { key: stranger.key });
    expect([theirs.status, await theirs.json()]).toEqual([none.status, await none.json()]);

    // Had the step run an agent or a test job, its owner (and only they, and admins) could read it.
    const db = database(env.DB);
    const asKind = (kind: JobKind) => ({ id: jobId, kind });
    const member = (id: string) => ({ userId: id, role: "member" as const });
    expect(await jobLogVisible(db, member(owner.id), asKind("test"))).toBe(true);
    expect(await jobLogVisible(db, member(owner.id), asKind("agent"))).toBe(true);
    expect(await jobLogVisible(db, member(stranger.id), asKind("agent"))).toBe(false);
    expect(await jobLogVisible(db, member(owner.id), asKind("ansible"))).toBe(false);
    expect(await jobLogVisible(db, { userId: stranger.id, role: "admin" }, asKind("ansible"))).toBe(true);
    // A job no run ran (submitted by an admin) stays the admins'.
    expect(
      await jobLogVisible(db, member(owner.id), { id: "01ARZ3NDEKTSV4RRFFQ69G5FAV", kind: "test" }),
    ).toBe(false);
    await expectStatus(200, `/runs/${run.id}/cancel`, { method: "POST", key: owner.key });
  });
});
