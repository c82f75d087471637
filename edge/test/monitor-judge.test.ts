/**
 * The monitor's verdicts (monitors/judge.ts) and its daily history (monitors/history.ts), as pure
 * functions: one incident per outage, the policy's steps in order and never past its attempts,
 * percentiles by nearest rank, the day written when due and when it ends.
 */
import type { CheckEvidence } from "@codegen-orchestrator/shared";
import { describe, expect, it } from "vitest";
import { percentile } from "../src/domain/monitor-days.ts";
import { emptyDay, FLUSH_EVERY, recordCheck, recordWatch } from "../src/monitors/history.ts";
import { type Health, type JudgeConfig, judge, NO_HEALTH, nextStep } from "../src/monitors/judge.ts";

const config: JudgeConfig = {
  threshold: 3,
  maxAttempts: 2,
  attemptWindowMs: 3_600_000,
  policy: ["restart", "rollback", "ask"],
};
const T0 = Date.parse("2026-12-03T10:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const down = (s: number): CheckEvidence => ({ at: at(s), status: null, error: "ECONNREFUSED", excerpt: "" });
const up = (s: number): CheckEvidence => ({ at: at(s), status: 200, error: null, excerpt: "" });

/** Feeds checks in order (`busy`: a recovery job runs meanwhile); every decision made, by kind (and step). */
function feed(checks: CheckEvidence[], start: Health = NO_HEALTH, cfg = config, busy = false) {
  let health = start;
  const seen: string[] = [];
  let n = 0;
  for (const check of checks) {
    const judged = judge(health, check, Date.parse(check.at), cfg, () => `inc-${++n}`, busy);
    health = judged.health;
    for (const decision of judged.decisions)
      seen.push(decision.kind === "recover" ? `recover:${decision.step}` : decision.kind);
  }
  return { health, seen };
}

describe("judge", () => {
  it("opens one incident after `threshold` failures, takes the first step, and closes it when healthy", () => {
    const { health, seen } = feed([up(0), down(10), down(12), down(14), down(16), up(30)]);
    expect(seen).toEqual(["open", "recover:restart", "resolve"]);
    expect(health).toEqual({ failures: [], incident: null, attempts: [T0 + 14_000] });
  });

  it("dates the outage from its first failed check", () => {
    const { health } = feed([down(10), down(12), down(14)]);
    expect(health.incident).toMatchObject({ id: "inc-1", startedAt: T0 + 10_000, openedAt: T0 + 14_000 });
  });

  it("a healthy check between failures starts the count again", () => {
    expect(feed([down(1), down(2), up(3), down(4), down(5)]).seen).toEqual([]);
  });

  it("while a recovery job runs, failures take no further step", () => {
    const opened = feed([down(1), down(2), down(3)]).health;
    expect(feed([down(4), down(5), down(6), down(7)], opened, config, true).seen).toEqual([]);
    expect(feed([down(4), down(5), down(6)], opened).seen).toEqual(["recover:rollback"]);
  });

  it("each `threshold` more failures take the next step, then it asks and stops", () => {
    const checks = Array.from({ length: 12 }, (_, n) => down(n));
    expect(feed(checks).seen).toEqual(["open", "recover:restart", "recover:rollback", "recover:ask"]);
  });

  it("never passes maxAttempts automatic steps in the window: it asks instead", () => {
    const cfg = { ...config, policy: ["restart", "restart", "restart", "restart"] as JudgeConfig["policy"] };
    const checks = Array.from({ length: 15 }, (_, n) => down(n));
    expect(feed(checks, NO_HEALTH, cfg).seen).toEqual([
      "open",
      "recover:restart",
      "recover:restart",
      "recover:ask",
    ]);
  });

  it("attempts older than the window do not count", () => {
    const opened = feed([down(1), down(2), down(3)]).health;
    const old = { ...opened, attempts: [T0 - 7_200_000, T0 - 7_100_000] };
    expect(nextStep(old, T0 + 10_000, config).decisions).toEqual([{ kind: "recover", step: "rollback" }]);
  });

  it("counts 2xx as healthy and anything else, or no answer, as failed", () => {
    const statuses = [204, 301, 404, 500];
    const verdicts = statuses.map(
      (status) =>
        judge(NO_HEALTH, { ...up(0), status }, T0, { ...config, threshold: 1 }, () => "i").decisions.length,
    );
    expect(verdicts).toEqual([0, 2, 2, 2]);
  });
});

describe("history", () => {
  it("percentiles by nearest rank", () => {
    const samples = Array.from({ length: 100 }, (_, n) => 100 - n);
    expect([percentile(samples, 50), percentile(samples, 95), percentile(samples, 99)]).toEqual([50, 95, 99]);
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 99)).toBe(7);
  });

  it("is due to be written every FLUSH_EVERY checks and on each failure", () => {
    let stats = emptyDay(T0);
    const due: number[] = [];
    for (let n = 1; n <= 2 * FLUSH_EVERY; n++) {
      const recorded = recordCheck(stats, T0 + n, { latencyMs: n, healthy: n !== 3 });
      stats = recorded.write ? { ...recorded.stats, unwritten: 0 } : recorded.stats;
      if (recorded.write) due.push(n);
    }
    expect(due).toEqual([3, 3 + FLUSH_EVERY]);
    expect(stats).toMatchObject({ day: "2026-12-03", checks: 2 * FLUSH_EVERY, failures: 1 });
  });

  it("hands back the day that ended when a check starts the next", () => {
    const today = recordCheck(emptyDay(T0), T0, { latencyMs: 5, healthy: true }).stats;
    const tomorrow = recordCheck(today, T0 + 86_400_000, { latencyMs: 9, healthy: false });
    expect(tomorrow.ended).toMatchObject({ day: "2026-12-03", checks: 1, failures: 0, latencies: [5] });
    expect(tomorrow.stats).toMatchObject({ day: "2026-12-04", checks: 1, failures: 1, latencies: [9] });
  });

  it("adds a watch's days: the same day's checks to it, a later day's after handing it back", () => {
    const today = recordCheck(emptyDay(T0), T0, { latencyMs: 5, healthy: true }).stats;
    const same = recordWatch(today, [{ day: "2026-12-03", checks: 3, failures: 1, latencies: [6, 7, 8] }]);
    expect(same.ended).toEqual([]);
    expect(same.stats).toMatchObject({ day: "2026-12-03", checks: 4, failures: 1, latencies: [5, 6, 7, 8] });
    const across = recordWatch(same.stats, [
      { day: "2026-12-03", checks: 1, failures: 0, latencies: [9] },
      { day: "2026-12-04", checks: 2, failures: 2, latencies: [1, 2] },
    ]);
    expect(across.ended).toEqual([expect.objectContaining({ day: "2026-12-03", checks: 5, failures: 1 })]);
    expect(across.stats).toMatchObject({ day: "2026-12-04", checks: 2, failures: 2, latencies: [1, 2] });
    // An executor's clock behind the monitor's at midnight: its day counts in the monitor's.
    const behind = recordWatch(across.stats, [{ day: "2026-12-03", checks: 1, failures: 0, latencies: [3] }]);
    expect(behind).toMatchObject({ ended: [], stats: { day: "2026-12-04", checks: 3 } });
  });
});
