/**
 * The ExecutorHub Durable Object: one per pool. Executors dial in over WebSockets (hibernation
 * API); the hub keeps a persisted job queue, assigns jobs to the least-loaded executor that has
 * the capability and labels, holds leases renewed by heartbeats, requeues the jobs of silent
 * executors, and accepts one result per (job, attempt).
 *
 * This class only wires the parts and exposes the Durable Object's handlers and RPC methods:
 * sockets.ts (the sockets), frames.ts (each executor frame), dispatcher.ts (assigning and sending
 * jobs), alarm.ts (the periodic sweep), job-requests.ts and executor-admin.ts (the API's calls).
 *
 *   const job = await executorHub(env).submit({ kind: "exec", spec: { command: ["echo", "hi"] }, … });
 */

import { DurableObject } from "cloudflare:workers";
import { type Db, database } from "../db/client.ts";
import { mintChatKey } from "../domain/api-keys.ts";
import type { Env } from "../env.ts";
import { githubTokens } from "../github/app.ts";
import { modelSettings } from "../settings/models.ts";
import { pipelineSettings } from "../settings/pipelines.ts";
import { secretSettings } from "../settings/secrets.ts";
import { HubAlarm } from "./alarm.ts";
import { hubConfig } from "./config.ts";
import { Dispatcher } from "./dispatcher.ts";
import { ExecutorAdmin, type LiveExecutor } from "./executor-admin.ts";
import { ExecutorProfiles } from "./executor-profiles.ts";
import { ExecutorFrames } from "./frames.ts";
import type { HubParts } from "./hub-parts.ts";
import { JobEvents } from "./job-events.ts";
import { type JobOutcomeRow, JobRequests } from "./job-requests.ts";
import { type ChatKeys, JobSecrets } from "./job-secrets.ts";
import { type JobRow, JobStore } from "./job-store.ts";
import { LogArchiver } from "./log-archiver.ts";
import { type LogRow, LogStore } from "./log-store.ts";
import { POLICY_HEADER, parsePolicy } from "./policy.ts";
import { attachmentOf, closeReason, ExecutorSockets, sendTo } from "./sockets.ts";
import type { JobRecord, SubmitJob } from "./views.ts";

export type { LiveExecutor };

/** One hub serves every pool today (jobs reach their pool by label); sharding by pool is planned. */
export const HUB_NAME = "default";
export const executorHub = (env: Env) => env.EXECUTOR_HUB.getByName(HUB_NAME);

/** The operator's secrets jobs may name by reference (`system` secrets): the model key and the deploy key. */
const systemSecrets = (env: Env) => ({
  ANTHROPIC_API_KEY: modelSettings.read(env).ANTHROPIC_API_KEY,
  DEPLOY_SSH_KEY: pipelineSettings.read(env).DEPLOY_SSH_KEY,
});

/** A chat member's key for one attempt of a chat's agent job: it lives until a minute past the deadline. */
const chatKeyMinter =
  (db: Db): ChatKeys =>
  (ref, job) =>
    mintChatKey(db, { ...ref, jobId: job.jobId, expiresAt: new Date(job.deadlineAt + 60_000) });

