/**
 * The executor fleet end to end: a real Worker under `wrangler dev`, real daemon processes, real
 * child processes. Leases are short here (heartbeat 1 s, lease 15 s: long enough to ride out a Worker restart) so failures show quickly.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fleet, finished } from "./support/fleet.ts";
import { isRunning } from "./support/processes.ts";

let fleet: Fleet;

beforeAll(async () => {
  fleet = await Fleet.start({ HUB_HEARTBEAT_MS: "1000", HUB_LEASE_MS: "15000" });
});
afterAll(() => fleet?.stop());

const lane = () => ({ lane: randomUUID().slice(0, 8) });

/** A directory the jobs of a lane may all write in: each runs as a user of its own (the daemons are root here). */
async function sharedDir(name: string): Promise<string> {
  const dir = path.join(fleet.dir, `shared-${name}`);
  await mkdir(dir);
  await chmod(dir, 0o777);
  return dir;
}

describe("executor fleet", () => {
  it("round trip: an exec job's log chunks and result", async () => {
    const labels = lane();
    await fleet.executor(2, labels);
    const job = await fleet.submit(["sh", "-c", "echo hello; echo oops >&2; exit 3"], labels);
    const done = await fleet.waitFor(job.id, finished);
    expect(done).toMatchObject({ status: "failed", attempt: 1, output: { exitCode: 3, signal: null } });
    expect(
      done.log
        .filter((l) => l.stream === "stdout")
        .map((l) => l.chunk)
        .join(""),
    ).toBe("hello\n");
    expect(
      done.log
        .filter((l) => l.stream === "stderr")
        .map((l) => l.chunk)
        .join(""),
    ).toBe("oops\n");
  });

  it("keeps the executor token out of argv, the daemon's logs and the jobs' environment", async () => {
    const labels = lane();
    const executor = await fleet.executor(1, labels);
    const job = await fleet.submit(
      ["sh", "-c", "env; cat /proc/$PPID/cmdline 2>/dev/null | tr '\\0' ' '"],
      labels,
    );
    const done = await fleet.waitFor(job.id, finished);
    expect(done.status).toBe("succeeded");
    const jobOutput = done.log.map((l) => l.chunk).join("");
    expect(jobOutput).toContain("PATH=");
    expect(jobOutput).not.toContain(executor.token);
    expect(readFileSync(`/proc/${executor.daemon.pid}/cmdline`, "utf8")).not.toContain(executor.token);
    expect(executor.output()).toContain('"msg":"job ended"');
    expect(executor.output()).not.toContain(executor.token);
  });

  it("3 executors × capacity 2 run 60 jobs, each exactly once", async () => {
    const labels = lane();
    const executors = await Promise.all([1, 2, 3].map(() => fleet.executor(2, labels)));
    const ledger = path.join(await sharedDir(labels.lane), "ledger");
    // Each job runs as a user of its own: the file they all append to is open to all.
    await writeFile(ledger, "");
    await chmod(ledger, 0o666);
    const jobs = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        fleet.submit(["sh", "-c", `sleep 0.05; echo ${i} >> "${ledger}"`], labels),
      ),
    );
    const done = await Promise.all(jobs.map((job) => fleet.waitFor(job.id, finished, 60_000)));
    expect(done.every((job) => job.status === "succeeded" && job.attempt === 1)).toBe(true);
    const lines = (await readFile(ledger, "utf8"))
      .trim()
      .split("\n")
      .sort((a, b) => Number(a) - Number(b));
    expect(lines).toEqual(Array.from({ length: 60 }, (_, i) => String(i)));
    const used = new Set(done.map((job) => job.executorId));
    expect(used.size).toBe(3);
    expect([...used].every((id) => executors.some((e) => e.id === id))).toBe(true);
  });

  it("kill -9 of an executor mid-job: requeued after the lease, finished elsewhere as attempt 2", async () => {
    const labels = lane();
    const first = await fleet.executor(1, labels);
    const job = await fleet.submit(["sh", "-c", "sleep 1; echo survived"], labels);
    await fleet.waitFor(job.id, (j) => j.status === "running");
    first.daemon.kill("SIGKILL");
    await first.exited;
    await fleet.executor(1, labels);
    const done = await fleet.waitFor(job.id, finished, 40_000);
    expect(done).toMatchObject({ status: "succeeded", attempt: 2 });
    expect(done.executorId).not.toBe(first.id);
    expect(
      done.log
        .filter((l) => l.attempt === 2)
        .map((l) => l.chunk)
        .join(""),
    ).toBe("survived\n");
  });

  it("cancel kills the job's whole process tree", async () => {
    const labels = lane();
    await fleet.executor(1, labels);
    const pidFile = path.join(await sharedDir(labels.lane), "grandchild");
    const job = await fleet.submit(["sh", "-c", 'sleep 300 & echo $! > "$PID_FILE"; wait'], labels, {
      env: { PID_FILE: pidFile },
    });
    await fleet.waitFor(job.id, (j) => j.status === "running");
    let grandchild = 0;
    for (let i = 0; i < 100 && !grandchild; i++) {
      grandchild = Number(await readFile(pidFile, "utf8").catch(() => "0"));
      if (!grandchild) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(isRunning(grandchild)).toBe(true);
    await fleet.call(`/jobs/${job.id}/cancel`, {});
    const done = await fleet.waitFor(job.id, finished);
    expect(done.status).toBe("cancelled");
    for (let i = 0; i < 50 && isRunning(grandchild); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(isRunning(grandchild)).toBe(false);
  });

  it("a revoked token closes the live socket, and the daemon is refused and stops", async () => {
    const labels = lane();
    const executor = await fleet.executor(1, labels);
    await expect
      .poll(
        async () => (await fleet.call("/executors")).items.find((e: any) => e.id === executor.id)?.connected,
      )
      .toBe(true);
    await fleet.call(`/executors/${executor.id}`, undefined, "DELETE");
    expect(await executor.exited).toBe(3);
    const listed = (await fleet.call("/executors")).items.find((e: any) => e.id === executor.id);
    expect(listed).toMatchObject({ connected: false, revokedAt: expect.any(String) });
  });

  it("a job past its deadline is stopped and reported timed_out", async () => {
    const labels = lane();
    await fleet.executor(1, labels);
    const job = await fleet.call("/jobs", {
      kind: "exec",
      spec: { command: ["sleep", "30"] },
      labels,
      timeoutMs: 500,
    });
    const done = await fleet.waitFor(job.id, finished);
    expect(done).toMatchObject({ status: "timed_out", attempt: 1, output: { signal: "SIGTERM" } });
  });

  it("SIGTERM drains: running jobs get the grace period, the rest are handed back and rerun", async () => {
    const labels = lane();
    const draining = await fleet.executor(2, labels, 1_000);
    const quick = await fleet.submit(["sh", "-c", "sleep 0.3; echo quick"], labels);
    const slow = await fleet.submit(["sleep", "30"], labels);
    await fleet.waitFor(quick.id, (j) => j.status === "running");
    await fleet.waitFor(slow.id, (j) => j.status === "running");
    draining.daemon.kill("SIGTERM");
    expect(await draining.exited).toBe(0);
    expect(await fleet.waitFor(quick.id, finished)).toMatchObject({ status: "succeeded", attempt: 1 });
    expect(await fleet.job(slow.id)).toMatchObject({ status: "queued", attempt: 2 });
    const other = await fleet.executor(1, labels);
    expect((await fleet.waitFor(slow.id, (j) => j.status === "running")).executorId).toBe(other.id);
    await fleet.call(`/jobs/${slow.id}/cancel`, {});
  });

  it("a Worker restart mid-job: the daemon reconnects and the job's result is recorded", async () => {
    const labels = lane();
    await fleet.executor(1, labels);
    const job = await fleet.submit(["sh", "-c", "sleep 3; echo after-restart"], labels);
    await fleet.waitFor(job.id, (j) => j.status === "running");
    await fleet.worker.stop("SIGKILL");
    await fleet.startWorker();
    const done = await fleet.waitFor(job.id, finished, 40_000);
    expect(done).toMatchObject({ status: "succeeded", attempt: 1 });
  });
});
