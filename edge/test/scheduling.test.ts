import { AgentSpec, ContainerSpec, requiredCapabilities } from "@codegen-orchestrator/shared";
import { describe, expect, it } from "vitest";
import type { ExecutorProfile } from "../src/executors/executor-profiles.ts";
import { freeSlots, pickExecutor, preferenceOf } from "../src/executors/scheduling.ts";

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
const job = (labels: Record<string, string> = {}, needs = ["exec"]) => ({ needs, labels });

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

  it("measures a job against the capacity it is given (light jobs have their own)", () => {
    const full = new Map([
      ["a", 2],
      ["b", 8],
      ["c", 4],
    ]);
    expect(pickExecutor(job(), candidates, full)).toBeUndefined();
    expect(pickExecutor(job(), candidates, full, () => 32)?.handle).toBe("a");
  });

  it("sends a job to the executor it prefers, or keeps it queued while that one is full", () => {
    const prefers = (prefer: string, labels: Record<string, string> = {}) => ({ ...job(labels), prefer });
    // "c" is not the least loaded, but the job's workspace is there.
    expect(pickExecutor(prefers("c"), candidates, new Map([["c", 3]]))?.handle).toBe("c");
    // Full: the job waits for it rather than go elsewhere.
    expect(pickExecutor(prefers("c"), candidates, new Map([["c", 4]]))).toBeUndefined();
    // Gone (not a candidate), or no longer suited (labels): any executor that fits.
    expect(pickExecutor(prefers("gone"), candidates, new Map())?.handle).toBe("a");
    expect(pickExecutor(prefers("a", { zone: "eu" }), candidates, new Map())?.handle).toBe("b");
    expect(pickExecutor({ ...job(), prefer: null }, candidates, new Map([["a", 1]]))?.handle).toBe("b");
  });

  it("keeps a job's preference for a while after it was queued, then lets any executor take it", () => {
    const queued = { prefer_executor: "c", created_at: 1_000 };
    expect(preferenceOf(queued, 1_000 + 599_999, 600_000)).toBe("c");
    expect(preferenceOf(queued, 1_000 + 600_000, 600_000)).toBeNull();
    expect(preferenceOf({ prefer_executor: null, created_at: 1_000 }, 1_001, 600_000)).toBeNull();
    // Past it, a full preferred executor no longer holds the job back.
    const full = new Map([["c", 4]]);
    const prefer = preferenceOf(queued, 1_000 + 600_000, 600_000);
    expect(pickExecutor({ ...job(), prefer }, candidates, full)?.handle).toBe("a");
  });

  it("requires every label, a free slot and the capability", () => {
    const loads = new Map([["b", 8]]);
    expect(pickExecutor(job({ zone: "eu" }), candidates, loads)).toBeUndefined();
    expect(pickExecutor(job({ zone: "eu" }), candidates, new Map())?.handle).toBe("b");
    const noExec = [{ profile: { ...profile("d", 9), capabilities: ["ansible"] }, handle: "d" }];
    expect(pickExecutor(job(), noExec, new Map())).toBeUndefined();
  });

  it("requires every capability the job's spec adds: a Docker engine, or Sysbox", () => {
    const fleet = [
      { profile: { ...profile("plain", 4), capabilities: ["agent"] }, handle: "plain" },
      {
        profile: { ...profile("docker", 4), capabilities: ["agent", "container", "docker"] },
        handle: "docker",
      },
      {
        profile: { ...profile("sysbox", 4), capabilities: ["agent", "container", "docker", "sysbox"] },
        handle: "sysbox",
      },
    ];
    const agent = (isolation: string, container?: Record<string, unknown>) =>
      requiredCapabilities("agent", AgentSpec.parse({ prompt: "p", isolation, container }));
    const image = { image: "agents:1" };
    expect(agent("process")).toEqual(["agent"]);
    expect(agent("docker", image)).toEqual(["agent", "docker"]);
    expect(agent("sysbox", image)).toEqual(["agent", "sysbox"]);
    expect(agent("sysbox", { ...image, allowPlainDocker: true })).toEqual(["agent", "docker"]);
    const pick = (needs: string[]) =>
      pickExecutor(
        job({}, needs),
        fleet,
        new Map([
          ["plain", 0],
          ["docker", 1],
          ["sysbox", 2],
        ]),
      )?.handle;
    expect(pick(agent("process"))).toBe("plain");
    expect(pick(agent("docker", image))).toBe("docker");
    expect(pick(agent("sysbox", image))).toBe("sysbox");
    const inside = requiredCapabilities(
      "container",
      ContainerSpec.parse({ image: "x:1", command: ["true"], dockerInside: true }),
    );
    expect(inside).toEqual(["container", "sysbox"]);
    expect(pick(inside)).toBe("sysbox");
  });
});