export class ExecutorHub extends DurableObject<Env> {
  readonly #sockets: ExecutorSockets;
  readonly #frames: ExecutorFrames;
  readonly #dispatcher: Dispatcher;
  readonly #alarm: HubAlarm;
  readonly #jobs: JobRequests;
  readonly #admin: ExecutorAdmin;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const store = new JobStore(ctx.storage.sql);
    // After the store: its trigger reads the jobs table.
    const events = new JobEvents(ctx.storage.sql, env);
    const logs = new LogStore(ctx.storage.sql);
    this.#sockets = new ExecutorSockets(ctx);
    const parts: HubParts = {
      store,
      profiles: new ExecutorProfiles(ctx.storage.sql),
      logs,
      archiver: new LogArchiver(logs, env.LOGS),
      events,
      sockets: this.#sockets,
      config: hubConfig(env),
      waitUntil: (promise) => ctx.waitUntil(promise),
    };
    const db = database(env.DB);
    const secrets = new JobSecrets(db, secretSettings.read(env).SECRETS_KEY, systemSecrets(env), {
      github: githubTokens(env),
      chatKeys: chatKeyMinter(db),
    });
    this.#alarm = new HubAlarm(ctx.storage, parts);
    this.#dispatcher = new Dispatcher(parts, secrets, () => this.#alarm.armIfNeeded());
    this.#frames = new ExecutorFrames(parts, this.#dispatcher);
    this.#jobs = new JobRequests(parts, this.#dispatcher);
    this.#admin = new ExecutorAdmin(parts, this.#dispatcher);
  }

  // ── WebSocket side ────────────────────────────────────────────────────────────────────────────

  /**
   * Only the Worker reaches this, after checking the executor's token; it names the executor and
   * what its admin allows it (see policy.ts).
   */
  override async fetch(request: Request): Promise<Response> {
    const executorId = request.headers.get("x-executor-id");
    const policy = parsePolicy(request.headers.get(POLICY_HEADER));
    if (!executorId || !policy || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authenticated WebSocket upgrade", { status: 400 });
    }
    return new Response(null, { status: 101, webSocket: this.#sockets.accept(executorId, policy) });
  }

  override async webSocketMessage(ws: WebSocket, frame: string | ArrayBuffer): Promise<void> {
    try {
      this.#frames.handle(ws, frame);
    } catch (err) {
      // A bug must cost one frame, not the hub: log it, tell the executor, keep serving.
      console.error(JSON.stringify({ event: "frame_failed", error: (err as Error).message }));
      sendTo(ws, { type: "error", code: "internal", message: "The hub failed on this frame." });
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    const { executorId } = attachmentOf(ws);
    console.log(JSON.stringify({ event: "executor_disconnected", executorId, code }));
    // Complete the closing handshake, or the executor waits for it until its own timeout.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, closeReason("closed"));
    } catch {
      // Already closed.
    }
    // Its jobs keep their leases: a quick reconnect resumes them; the alarm requeues the rest.
  }

  override async alarm(): Promise<void> {
    await this.#alarm.sweep();
    this.#dispatcher.dispatch();
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
    return this.#jobs.submitMany(inputs);
  }

  getJob(id: string, logAfter?: { attempt: number; seq: number }): JobRecord | null {
    return this.#jobs.get(id, logAfter);
  }

  /** A finished job's outcome without its log (for pipeline steps): status, result JSON, error. */
  outcome(id: string): JobOutcomeRow | null {
    return this.#jobs.outcome(id);
  }

  /** The job's status, or null when there is no such job. */
  status(id: string): JobRow["status"] | null {
    return this.#jobs.status(id);
  }

  /** The job's kind, or null when there is no such job. */
  kind(id: string): JobRow["kind"] | null {
    return this.#jobs.kind(id);
  }

  /** What a running job last said of its progress (`progress` frames), or null. */
  progress(id: string): string | null {
    return this.#jobs.progress(id);
  }

  /** The log chunks still in the hub after a position: the tail and what is not archived yet. */
  logAfter(id: string, attempt: number, seq: number, limit: number): LogRow[] {
    return this.#jobs.logAfter(id, attempt, seq, limit);
  }

  /** Queued: cancelled at once. Running: the executor is told to kill it and reports `cancelled`. */
  cancel(id: string): JobRecord | null {
    return this.#jobs.cancel(id);
  }

  executors(): LiveExecutor[] {
    return this.#admin.list();
  }

  /** Closes the executor's sockets (token revoked); its running jobs requeue when leases expire. */
  disconnect(executorId: string, reason: string): number {
    return this.#admin.disconnect(executorId, reason);
  }

  /** Sticky across reconnects: the executor gets no new work until resumed. */
  drain(executorId: string): void {
    this.#admin.drain(executorId);
  }

  resume(executorId: string): void {
    this.#admin.resume(executorId);
  }
}
