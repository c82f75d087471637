/**
 * The `http_watch` kind against a real server on 127.0.0.1 whose health the test flips: a healthy
 * service is checked every interval and reported once, with its counts and latencies, when the
 * watch's time is up; failures are re-checked every `confirmMs` and `threshold` of them in a row
 * end the watch at once, with those checks as evidence; a failure that heals is only counted; a
 * drain ends the watch early with what it has; a cancel cancels it; `durationMs: 0` reports the
 * first healthy check.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpWatchResult, HttpWatchSpec } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunContext } from "../src/jobs/runner.ts";
import { runHttpWatch } from "../src/kinds/http/watch-runner.ts";
import { runContext } from "./support/run-context.ts";

let server: Server;
let url: string;
/** What /health answers next, and when each request came. */
let answers: number[] = [];
let hits: number[] = [];

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits.push(Date.now());
    const status = answers.length > 1 ? (answers.shift() as number) : (answers[0] ?? 200);
    res.writeHead(status).end(status === 200 ? "ok" : "database unreachable");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
});

beforeEach(() => {
  answers = [200];
  hits = [];
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

async function watch(spec: Partial<HttpWatchSpec>, overrides: Partial<RunContext> = {}) {
  const test = await runContext(overrides);
  const parsed = HttpWatchSpec.parse({
    url,
    intervalMs: 250,
    confirmMs: 100,
    threshold: 3,
    durationMs: 1200,
    ...spec,
  });
  const started = Date.now();
  const outcome = await runHttpWatch(parsed, test.ctx);
  return {
    status: outcome.status,
    result: outcome.output ? HttpWatchResult.parse(outcome.output) : null,
    tookMs: Date.now() - started,
    log: test.text(),
  };
}

const gaps = () => hits.slice(1).map((at, n) => at - (hits[n] as number));

describe("http_watch", () => {
  it("checks a healthy service every interval and reports once, when its time is up", async () => {
    const watched = await watch({ durationMs: 1200 });
    expect(watched.status).toBe("succeeded");
    expect(watched.result).toMatchObject({ ended: "elapsed", failures: [] });
    // Checks at 0, 250, …, 1000 ms at most (the one after would fall past the watch's time); a
    // busy machine may fit fewer. Each is counted once, in the result and by the service.
    const checks = watched.result?.checks ?? 0;
    expect(checks).toBeGreaterThanOrEqual(2);
    expect(checks).toBeLessThanOrEqual(5);
    expect(hits).toHaveLength(checks);
    const [day] = watched.result?.days ?? [];
    expect(day).toMatchObject({ day: new Date().toISOString().slice(0, 10), checks, failures: 0 });
    expect(day?.latencies).toHaveLength(checks);
    expect(watched.result?.last).toMatchObject({ status: 200, error: null, excerpt: "" });
    expect(watched.log).toBe("");
  });

  it("re-checks a failure sooner and ends at once on `threshold` failures in a row, with them as evidence", async () => {
    answers = [200, 200, 503];
    const watched = await watch({ durationMs: 60_000 });
    expect(watched.result?.ended).toBe("failing");
    expect(watched.result?.checks).toBe(5);
    expect(watched.result?.failures.map((check) => check.status)).toEqual([503, 503, 503]);
    expect(watched.result?.failures[0]?.excerpt).toBe("database unreachable");
    expect(watched.result?.days[0]).toMatchObject({ checks: 5, failures: 3 });
    // Two interval gaps, then two confirmation gaps; long before the watch's minute.
    const spacing = gaps();
    expect(spacing.slice(2).every((gap) => gap < 240)).toBe(true);
    expect(watched.tookMs).toBeLessThan(60_000);
  });

  it("counts a failure that heals, and finishes a run of failures before its time ends", async () => {
    answers = [503, 200];
    const healed = await watch({ durationMs: 600 });
    expect(healed.result).toMatchObject({ ended: "elapsed", failures: [] });
    expect(healed.result?.days[0]).toMatchObject({ failures: 1 });
    expect(healed.result?.last?.status).toBe(200);

    // `durationMs: 0` reports the first check; a failing one is confirmed first.
    answers = [200];
    expect((await watch({ durationMs: 0 })).result).toMatchObject({ ended: "elapsed", checks: 1 });
    answers = [503, 503, 200];
    const confirmed = await watch({ durationMs: 0 });
    expect(confirmed.result).toMatchObject({ ended: "elapsed", checks: 3, failures: [] });
  });

  it("waits `firstCheckInMs` before its first check: the interval since the watch before goes on", async () => {
    const started = Date.now();
    const watched = await watch({ durationMs: 0, firstCheckInMs: 400 });
    expect(watched.result).toMatchObject({ ended: "elapsed", checks: 1 });
    expect((hits[0] as number) - started).toBeGreaterThanOrEqual(390);
  });

  it("ends early on a drain with what it has; a cancel is a cancel", async () => {
    const drain = new AbortController();
    setTimeout(() => drain.abort(), 400);
    const drained = await watch({ durationMs: 60_000 }, { draining: drain.signal });
    expect(drained.result?.ended).toBe("elapsed");
    expect(drained.result?.checks).toBeGreaterThanOrEqual(2);
    expect(drained.tookMs).toBeLessThan(5_000);

    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 400);
    expect((await watch({ durationMs: 60_000 }, { signal: cancel.signal })).status).toBe("cancelled");
  });

  it("reports before the job's deadline, even in a run of failures", async () => {
    answers = [503];
    const watched = await watch(
      { durationMs: 60_000, threshold: 20, confirmMs: 200 },
      { deadlineAt: Date.now() + 3_000 },
    );
    expect(watched.status).toBe("succeeded");
    expect(watched.result?.ended).toBe("elapsed");
    expect(watched.result?.failures.length).toBeGreaterThan(0);
    expect(watched.tookMs).toBeLessThan(3_000);
  });
});
