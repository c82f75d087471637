/**
 * What the hub does with each frame an executor sends. Handling is synchronous (no awaits), so a
 * frame's storage writes land together; slower follow-ups (archiving, event delivery) go to
 * `waitUntil`.
 */
import {
  CloseCode,
  decode,
  ExecutorMessage,
  type FinalStatus,
  jobKinds,
  type RunningJob,
} from "@codegen-orchestrator/shared";
import type { Dispatcher } from "./dispatcher.ts";
import type { HubParts } from "./hub-parts.ts";
import type { JobRow } from "./job-store.ts";
import { reconcile } from "./leases.ts";
import { SEGMENT_BYTES } from "./log-store.ts";
import { clampProfile } from "./policy.ts";
import { type Attachment, attachmentOf, closeReason, sendTo } from "./sockets.ts";

type Message<Type extends ExecutorMessage["type"]> = Extract<ExecutorMessage, { type: Type }>;

/** How a result ends its job: what the executor reported, unless its output does not fit the kind. */
function outcomeOf(job: JobRow, result: Message<"result">) {
  let status: FinalStatus = result.status;
  let error = result.error ?? null;
  let output: string | null = null;
  const costUsd = result.costUsd ?? null;
  if (result.output !== undefined) {
    const parsed = jobKinds[job.kind].result.safeParse(result.output);
    if (parsed.success) output = JSON.stringify(parsed.data);
    else {
      status = "failed";
      error = `The executor sent an invalid ${job.kind} result: ${parsed.error.issues[0]?.message}`;
    }
  }
  return { status, output, error, costUsd };
}

export class ExecutorFrames {
  readonly #parts: HubParts;
  readonly #dispatcher: Dispatcher;
  /** When each executor's "last seen" was last written (in memory: a lost entry costs one write). */
  readonly #seenWritten = new Map<string, number>();

  constructor(parts: HubParts, dispatcher: Dispatcher) {
    this.#parts = parts;
    this.#dispatcher = dispatcher;
  }

  handle(ws: WebSocket, frame: string | ArrayBuffer): void {
    const attachment = attachmentOf(ws);
    const decoded = decode(ExecutorMessage, frame);
    if (decoded.ok) this.#route(ws, attachment, decoded.message, Date.now());
    else if (decoded.code === "unsupported_version")
      ws.close(CloseCode.unsupportedVersion, closeReason(decoded.message));
    else this.#parts.sockets.strike(ws, attachment, decoded.code, decoded.message);
  }

  /** Hello and ping come first; everything else needs a hello on this socket. */
  #route(ws: WebSocket, attachment: Attachment, message: ExecutorMessage, now: number) {
    const { store, config, sockets } = this.#parts;
    const { executorId } = attachment;
    if (message.type === "hello") return this.#hello(ws, attachment, message, now);
    if (message.type === "ping") return sendTo(ws, { type: "pong", id: message.id });
    if (!attachment.ready) return sockets.strike(ws, attachment, "out_of_order", "Send hello first.");
    this.#markSeen(executorId, now);
    switch (message.type) {
      case "heartbeat":
        return store.renewLeases(executorId, message.running, now, config.leaseMs, config.renewBelowMs);
      case "accepted":
        return this.#accepted(ws, executorId, message, now);
      case "log":
        return this.#log(executorId, message);
      case "progress":
        return this.#progress(executorId, message, now);
      case "result":
        return this.#result(executorId, message, now);
      case "error":
        console.warn(JSON.stringify({ event: "executor_error", executorId, ...message }));
        return;
    }
  }

  /** "Last seen" needs seconds, not every frame: at most one write a second per executor. */
  #markSeen(executorId: string, now: number): void {
    if (now - (this.#seenWritten.get(executorId) ?? 0) < 1_000) return;
    this.#parts.profiles.seen(executorId, now);
    this.#seenWritten.set(executorId, now);
  }

  #hello(ws: WebSocket, attachment: Attachment, hello: Message<"hello">, now: number): void {
    const { store, profiles, sockets, config } = this.#parts;
    const { executorId } = attachment;
    const { profile, refused } = clampProfile(attachment.policy, hello);
    if (refused.length > 0)
      // A stolen token, or a misconfigured host: the admin's policy wins; the log says what was cut.
      console.warn(JSON.stringify({ event: "executor_claim_refused", executorId, refused }));
    profiles.save(executorId, profile, now);
    sockets.markReady(ws, attachment);
    sockets.sendCancels(reconcile(store, executorId, hello.running, config.leaseMs, now));
    sendTo(ws, {
      type: "welcome",
      executorId,
      heartbeatIntervalMs: config.heartbeatMs,
      leaseMs: config.leaseMs,
    });
    // An admin's drain outlives reconnects: remind the executor.
    if (profiles.all().get(executorId)?.draining) sendTo(ws, { type: "drain" });
    this.#dispatcher.dispatch();
  }

  #accepted(ws: WebSocket, executorId: string, message: RunningJob, now: number): void {
    const job = this.#parts.store.heldBy(executorId, message);
    if (job) this.#parts.store.markRunning(job.id, now, this.#parts.config.leaseMs);
    else sendTo(ws, { type: "cancel", ...message, reason: "not assigned to you" });
  }

  #log(executorId: string, message: Message<"log">): void {
    const { store, logs, archiver, waitUntil } = this.#parts;
    const job = store.heldBy(executorId, message);
    if (!job || !logs.append(job, message.attempt, message.seq, message.stream, message.chunk)) return;
    if (job.log_unarchived >= SEGMENT_BYTES) waitUntil(archiver.archive(job.id, false));
  }

  #progress(executorId: string, message: Message<"progress">, now: number): void {
    const job = this.#parts.store.heldBy(executorId, message);
    if (!job) return;
    const { message: text, percent } = message;
    this.#parts.store.setProgress(
      job.id,
      percent === undefined ? text : `${text} (${Math.round(percent)}%)`,
      now,
    );
  }

  /** Ends the job (unless the result is late), then archives its log, tells waiters, refills slots. */
  #result(executorId: string, message: Message<"result">, now: number): void {
    const { store, archiver, events, waitUntil } = this.#parts;
    const job = store.heldBy(executorId, message);
    if (job) {
      const { status, output, error, costUsd } = outcomeOf(job, message);
      store.finish(job.id, status, output, error, now, costUsd);
    } else {
      const { jobId, attempt } = message;
      console.warn(JSON.stringify({ event: "late_result_ignored", executorId, jobId, attempt }));
    }
    waitUntil(archiver.archive(message.jobId, true));
    waitUntil(events.deliver(now));
    this.#dispatcher.dispatch();
  }
}
