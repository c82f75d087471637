/** Runs: one pass of a project's engineering or DevOps pipeline. */
import { z } from "zod";
import { Timestamp, Ulid } from "./common.ts";

export const RunKind = z.enum(["engineering", "devops"]);
export type RunKind = z.infer<typeof RunKind>;

export const RunStatus = z.enum(["queued", "running", "waiting", "succeeded", "failed", "cancelled"]);
export type RunStatus = z.infer<typeof RunStatus>;

/** A run still in progress: it blocks another run of the same kind on the same project. */
export const ACTIVE_RUN_STATUSES = ["queued", "running", "waiting"] as const satisfies RunStatus[];

export const Run = z
  .object({
    id: Ulid,
    projectId: Ulid,
    kind: RunKind,
    status: RunStatus,
    error: z.string().nullable(),
    createdAt: Timestamp,
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
  })
  .meta({ id: "Run" });
export type Run = z.infer<typeof Run>;

export const StartRun = z.strictObject({ kind: RunKind }).meta({ id: "StartRun" });

/** One step of a run's timeline. */
export const RunStep = z
  .object({
    name: z.string(),
    status: z.enum(["running", "succeeded", "failed", "skipped"]),
    jobId: z.string().nullable().describe("the executor job it ran: GET /jobs/{id}/log"),
    detail: z.record(z.string(), z.unknown()).nullable(),
    costUsd: z.number(),
    startedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    durationMs: z.number().nullable(),
  })
  .meta({ id: "RunStep" });
export type RunStep = z.infer<typeof RunStep>;
