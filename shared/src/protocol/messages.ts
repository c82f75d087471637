/**
 * The executor wire protocol, version 1: JSON text frames over a WebSocket that the executor
 * dials. Every frame carries `v`; a peer speaking another version is refused with a close reason.
 *
 * Executor → hub: hello, accepted, log, progress, result, heartbeat, ping, error.
 * Hub → executor: welcome, assign, cancel, drain, pong, error.
 */
import { z } from "zod";
import { Labels } from "../api/common.ts";
import { JobKind } from "./jobs.ts";

export const PROTOCOL_VERSION = 1;
/** Frames larger than this are refused: logs must be chunked. */
export const MAX_FRAME_BYTES = 256 * 1024;
export const MAX_LOG_CHUNK_CHARS = 64 * 1024;

/** WebSocket close codes used by the hub (4000–4999 are application codes). */
export const CloseCode = {
  /** The peer speaks an unsupported protocol version. */
  unsupportedVersion: 4000,
  /** The peer kept breaking the protocol. */
  policy: 1008,
  /** The executor's token was revoked. */
  revoked: 4003,
  /** Another connection of the same executor replaced this one. */
  replaced: 4004,
  /** The executor sent no heartbeat within a job's lease; reconnect and reconcile. */
  silent: 4008,
} as const;

const v = z.literal(PROTOCOL_VERSION);
const JobId = z.string().min(1).max(64);
const Attempt = z.number().int().min(1);
const RunningJob = z.strictObject({ jobId: JobId, attempt: Attempt });
export type RunningJob = z.infer<typeof RunningJob>;

export const JobStatus = z.enum([
  "queued",
  "assigned",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "lost",
]);
export type JobStatus = z.infer<typeof JobStatus>;
export const FinalStatus = z.enum(["succeeded", "failed", "cancelled", "timed_out"]);
export type FinalStatus = z.infer<typeof FinalStatus>;

// Executor → hub
export const Hello = z.strictObject({
  v,
  type: z.literal("hello"),
  agent: z.string().max(100),
  capabilities: z.array(z.string().max(64)).max(64),
  labels: Labels,
  capacity: z.number().int().min(0).max(1024),
  running: z.array(RunningJob).max(1024),
});
export const Accepted = z.strictObject({ v, type: z.literal("accepted"), jobId: JobId, attempt: Attempt });
export const Log = z.strictObject({
  v,
  type: z.literal("log"),
  jobId: JobId,
  attempt: Attempt,
  seq: z.number().int().min(0),
  stream: z.enum(["stdout", "stderr", "system"]),
  chunk: z.string().max(MAX_LOG_CHUNK_CHARS),
});
export const Progress = z.strictObject({
  v,
  type: z.literal("progress"),
  jobId: JobId,
  attempt: Attempt,
  message: z.string().max(2000),
  percent: z.number().min(0).max(100).optional(),
});
export const Result = z.strictObject({
  v,
  type: z.literal("result"),
  jobId: JobId,
  attempt: Attempt,
  status: FinalStatus,
  output: z.unknown().optional(),
  error: z.string().max(8000).optional(),
  costUsd: z.number().nonnegative().optional(),
});
export const Heartbeat = z.strictObject({
  v,
  type: z.literal("heartbeat"),
  running: z.array(RunningJob).max(1024),
});
/** A round trip through the hub's code (latency checks); answered with `pong` carrying the same id. */
export const Ping = z.strictObject({ v, type: z.literal("ping"), id: z.number().int() });
export const Pong = z.strictObject({ v, type: z.literal("pong"), id: z.number().int() });
export const PeerError = z.strictObject({
  v,
  type: z.literal("error"),
  code: z.string().max(64),
  message: z.string().max(2000),
});

export const ExecutorMessage = z.discriminatedUnion("type", [
  Hello,
  Accepted,
  Log,
  Progress,
  Result,
  Heartbeat,
  Ping,
  PeerError,
]);
export type ExecutorMessage = z.infer<typeof ExecutorMessage>;

// Hub → executor
export const Welcome = z.strictObject({
  v,
  type: z.literal("welcome"),
  executorId: z.string(),
  heartbeatIntervalMs: z.number().int().positive(),
  leaseMs: z.number().int().positive(),
});
export const Assign = z.strictObject({
  v,
  type: z.literal("assign"),
  jobId: JobId,
  attempt: Attempt,
  kind: JobKind,
  spec: z.unknown(),
  /** Epoch ms after which the executor must stop the job and report `timed_out`. */
  deadlineAt: z.number().int(),
  /** Values the job may use; never logged, never stored by the executor beyond the job. */
  secrets: z.record(z.string(), z.string()).default({}),
});
export const Cancel = z.strictObject({
  v,
  type: z.literal("cancel"),
  jobId: JobId,
  attempt: Attempt,
  reason: z.string().max(500),
});
export const Drain = z.strictObject({ v, type: z.literal("drain") });

export const HubMessage = z.discriminatedUnion("type", [Welcome, Assign, Cancel, Drain, Pong, PeerError]);
export type HubMessage = z.infer<typeof HubMessage>;

type Unversioned<T> = T extends unknown ? Omit<T, "v"> : never;
/** A message without its version field, for senders: `encode` adds it. */
export type Outgoing<T> = Unversioned<T>;

export function encode<T extends { type: string }>(message: T): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, ...message });
}

export type Decoded<T> =
  | { ok: true; message: T }
  | { ok: false; code: "too_large" | "malformed" | "unsupported_version" | "invalid"; message: string };

/** Parses one frame: size, JSON, version, then the schema, each failure with its own code. */
export function decode<T>(schema: z.ZodType<T>, frame: string | ArrayBuffer): Decoded<T> {
  if (typeof frame !== "string")
    return { ok: false, code: "malformed", message: "Binary frames are not part of the protocol." };
  if (frame.length > MAX_FRAME_BYTES) {
    return { ok: false, code: "too_large", message: `Frame exceeds ${MAX_FRAME_BYTES} bytes.` };
  }
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { ok: false, code: "malformed", message: "Frame is not JSON." };
  }
  const version = (value as { v?: unknown } | null)?.v;
  if (version !== PROTOCOL_VERSION) {
    return {
      ok: false,
      code: "unsupported_version",
      message: `Protocol version ${JSON.stringify(version)} is not supported; this peer speaks ${PROTOCOL_VERSION}.`,
    };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      code: "invalid",
      message: `Invalid message at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
    };
  }
  return { ok: true, message: parsed.data };
}
