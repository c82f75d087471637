/**
 * The daemon's jobs from assign until the hub confirms their result, and what it owes the hub
 * about each: log frames that could not be sent yet (kept, bounded, while disconnected), its
 * progress (throttled, and dropped while disconnected: progress-throttle.ts), and the result,
 * kept until confirmed. The hub handles a socket's frames in order, so the pong to a ping sent
 * after a result proves the result was processed; until then a reconnect lists the job as
 * running and the result is sent again.
 */
import {
  type ExecutorMessage,
  encode,
  MAX_LOG_CHUNK_CHARS,
  type Outgoing,
  type RunningJob,
} from "@codegen-orchestrator/shared";
import type { RunOutcome } from "../jobs/runner.ts";
import { ProgressThrottle } from "./progress-throttle.ts";

type Frame<T extends ExecutorMessage["type"]> = Outgoing<Extract<ExecutorMessage, { type: T }>>;

/** Per job, log kept while disconnected; the hub keeps at most 1 MiB per job anyway. */
const MAX_PENDING_LOG_CHARS = 1024 * 1024;
/** The protocol's longest progress message. */
const MAX_PROGRESS_CHARS = 2000;

export interface TableJob {
  readonly jobId: string;
  readonly attempt: number;
  /** Aborted when the hub cancels the job or the daemon hands it back. */
  readonly controller: AbortController;
  /** Settles when the job has ended (its result kept, or dropped when handed back). */
  readonly done: Promise<void>;
}

interface JobState extends TableJob {
  seq: number;
  /** Log frames that could not be sent yet (disconnected), bounded by `MAX_PENDING_LOG_CHARS`. */
  pendingLogs: string[];
  pendingLogChars: number;
  /** Its progress frames, at most one a second. */
  progress: ProgressThrottle;
  /** Set when the job ended: the result frame, kept until the hub confirms it. */
  result: string | null;
  /** The ping sent after the result; null until sent on the current connection. */
  confirmedBy: number | null;
  /** Handed back on shutdown: its outcome is not reported, so the hub requeues it. */
  handedBack: boolean;
  ended: () => void;
}

export class JobTable {
  readonly #jobs = new Map<string, JobState>();
  /** Sends a frame if the hub can take it now (connected and welcomed); false otherwise. */
  readonly #send: (frame: string) => boolean;
  #pings = 0;

  constructor(send: (frame: string) => boolean) {
    this.#send = send;
  }

  get size(): number {
    return this.#jobs.size;
  }

  has(jobId: string): boolean {
    return this.#jobs.has(jobId);
  }

