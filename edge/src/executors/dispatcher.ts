/**
 * Dispatch: assigns queued jobs, oldest first, each to the least-loaded executor that fits it, and
 * sends their `assign` frames. A job with secret references is assigned in the store at once (so
 * that no pass assigns it twice) and sent once its secrets are read and opened; until then it is
 * "awaiting secrets" (in memory), which `cancel` needs to know: there is nothing to kill yet.
 */
import {
  type HubMessage,
  jobKinds,
  LIGHT_JOBS_PER_EXECUTOR,
  type Outgoing,
  POOL_LABEL,
  type RunningJob,
} from "@codegen-orchestrator/shared";
import type { ExecutorProfile } from "./executor-profiles.ts";
import type { HubParts } from "./hub-parts.ts";
import {
  type BoundRef,
  bindRef,
  describeRef,
  type JobSecretRef,
  type JobSecrets,
  type Opened,
  refKey,
} from "./job-secrets.ts";
import type { JobRow } from "./job-store.ts";
import { type Candidate, freeSlots, type Loads, pickExecutor, preferenceOf } from "./scheduling.ts";
import { sendTo } from "./sockets.ts";

const DISPATCH_BATCH = 500;

type AssignFrame = Outgoing<Extract<HubMessage, { type: "assign" }>>;

/** A job assigned in the store whose `assign` frame waits for its secrets to be read and opened. */
interface PendingAssign {
  frame: AssignFrame;
  refs: Record<string, JobSecretRef>;
  executorId: string;
  /** The pool the executor was assigned in (its admin's): a project's secrets go to its pool only. */
  pool: string | undefined;
  handle: WebSocket;
}

type ResolvedSecrets = { ok: true; values: Record<string, string> } | { ok: false; failure: string };

const attemptKey = ({ jobId, attempt }: RunningJob) => `${jobId}#${attempt}`;

/** Every capability the job needs from its executor. */
function needsOf(job: JobRow): string[] {
  const needs = JSON.parse(job.needs) as string[];
  // Rows queued before `needs` was stored carry "[]": their kind's capability still applies.
  if (needs.length === 0) needs.push(jobKinds[job.kind].capability);
  return needs;
}

function assignFrame(job: JobRow, now: number): AssignFrame {
  return {
    type: "assign",
    jobId: job.id,
    attempt: job.attempt,
    kind: job.kind,
    spec: JSON.parse(job.spec),
    deadlineAt: now + job.timeout_ms,
    secrets: {},
  };
}

/** Each secret the pending jobs reference, once. */
function uniqueRefs(pending: readonly PendingAssign[]): BoundRef[] {
  const unique = new Map<string, BoundRef>();
  for (const { refs, frame } of pending)
    for (const ref of Object.values(refs)) {
      const bound = bindRef(ref, frame);
      unique.set(refKey(bound), bound);
    }
  return [...unique.values()];
}

/**
 * The job's environment values, or why the first of its secrets could not be had. A project's
 * secret goes to its project's pool only, whatever the job's labels say.
 */
function resolveSecrets(
  { refs, frame }: Pick<PendingAssign, "refs" | "frame">,
  opened: Map<string, Opened>,
  executorPool: string | undefined,
): ResolvedSecrets {
  const values: Record<string, string> = {};
  for (const [envName, ref] of Object.entries(refs)) {
    const secret = opened.get(refKey(bindRef(ref, frame)));
    if (!secret?.ok) {
      const why = secret?.why ?? "was not read";
      return { ok: false, failure: `${describeRef(ref)} (for ${envName}) ${why}.` };
    }
    if (secret.pool !== undefined && secret.pool !== executorPool)
      return {
        ok: false,
        failure: `${describeRef(ref)} (for ${envName}) is not given to executors of pool ${executorPool ?? "(none)"}.`,
      };
    values[envName] = secret.value;
  }
  return { ok: true, values };
}

export class Dispatcher {
  readonly #parts: Pick<HubParts, "store" | "profiles" | "sockets" | "config" | "waitUntil">;
  readonly #secrets: JobSecrets;
  /** Runs after every pass: the hub's alarm must be set while work is in flight. */
  readonly #afterPass: () => void;
  /** Jobs (by id and attempt) assigned in the store whose `assign` waits for secrets. In memory. */
  readonly #awaitingSecrets = new Set<string>();

  constructor(
    parts: Pick<HubParts, "store" | "profiles" | "sockets" | "config" | "waitUntil">,
    secrets: JobSecrets,
    afterPass: () => void,
  ) {
    this.#parts = parts;
    this.#secrets = secrets;
    this.#afterPass = afterPass;
  }

  /** Assigned, but its executor has not been sent it yet. */
  isAwaitingSecrets(job: RunningJob): boolean {
    return this.#awaitingSecrets.has(attemptKey(job));
  }

