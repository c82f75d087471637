/**
 * The ExecutorHub Durable Object: one per pool. Executors dial in over WebSockets (hibernation
 * API); the hub keeps a persisted job queue, assigns jobs to the least-loaded executor that has
 * the capability and labels, holds leases renewed by heartbeats, requeues the jobs of silent
 * executors, and accepts one result per (job, attempt).
 *
 *   const job = await executorHub(env).submit({ kind: "exec", spec: { command: ["echo", "hi"] }, … });
 */

import { DurableObject } from "cloudflare:workers";
import {
  CloseCode,
  decode,
  ExecutorMessage,
  encode,
  type HubMessage,
  jobKinds,
  type Outgoing,
  type RunningJob,
  requiredCapabilities,
} from "@codegen-orchestrator/shared";
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { newId } from "../ids.ts";
import { hubConfig } from "./config.ts";
import { JobEvents } from "./job-events.ts";
import { describeRef, type JobSecretRef, JobSecrets, type Opened, refKey } from "./job-secrets.ts";
import { ACTIVE, type ExecutorProfile, type JobRow, JobStore } from "./job-store.ts";
import { type CancelOrder, reconcile, sweepLeases } from "./leases.ts";
import { LogArchiver } from "./log-archiver.ts";
import { type LogRow, LogStore, SEGMENT_BYTES } from "./log-store.ts";
import { type Candidate, freeSlots, pickExecutor } from "./scheduling.ts";
import type { JobRecord, SubmitJob } from "./views.ts";

/** One pool for now; more pools shard load (one hub each). */
export const HUB_NAME = "default";
export const executorHub = (env: Env) => env.EXECUTOR_HUB.getByName(HUB_NAME);

/** Per socket, survives hibernation. Kept small: the profile lives in storage. */
interface Attachment {
  executorId: string;
  ready: boolean;
  strikes: number;
}

const MAX_STRIKES = 20;
const DISPATCH_BATCH = 500;

type AssignFrame = Outgoing<Extract<HubMessage, { type: "assign" }>>;

/** A job assigned in the store whose `assign` frame waits for its secrets to be read and opened. */
interface PendingAssign {
  frame: AssignFrame;
  refs: Record<string, JobSecretRef>;
  executorId: string;
  handle: WebSocket;
}

const attemptKey = ({ jobId, attempt }: RunningJob) => `${jobId}#${attempt}`;

export interface LiveExecutor extends ExecutorProfile {
  connected: boolean;
  running: number;
}

