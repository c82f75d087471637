import { describe, expect, it } from "vitest";
import type { ExecutorProfile } from "../src/executors/job-store.ts";
import { freeSlots, pickExecutor } from "../src/executors/scheduling.ts";

const profile = (
  executorId: string,
  capacity: number,
  labels: Record<string, string> = {},
): ExecutorProfile => ({
  executorId,
  capabilities: ["exec"],
  labels,
  capacity,
  draining: false,
  lastSeenAt: 0,
});
const candidates = [profile("a", 2), profile("b", 8, { zone: "eu" }), profile("c", 4)].map((p) => ({
  profile: p,
  handle: p.executorId,
}));
const job = (labels: Record<string, string> = {}) => ({ kind: "exec" as const, labels });

describe("scheduling", () => {
  it("picks the least loaded by share of capacity", () => {
    const loads = new Map([
      ["a", 1],
      ["b", 2],
      ["c", 2],
    ]);
    expect(pickExecutor(job(), candidates, loads)?.handle).toBe("b");
    expect(freeSlots(candidates, loads)).toBe(1 + 6 + 2);
  });

  it("requires every label, a free slot and the capability", () => {
    const loads = new Map([["b", 8]]);
    expect(pickExecutor(job({ zone: "eu" }), candidates, loads)).toBeUndefined();
    expect(pickExecutor(job({ zone: "eu" }), candidates, new Map())?.handle).toBe("b");
    const noExec = [{ profile: { ...profile("d", 9), capabilities: ["ansible"] }, handle: "d" }];
    expect(pickExecutor(job(), noExec, new Map())).toBeUndefined();
  });
});