  /** One pass over the queue; a job with secrets is sent later, see #sendWithSecrets. */
  dispatch(): void {
    const now = Date.now();
    const { candidates } = this.#fleet();
    const { store } = this.#parts;
    const pending: PendingAssign[] = [];
    // Heavy jobs: nothing to scan when the fleet has no free slot; stop as soon as the slots run out.
    const loads = store.loads();
    let free = freeSlots(candidates, loads);
    if (free > 0)
      for (const job of store.queued(DISPATCH_BATCH)) {
        if (!this.#place(job, candidates, loads, now, pending)) continue;
        if (--free === 0) break;
      }
    // Light jobs (a monitor's checks) have slots of their own: heavy work never holds them back.
    const lightLoads = store.loads(true);
    for (const job of store.queued(DISPATCH_BATCH, true))
      this.#place(job, candidates, lightLoads, now, pending, () => LIGHT_JOBS_PER_EXECUTOR);
    if (pending.length > 0) this.#parts.waitUntil(this.#sendWithSecrets(pending));
    this.#afterPass();
  }

  /** Assigns the job where it fits best, if anywhere; true when it was assigned. */
  #place(
    job: JobRow,
    candidates: Candidate<WebSocket>[],
    loads: Loads,
    now: number,
    pending: PendingAssign[],
    capacityOf?: (profile: ExecutorProfile) => number,
  ): boolean {
    const placeable = {
      needs: needsOf(job),
      labels: JSON.parse(job.labels),
      prefer: preferenceOf(job, now, this.#parts.config.preferWaitMs),
    };
    const best = pickExecutor(placeable, candidates, loads, capacityOf);
    if (!best) return false;
    const waiting = this.#assign(job, best, loads, now);
    if (waiting) pending.push(waiting);
    return true;
  }

  /** The executors that may take work (connected, said hello, not draining). */
  #fleet(): { candidates: Candidate<WebSocket>[] } {
    const profiles = this.#parts.profiles.all();
    const candidates: Candidate<WebSocket>[] = [];
    for (const [ws, attachment] of this.#parts.sockets.ready()) {
      const profile = profiles.get(attachment.executorId);
      if (profile && !profile.draining) candidates.push({ profile, handle: ws });
    }
    return { candidates };
  }

  /** Assigns the job in the store and sends it, or returns it to be sent once its secrets are open. */
  #assign(job: JobRow, to: Candidate<WebSocket>, loads: Loads, now: number): PendingAssign | null {
    const { executorId } = to.profile;
    this.#parts.store.assign(job.id, executorId, now, this.#parts.config.leaseMs, job.timeout_ms);
    loads.set(executorId, (loads.get(executorId) ?? 0) + 1);
    const frame = assignFrame(job, now);
    if (job.secret_refs === "{}") {
      sendTo(to.handle, frame);
      return null;
    }
    this.#awaitingSecrets.add(attemptKey(frame));
    return {
      frame,
      refs: JSON.parse(job.secret_refs),
      executorId,
      pool: to.profile.labels[POOL_LABEL],
      handle: to.handle,
    };
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
      let opened: Map<string, Opened>;
      try {
        opened = await this.#secrets.open(uniqueRefs(pending));
      } catch (err) {
        // D1 failed (not the job's fault): back to the queue, an attempt spent; the alarm retries.
        console.error(JSON.stringify({ event: "job_secrets_unreadable", error: (err as Error).message }));
        this.#requeueStillAssigned(pending, Date.now());
        return;
      }
      const now = Date.now();
      let freed = false;
      for (const assign of pending) {
        this.#awaitingSecrets.delete(attemptKey(assign.frame));
        if (this.#sendOrEnd(assign, opened, now)) freed = true;
      }
      if (freed) this.dispatch();
    } finally {
      for (const { frame } of pending) this.#awaitingSecrets.delete(attemptKey(frame));
    }
  }

  #requeueStillAssigned(pending: readonly PendingAssign[], now: number): void {
    for (const { frame, executorId } of pending) {
      const job = this.#parts.store.heldBy(executorId, frame);
      if (job?.status === "assigned")
        this.#parts.store.requeue(job, now, "the hub could not read its secrets");
    }
  }

  /**
   * Sends the job its frame with its secrets if it is still due, or ends it (cancelled meanwhile,
   * or a secret could not be had). True when it ended: its slot is free again.
   */
  #sendOrEnd(
    { frame, refs, executorId, pool, handle }: PendingAssign,
    opened: Map<string, Opened>,
    now: number,
  ) {
    const { store } = this.#parts;
    const job = store.heldBy(executorId, frame);
    if (job?.status !== "assigned") return false;
    if (job.cancel_requested) {
      store.finish(job.id, "cancelled", null, "cancelled before it started", now);
      return true;
    }
    const secrets = resolveSecrets({ refs, frame }, opened, pool);
    if (!secrets.ok) {
      console.warn(JSON.stringify({ event: "job_secrets_failed", jobId: job.id, error: secrets.failure }));
      store.finish(job.id, "failed", null, secrets.failure, now);
      return true;
    }
    if (handle.readyState === WebSocket.OPEN) sendTo(handle, { ...frame, secrets: secrets.values });
    return false;
  }
}
