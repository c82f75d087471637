/**
 * Executor fleet benchmark, on one machine under `wrangler dev`:
 * - the floor: a minimal Durable Object (bench/floor/) that parses a frame, writes one SQLite row
 *   (or not) and answers, pipelined (frames/s): what one object does per frame on this machine;
 * - baseline: WebSocket echo (ping → pong) through the ExecutorHub Durable Object, sequential
 *   (latency) and pipelined (messages/s), measured in the same run;
 * - dispatch latency: HTTP submit → `assign` at an executor, p50/p99, as a ratio to the echo;
 * - throughput: no-op jobs/s with 4 executors × capacity 8 (scripted executors that answer at
 *   once, so the hub and the API are what is measured; jobs submitted 100 per batch request),
 *   as a ratio to the floor's pipelined frames/s with a write (each job is a few frames and rows);
 * - the daemon's RSS, idle and with 8 running jobs.
 *
 *   npm run bench
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { wranglerDev } from "../scripts/local-stack.ts";
import { Fleet, freePort } from "../test/support/fleet.ts";

const ECHO_ROUNDS = 2000;
const PIPELINED = 5000;
const DISPATCH_ROUNDS = 300;
const THROUGHPUT_JOBS = 2000;
/** Jobs arrive through the batch route (as workflows would submit many at once), a few batches in flight. */
const SUBMIT_CONCURRENCY = 4;
const BATCH = 100;
const PHASE_TIMEOUT_MS = 120_000;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (n: number) => `${n.toFixed(2)} ms`;
const within = <T>(promise: Promise<T>, what: string) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${what} took over ${PHASE_TIMEOUT_MS} ms`)),
        PHASE_TIMEOUT_MS,
      ).unref(),
    ),
  ]);

/** Pings over a socket whose other end answers `{type: "pong", id}`: each resolves on its pong. */
function pinger(ws: WebSocket) {
  const pongs = new Map<number, () => void>();
  return {
    /** Call with each message the socket receives. */
    received(message: { type: string; id?: number }) {
      if (message.type === "pong" && message.id !== undefined) pongs.get(message.id)?.();
    },
    ping(id: number) {
      return new Promise<void>((resolve) => {
        pongs.set(id, () => {
          pongs.delete(id);
          resolve();
        });
        ws.send(JSON.stringify({ v: 1, type: "ping", id }));
      });
    },
  };
}

/** Frames per second of `count` pings sent at once. */
async function pipelined(ping: (id: number) => Promise<void>, count: number, firstId = 0) {
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => ping(firstId + i)));
  return count / ((performance.now() - started) / 1000);
}

/** The floor (bench/floor/): pipelined frames/s with and without one SQLite row written per frame. */
async function floor() {
  const port = await freePort();
  const state = await mkdtemp(path.join(tmpdir(), "co-bench-floor-"));
  const args = ["dev", "--config", "bench/floor/wrangler.toml", "--ip", "127.0.0.1", "--port", String(port)];
  args.push("--persist-to", state, "--show-interactive-dev-session=false");
  const worker = await wranglerDev(args, "/health", port, "ignore");
  try {
    const rate = async (write: boolean) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/?write=${write ? 1 : 0}`);
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      const socket = pinger(ws);
      ws.on("message", (data) => socket.received(JSON.parse(data.toString())));
      await pipelined((id) => socket.ping(id), PIPELINED / 5); // warm-up
      const perSecond = await pipelined((id) => socket.ping(id), PIPELINED, PIPELINED);
      ws.close();
      return perSecond;
    };
    return { bare: await rate(false), withWrite: await rate(true) };
  } finally {
    await worker.stop("SIGKILL");
    await rm(state, { recursive: true, force: true });
  }
}

/** A scripted executor: answers every assign with accepted + a succeeded result, at once. */
async function scriptedExecutor(
  fleet: Fleet,
  capacity: number,
  labels: Record<string, string>,
  onAssign?: (jobId: string) => void,
) {
  const { token } = await fleet.call<{ token: string }>("/executors", {
    name: `bench-${Math.random().toString(36).slice(2, 8)}`,
  });
  const ws = new WebSocket(`${fleet.worker.origin.replace("http", "ws")}/api/v1/executors/connect`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const socket = pinger(ws);
  let results = 0;
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const welcomed = new Promise<void>((resolve) => {
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString());
      socket.received(message);
      if (message.type === "welcome") resolve();
      else if (message.type === "assign") {
        onAssign?.(message.jobId);
        ws.send(JSON.stringify({ v: 1, type: "accepted", jobId: message.jobId, attempt: message.attempt }));
        ws.send(
          JSON.stringify({
            v: 1,
            type: "result",
            jobId: message.jobId,
            attempt: message.attempt,
            status: "succeeded",
            output: { exitCode: 0, signal: null, durationMs: 0 },
          }),
        );
        results++;
      }
    });
  });
  ws.send(
    JSON.stringify({
      v: 1,
      type: "hello",
      agent: "bench",
      capabilities: ["exec"],
      labels,
      capacity,
      running: [],
    }),
  );
  await welcomed;
  return {
    ws,
    get results() {
      return results;
    },
    ping: socket.ping,
  };
}