  /** Every job the daemon holds, handed back or not (what heartbeats renew). */
  get running(): RunningJob[] {
    return [...this.#jobs.values()].map(({ jobId, attempt }) => ({ jobId, attempt }));
  }

  /** The jobs a hello lists as running: not those handed back, which the hub is to requeue. */
  get kept(): RunningJob[] {
    return [...this.#jobs.values()]
      .filter((job) => !job.handedBack)
      .map(({ jobId, attempt }) => ({ jobId, attempt }));
  }

  /** Every job's `done`: what a drain waits for. */
  get allDone(): Promise<void> {
    return Promise.all([...this.#jobs.values()].map((job) => job.done)).then(() => {});
  }

  add(jobId: string, attempt: number): TableJob {
    let ended: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const job: JobState = {
      jobId,
      attempt,
      controller: new AbortController(),
      done,
      seq: 0,
      pendingLogs: [],
      pendingLogChars: 0,
      progress: new ProgressThrottle((frame) => this.#send(frame)),
      result: null,
      confirmedBy: null,
      handedBack: false,
      ended,
    };
    this.#jobs.set(jobId, job);
    return job;
  }

  /** Stops the attempt the hub cancels (not another attempt of the same job); whether there was one. */
  cancel(jobId: string, attempt: number): boolean {
    const job = this.#jobs.get(jobId);
    if (!job || job.attempt !== attempt) return false;
    job.controller.abort();
    return true;
  }

  /** Stops every job still running, whose outcome is then not reported: their ids, and when they have ended. */
  handBackRunning(): { jobIds: string[]; ended: Promise<void> } {
    const left = [...this.#jobs.values()].filter((job) => job.result === null);
    for (const job of left) {
      job.handedBack = true;
      job.controller.abort();
    }
    const ended = Promise.all(left.map((job) => job.done)).then(() => {});
    return { jobIds: left.map((job) => job.jobId), ended };
  }

  log(handle: TableJob, stream: "stdout" | "stderr" | "system", text: string): void {
    const job = this.#state(handle);
    if (!job) return;
    for (let offset = 0; offset < text.length; offset += MAX_LOG_CHUNK_CHARS) {
      const chunk = text.slice(offset, offset + MAX_LOG_CHUNK_CHARS);
      const frame = encode({
        type: "log",
        jobId: job.jobId,
        attempt: job.attempt,
        seq: job.seq++,
        stream,
        chunk,
      });
      // Behind earlier frames that wait, or not sent: it waits too (while there is room).
      if (job.pendingLogs.length > 0 || !this.#send(frame)) {
        if (job.pendingLogChars + chunk.length <= MAX_PENDING_LOG_CHARS) {
          job.pendingLogs.push(frame);
          job.pendingLogChars += chunk.length;
        }
      }
    }
  }

  /** How far the job has got (trimmed to what the protocol takes); throttled, never kept for later. */
  progress(handle: TableJob, message: string, percent?: number): void {
    const job = this.#state(handle);
    if (!job) return;
    const frame: Frame<"progress"> = {
      type: "progress",
      jobId: job.jobId,
      attempt: job.attempt,
      message: message.slice(0, MAX_PROGRESS_CHARS),
      ...(percent !== undefined && Number.isFinite(percent)
        ? { percent: Math.min(100, Math.max(0, percent)) }
        : {}),
    };
    job.progress.report(encode(frame));
  }

  /** The job ended: its result is kept and sent (unless it was handed back: then it is dropped). */
  end(handle: TableJob, outcome: RunOutcome): void {
    const job = this.#state(handle);
    if (!job) return;
    if (job.handedBack) {
      job.progress.drop();
      this.#jobs.delete(job.jobId);
    } else {
      job.progress.end();
      job.result = encode(resultFrame(job, outcome));
      this.flush();
    }
    job.ended();
  }

  /** The table's state of a job it handed out (not of a later job with the same id). */
  #state(handle: TableJob): JobState | undefined {
    const job = this.#jobs.get(handle.jobId);
    return job === handle ? job : undefined;
  }

  /** A new connection: results not confirmed on the old one are sent again on this one. */
  unconfirmAll(): void {
    for (const job of this.#jobs.values()) job.confirmedBy = null;
  }

  /** The hub answered ping `id`: every result sent before it was processed; those jobs leave the table. */
  confirm(id: number): void {
    for (const job of this.#jobs.values()) {
      if (job.confirmedBy !== null && job.confirmedBy <= id) this.#jobs.delete(job.jobId);
    }
  }

  /**
   * Sends what waited for a connection: logs, then results, then a ping; a job leaves the table
   * when the pong confirms its result.
   */
  flush(): void {
    const sent: JobState[] = [];
    for (const job of this.#jobs.values()) {
      let next = job.pendingLogs[0];
      while (next !== undefined && this.#send(next)) {
        job.pendingLogs.shift();
        next = job.pendingLogs[0];
      }
      if (job.pendingLogs.length === 0) job.pendingLogChars = 0;
      const ready = job.confirmedBy === null && job.pendingLogs.length === 0;
      if (ready && job.result !== null && this.#send(job.result)) sent.push(job);
    }
    if (sent.length === 0) return;
    const id = ++this.#pings;
    for (const job of sent) job.confirmedBy = id;
    this.#send(encode({ type: "ping", id }));
  }
}

function resultFrame(job: RunningJob, outcome: RunOutcome): Frame<"result"> {
  const { costUsd } = outcome;
  return {
    type: "result",
    jobId: job.jobId,
    attempt: job.attempt,
    status: outcome.status,
    output: outcome.output,
    ...(outcome.error ? { error: outcome.error } : {}),
    // The protocol takes a finite, non-negative cost: anything else is no figure at all.
    ...(costUsd !== undefined && Number.isFinite(costUsd) && costUsd >= 0 ? { costUsd } : {}),
  };
}