export class ExecutorHub extends DurableObject<Env> {
  readonly #store: JobStore;
  readonly #events: JobEvents;
  readonly #logs: LogStore;
  /** When each executor's "last seen" was last written (in memory: a lost entry costs one write). */
  readonly #seenWritten = new Map<string, number>();
  /** Known to have an alarm set: spares a storage read on every dispatch. Reset when it fires. */
  #alarmArmed = false;
  readonly #archiver: LogArchiver;
  readonly #config: ReturnType<typeof hubConfig>;
  readonly #secrets: JobSecrets;
  /** Jobs (by id and attempt) assigned in the store whose `assign` waits for secrets. In memory. */
  readonly #awaitingSecrets = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new JobStore(ctx.storage.sql);
    this.#events = new JobEvents(ctx.storage.sql, env);
    this.#logs = new LogStore(ctx.storage.sql);
    this.#archiver = new LogArchiver(this.#logs, env.LOGS);
    this.#config = hubConfig(env);
    this.#secrets = new JobSecrets(database(env.DB), env.SECRETS_KEY, {
      ANTHROPIC_API_KEY: env.ANTHROPIC_API_KEY,
      DEPLOY_SSH_KEY: env.DEPLOY_SSH_KEY,
    });
  }

  // ── WebSocket side ────────────────────────────────────────────────────────────────────────────

  /** Only the Worker reaches this, after checking the executor's token; it names the executor. */
  override async fetch(request: Request): Promise<Response> {
    const executorId = request.headers.get("x-executor-id");
    if (!executorId || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authenticated WebSocket upgrade", { status: 400 });
    }
    for (const old of this.ctx.getWebSockets(executorId)) {
      old.close(CloseCode.replaced, "Replaced by a newer connection of the same executor.");
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [executorId]);
    server.serializeAttachment({ executorId, ready: false, strikes: 0 } satisfies Attachment);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, frame: string | ArrayBuffer): Promise<void> {
    try {
      await this.#onFrame(ws, frame);
    } catch (err) {
      // A bug must cost one frame, not the hub: log it, tell the executor, keep serving.
      console.error(JSON.stringify({ event: "frame_failed", error: (err as Error).message }));
      this.#sendTo(ws, { type: "error", code: "internal", message: "The hub failed on this frame." });
    }
  }

  /** Handles one frame; synchronous inside (no awaits), so its storage writes land together. */
  async #onFrame(ws: WebSocket, frame: string | ArrayBuffer): Promise<void> {
    const attachment = ws.deserializeAttachment() as Attachment;
    const decoded = decode(ExecutorMessage, frame);
    if (!decoded.ok) {
      if (decoded.code === "unsupported_version")
        return ws.close(CloseCode.unsupportedVersion, decoded.message);
      return this.#strike(ws, attachment, decoded.code, decoded.message);
    }
    const message = decoded.message;
    const now = Date.now();
    if (message.type === "hello") return this.#hello(ws, attachment, message, now);
    if (message.type === "ping") return this.#sendTo(ws, { type: "pong", id: message.id });
    if (!attachment.ready) return this.#strike(ws, attachment, "out_of_order", "Send hello first.");
    // "Last seen" needs seconds, not every frame: at most one write a second per executor.
    if (now - (this.#seenWritten.get(attachment.executorId) ?? 0) >= 1_000) {
      this.#store.seen(attachment.executorId, now);
      this.#seenWritten.set(attachment.executorId, now);
    }
    switch (message.type) {
      case "heartbeat":
        this.#store.renewLeases(attachment.executorId, message.running, now, this.#config.leaseMs);
        return;
      case "accepted":
        return this.#accepted(ws, attachment, message, now);
      case "log": {
        const job = this.#store.heldBy(attachment.executorId, message);
        if (!job || !this.#logs.append(job, message.attempt, message.seq, message.stream, message.chunk))
          return;
        if (job.log_unarchived >= SEGMENT_BYTES) this.ctx.waitUntil(this.#archiver.archive(job.id, false));
        return;
      }
      case "progress": {
        const job = this.#store.heldBy(attachment.executorId, message);
        if (job) this.#store.setProgress(job.id, message.message, now);
        return;
      }
      case "result":
        this.#result(attachment.executorId, message, now);
        this.ctx.waitUntil(this.#archiver.archive(message.jobId, true));
        this.ctx.waitUntil(this.#events.deliver(now));
        return this.#dispatch();
      case "error":
        console.warn(
          JSON.stringify({ event: "executor_error", executorId: attachment.executorId, ...message }),
        );
        return;
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    const { executorId } = ws.deserializeAttachment() as Attachment;
    console.log(JSON.stringify({ event: "executor_disconnected", executorId, code }));
    // Complete the closing handshake, or the executor waits for it until its own timeout.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closed");
    } catch {
      // Already closed.
    }
    // Its jobs keep their leases: a quick reconnect resumes them; the alarm requeues the rest.
  }

  override async alarm(): Promise<void> {
    this.#alarmArmed = false;
    const { silent, cancels } = sweepLeases(this.#store, this.#config.leaseMs, Date.now());
    this.#sendCancels(cancels);
    // An executor silent past a lease is treated as gone: close its socket so that it reconnects
    // and reconciles, rather than handing it more work it may never answer.
    for (const executorId of silent) {
      for (const ws of this.ctx.getWebSockets(executorId)) {
        ws.close(CloseCode.silent, "Silent past the job lease.");
      }
    }
    // Archive what is left of quiet or finished jobs' logs (and retry failed writes).
    await Promise.all(this.#logs.jobsWithUnarchived().map((jobId) => this.#archiver.archive(jobId, true)));
    // Tell waiting workflows about jobs finished by the sweep, and retry refused deliveries.
    await this.#events.deliver(Date.now());
    this.#dispatch();
  }

  // ── RPC for the API ───────────────────────────────────────────────────────────────────────────

  /** Idempotent: the same key returns the job submitted first. */
  submit(input: SubmitJob): JobRecord {
    const [record] = this.submitMany([input]);
    if (!record) throw new Error("submitMany returned nothing");
    return record;
  }

  /** Queues many jobs with one dispatch pass; each is idempotent by its key. */
  submitMany(inputs: readonly SubmitJob[]): JobRecord[] {
    const records = inputs.map((input) => ({ job: this.#queue(input), log: [] }));
    this.#dispatch();
    // Re-read: dispatch may have assigned some already.
    return records.map(({ job }) => ({ job: this.#mustGet(job.id), log: [] }));
  }

  #queue(input: SubmitJob): JobRow {
    const existing = this.#store.byIdempotencyKey(input.idempotencyKey);
    if (existing) return existing;
    const now = Date.now();
    const id = newId();
    this.#store.insert({
      id,
      idempotency_key: input.idempotencyKey,
      kind: input.kind,
      spec: JSON.stringify(input.spec),
      labels: JSON.stringify(input.labels),
      secret_refs: JSON.stringify(input.secrets ?? {}),
      needs: JSON.stringify(requiredCapabilities(input.kind, input.spec)),
      notify: input.notify ? JSON.stringify(input.notify) : null,
      status: "queued",
      attempt: 1,
      max_attempts: input.maxAttempts ?? this.#config.maxAttempts,
      executor_id: null,
      lease_expires_at: null,
      timeout_ms: input.timeoutMs ?? this.#config.defaultTimeoutMs,
      deadline_at: null,
      created_at: now,
      updated_at: now,
    });
    return this.#mustGet(id);
  }

  getJob(id: string, logAfter?: { attempt: number; seq: number }): JobRecord | null {
    const job = this.#store.get(id);
    if (!job) return null;
    return { job, log: this.#logs.after(id, logAfter?.attempt, logAfter?.seq) };
  }

  /** A finished job's outcome without its log (for pipeline steps): status, result JSON, error. */
  outcome(id: string): Pick<JobRow, "status" | "result" | "error"> | null {
    const job = this.#store.get(id);
    return job ? { status: job.status, result: job.result, error: job.error } : null;
  }

  /** The job's status, or null when there is no such job. */
  status(id: string): JobRow["status"] | null {
    return this.#store.get(id)?.status ?? null;
  }

  /** The log chunks still in the hub after a position: the tail and what is not archived yet. */
  logAfter(id: string, attempt: number, seq: number, limit: number): LogRow[] {
    return this.#logs.after(id, attempt, seq, limit);
  }

  /** Queued: cancelled at once. Running: the executor is told to kill it and reports `cancelled`. */
  cancel(id: string): JobRecord | null {
    const job = this.#store.get(id);
    if (!job) return null;
    const now = Date.now();
    if (job.status === "queued")
      this.#store.finish(id, "cancelled", null, "cancelled before it started", now);
    else if (this.#awaitingSecrets.has(attemptKey({ jobId: id, attempt: job.attempt }))) {
      // Assigned, but its executor has not been sent it yet: nothing to kill, and its slot frees.
      this.#store.finish(id, "cancelled", null, "cancelled before it started", now);
      this.#dispatch();
    } else if (ACTIVE.includes(job.status)) {
      this.#store.requestCancel(id, now);
      this.#send(job.executor_id, {
        type: "cancel",
        jobId: id,
        attempt: job.attempt,
        reason: "cancelled by a user",
      });
    }
    this.ctx.waitUntil(this.#events.deliver(now));
    return { job: this.#mustGet(id), log: [] };
  }

  executors(): LiveExecutor[] {
    const loads = this.#store.loads();
    const connected = new Set(this.#readySockets().map(([, a]) => a.executorId));
    return [...this.#store.profiles().values()].map((profile) => ({
      ...profile,
      connected: connected.has(profile.executorId),
      running: loads.get(profile.executorId) ?? 0,
    }));
  }

  /** Closes the executor's sockets (token revoked); its running jobs requeue when leases expire. */
  disconnect(executorId: string, reason: string): number {
    const sockets = this.ctx.getWebSockets(executorId);
    for (const ws of sockets) ws.close(CloseCode.revoked, reason);
    return sockets.length;
  }

  drain(executorId: string): void {
    this.#store.setDraining(executorId, true);
    this.#send(executorId, { type: "drain" });
  }

  resume(executorId: string): void {
    this.#store.setDraining(executorId, false);
    this.#dispatch();
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────────

  #hello(
    ws: WebSocket,
    attachment: Attachment,
    hello: Extract<ExecutorMessage, { type: "hello" }>,
    now: number,
  ) {
    const { executorId } = attachment;
    const profile = {
      capabilities: hello.capabilities,
      labels: hello.labels,
      capacity: hello.capacity,
    };
    this.#store.saveProfile(executorId, profile, now);
    ws.serializeAttachment({ ...attachment, ready: true } satisfies Attachment);
    this.#sendCancels(reconcile(this.#store, executorId, hello.running, this.#config.leaseMs, now));
    this.#sendTo(ws, {
      type: "welcome",
      executorId,
      heartbeatIntervalMs: this.#config.heartbeatMs,
      leaseMs: this.#config.leaseMs,
    });
    // An admin's drain outlives reconnects: remind the executor.
    if (this.#store.profiles().get(executorId)?.draining) this.#sendTo(ws, { type: "drain" });
    this.#dispatch();
  }

  #accepted(ws: WebSocket, attachment: Attachment, message: RunningJob, now: number): void {
    const job = this.#store.heldBy(attachment.executorId, message);
    if (!job) {
      this.#sendTo(ws, { type: "cancel", ...message, reason: "not assigned to you" });
      return;
    }
    this.#store.markRunning(job.id, now, this.#config.leaseMs);
  }

  #result(executorId: string, message: Extract<ExecutorMessage, { type: "result" }>, now: number): void {
    const job = this.#store.heldBy(executorId, message);
    if (!job) {
      console.warn(
        JSON.stringify({
          event: "late_result_ignored",
          executorId,
          jobId: message.jobId,
          attempt: message.attempt,
        }),
      );
      return;
    }
    let status: JobRow["status"] = message.status;
    let error = message.error ?? null;
    let output: string | null = null;
    if (message.output !== undefined) {
      const parsed = jobKinds[job.kind].result.safeParse(message.output);
      if (parsed.success) output = JSON.stringify(parsed.data);
      else {
        status = "failed";
        error = `The executor sent an invalid ${job.kind} result: ${parsed.error.issues[0]?.message}`;
      }
    }
    this.#store.finish(job.id, status as "succeeded", output, error, now);
  }

  /**
   * Assigns queued jobs, oldest first, each to the least-loaded executor that fits it. A job with
   * secret references is assigned in the store now (so that no pass assigns it twice) and sent
   * once its secrets are read and opened; see #sendWithSecrets.
   */
  #dispatch(): void {
    const now = Date.now();
    const profiles = this.#store.profiles();
    const loads = this.#store.loads();
    const candidates: Candidate<WebSocket>[] = [];
    for (const [ws, attachment] of this.#readySockets()) {
      const profile = profiles.get(attachment.executorId);
      if (profile && !profile.draining) candidates.push({ profile, handle: ws });
    }
    // Nothing to scan when the fleet has no free slot; stop as soon as the slots run out.
    let free = freeSlots(candidates, loads);
    const pending: PendingAssign[] = [];
    if (free > 0) {
      for (const job of this.#store.queued(DISPATCH_BATCH)) {
        const needs = JSON.parse(job.needs) as string[];
        // Rows queued before `needs` was stored carry "[]": their kind's capability still applies.
        if (needs.length === 0) needs.push(jobKinds[job.kind].capability);
        const best = pickExecutor({ needs, labels: JSON.parse(job.labels) }, candidates, loads);
        if (!best) continue;
        const { executorId } = best.profile;
        this.#store.assign(job.id, executorId, now, this.#config.leaseMs, job.timeout_ms);
        loads.set(executorId, (loads.get(executorId) ?? 0) + 1);
        const frame: AssignFrame = {
          type: "assign",
          jobId: job.id,
          attempt: job.attempt,
          kind: job.kind,
          spec: JSON.parse(job.spec),
          deadlineAt: now + job.timeout_ms,
          secrets: {},
        };
        if (job.secret_refs === "{}") this.#sendTo(best.handle, frame);
        else {
          const refs = JSON.parse(job.secret_refs) as Record<string, JobSecretRef>;
          pending.push({ frame, refs, executorId, handle: best.handle });
          this.#awaitingSecrets.add(attemptKey(frame));
        }
        if (--free === 0) break;
      }
    }
    if (pending.length > 0) this.ctx.waitUntil(this.#sendWithSecrets(pending));
    if (!this.#alarmArmed) this.ctx.waitUntil(this.#armAlarm());
  }

  /**
   * Reads and opens the secrets of jobs just assigned, then sends each its `assign` frame. Other
   * messages run while this awaits D1, so after the await nothing is taken for granted: a job is
   * sent only if the same executor still holds it at the same attempt, still `assigned`, and its
   * socket is still open. A job requeued meanwhile (reconnect, lease) was or will be assigned again
   * as a new attempt, with its own pending send; a job cancelled meanwhile was finished by
   * `cancel`; a closed socket is left to the lease and reconcile paths, as a failed send is. The
   * checks and the send (or the finish) run with no await between them.
   */
  async #sendWithSecrets(pending: readonly PendingAssign[]): Promise<void> {
    try {
      const unique = new Map<string, JobSecretRef>();
      for (const { refs } of pending) for (const ref of Object.values(refs)) unique.set(refKey(ref), ref);
      let opened: Map<string, Opened>;
      try {
        opened = await this.#secrets.open([...unique.values()]);
      } catch (err) {
        // D1 failed (not the job's fault): back to the queue, an attempt spent; the alarm retries.
        console.error(JSON.stringify({ event: "job_secrets_unreadable", error: (err as Error).message }));
        const now = Date.now();
        for (const { frame, executorId } of pending) {
          const job = this.#store.heldBy(executorId, frame);
          if (job?.status === "assigned") this.#store.requeue(job, now, "the hub could not read its secrets");
        }
        return;
      }
      const now = Date.now();
      let freed = false;
      for (const { frame, refs, executorId, handle } of pending) {
        this.#awaitingSecrets.delete(attemptKey(frame));
        const job = this.#store.heldBy(executorId, frame);
        if (job?.status !== "assigned") continue;
        if (job.cancel_requested) {
          this.#store.finish(job.id, "cancelled", null, "cancelled before it started", now);
          freed = true;
          continue;
        }
        const values: Record<string, string> = {};
        let failure: string | null = null;
        for (const [envName, ref] of Object.entries(refs)) {
          const secret = opened.get(refKey(ref));
          if (!secret?.ok) {
            const why = secret?.why ?? "was not read";
            failure = `${describeRef(ref)} (for ${envName}) ${why}.`;
            break;
          }
          values[envName] = secret.value;
        }
        if (failure !== null) {
          console.warn(JSON.stringify({ event: "job_secrets_failed", jobId: job.id, error: failure }));
          this.#store.finish(job.id, "failed", null, failure, now);
          freed = true;
          continue;
        }
        if (handle.readyState !== WebSocket.OPEN) continue;
        this.#sendTo(handle, { ...frame, secrets: values });
      }
      if (freed) this.#dispatch();
    } finally {
      for (const { frame } of pending) this.#awaitingSecrets.delete(attemptKey(frame));
    }
  }

  /** While any job is queued or active, or logs await archiving, sweep a few times per lease. */
  async #armAlarm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) !== null) {
      this.#alarmArmed = true;
      return;
    }
    const busy =
      this.#store.active().length > 0 ||
      this.#store.hasQueued() ||
      this.#logs.jobsWithUnarchived().length > 0 ||
      this.#events.nextDue() !== null;
    if (busy) {
      this.#alarmArmed = true;
      await this.ctx.storage.setAlarm(Date.now() + this.#config.sweepMs);
    }
  }

  #readySockets(): [WebSocket, Attachment][] {
    return this.ctx
      .getWebSockets()
      .map((ws) => [ws, ws.deserializeAttachment() as Attachment] as [WebSocket, Attachment])
      .filter(([ws, a]) => a.ready && ws.readyState === WebSocket.OPEN);
  }

  #strike(ws: WebSocket, attachment: Attachment, code: string, message: string): void {
    const strikes = attachment.strikes + 1;
    ws.serializeAttachment({ ...attachment, strikes } satisfies Attachment);
    if (strikes > MAX_STRIKES) {
      ws.close(CloseCode.policy, `Too many protocol errors; last: ${message}`);
    } else {
      this.#sendTo(ws, { type: "error", code, message });
    }
  }

  #send(executorId: string | null, message: Outgoing<HubMessage>): void {
    if (!executorId) return;
    for (const ws of this.ctx.getWebSockets(executorId)) this.#sendTo(ws, message);
  }

  #sendCancels(cancels: readonly CancelOrder[]): void {
    for (const { executorId, ...cancel } of cancels) this.#send(executorId, { type: "cancel", ...cancel });
  }

  #sendTo(ws: WebSocket, message: Outgoing<HubMessage>): void {
    try {
      ws.send(encode(message));
    } catch {
      // The socket closed under us; leases and reconnects take care of the job.
    }
  }

  #mustGet(id: string): JobRow {
    const job = this.#store.get(id);
    if (!job) throw new Error(`job ${id} vanished`);
    return job;
  }
}