async function echo(fleet: Fleet) {
  const executor = await scriptedExecutor(fleet, 0, { lane: "echo" });
  const latencies: number[] = [];
  for (let i = 0; i < ECHO_ROUNDS; i++) {
    const started = performance.now();
    await executor.ping(i);
    latencies.push(performance.now() - started);
  }
  const perSecond = await pipelined(executor.ping, PIPELINED, ECHO_ROUNDS);
  executor.ws.close();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond };
}

async function dispatchLatency(fleet: Fleet) {
  // The assign may reach the executor before the submit's response reaches us: record its time.
  const assignedAt = new Map<string, number>();
  const executor = await scriptedExecutor(fleet, 8, { lane: "dispatch" }, (jobId) =>
    assignedAt.set(jobId, performance.now()),
  );
  const latencies: number[] = [];
  const submitOnly: number[] = [];
  for (let i = 0; i < DISPATCH_ROUNDS; i++) {
    const started = performance.now();
    const job = await fleet.submit(["true"], { lane: "dispatch" });
    submitOnly.push(performance.now() - started);
    for (let wait = 0; wait < 5_000 && !assignedAt.has(job.id); wait++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    latencies.push((assignedAt.get(job.id) ?? Number.NaN) - started);
  }
  executor.ws.close();
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    submitP50: percentile(submitOnly, 50),
  };
}

async function throughput(fleet: Fleet) {
  const executors = await Promise.all(
    [1, 2, 3, 4].map(() => scriptedExecutor(fleet, 8, { lane: "throughput" })),
  );
  const job = { kind: "exec", spec: { command: ["true"] }, labels: { lane: "throughput" } };
  const started = performance.now();
  let submitted = 0;
  await Promise.all(
    Array.from({ length: SUBMIT_CONCURRENCY }, async () => {
      while (submitted < THROUGHPUT_JOBS) {
        const count = Math.min(BATCH, THROUGHPUT_JOBS - submitted);
        submitted += count;
        await fleet.call("/jobs/batch", { jobs: Array.from({ length: count }, () => job) });
      }
    }),
  );
  while (executors.reduce((sum, e) => sum + e.results, 0) < THROUGHPUT_JOBS) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seconds = (performance.now() - started) / 1000;
  for (const executor of executors) executor.ws.close();
  return { perSecond: THROUGHPUT_JOBS / seconds };
}

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;

async function daemonMemory(fleet: Fleet) {
  const { daemon } = await fleet.executor(8, { lane: "memory" });
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const idle = rssMb(daemon.pid as number);
  const jobs = await Promise.all(
    Array.from({ length: 8 }, () => fleet.submit(["sleep", "20"], { lane: "memory" })),
  );
  await Promise.all(jobs.map((job) => fleet.waitFor(job.id, (j) => j.status === "running")));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const busy = rssMb(daemon.pid as number);
  await Promise.all(jobs.map((job) => fleet.call(`/jobs/${job.id}/cancel`, {})));
  return { idle, busy };
}

const base = await within(floor(), "floor");
const fleet = await Fleet.start();
try {
  const baseline = await within(echo(fleet), "echo");
  const dispatch = await within(dispatchLatency(fleet), "dispatch");
  const flow = await within(throughput(fleet), "throughput");
  const memory = await within(daemonMemory(fleet), "memory");
  const rows = [
    ["Floor: minimal object, pipelined", `${base.bare.toFixed(0)} frames/s`, "parse + answer"],
    ["Floor: the same, one row written", `${base.withWrite.toFixed(0)} frames/s`, "parse + INSERT + answer"],
    ["WebSocket echo through the hub (baseline)", `p50 ${ms(baseline.p50)}, p99 ${ms(baseline.p99)}`, ""],
    [
      "Pipelined echo (baseline)",
      `${baseline.perSecond.toFixed(0)} msg/s`,
      `${(baseline.perSecond / base.bare).toFixed(2)}× the floor without a write`,
    ],
    [
      "Dispatch: submit → assign",
      `p50 ${ms(dispatch.p50)}, p99 ${ms(dispatch.p99)} (HTTP submit alone p50 ${ms(dispatch.submitP50)})`,
      `p99 = ${(dispatch.p99 / baseline.p99).toFixed(1)}× echo p99 (target ≤ 3×)`,
    ],
    [
      "Throughput: no-op jobs, 4 executors × 8",
      `${flow.perSecond.toFixed(0)} jobs/s`,
      `${(flow.perSecond / base.withWrite).toFixed(2)}× the floor with a write (target ≥ 0.6×)`,
    ],
    ["Daemon RSS idle", `${memory.idle.toFixed(1)} MB`, "target ≤ 60 MB"],
    ["Daemon RSS, 8 running jobs", `${memory.busy.toFixed(1)} MB`, "target ≤ 100 MB"],
  ];
  console.log(`\nExecutor fleet benchmark (${new Date().toISOString()})\n`);
  for (const [what = "", figure = "", ratio = ""] of rows)
    console.log(`${what.padEnd(42)} ${figure.padEnd(62)} ${ratio}`);
} finally {
  await fleet.stop();
}
