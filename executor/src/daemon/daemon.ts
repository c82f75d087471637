/**
 * The executor daemon: takes jobs from its hub, runs each in its own workdir with the kind's
 * runner, streams logs, and reports each result once the hub can take it. Results survive
 * disconnects (kept until sent, and the jobs are listed as running on reconnect so the hub keeps
 * them). SIGTERM drains: no new work, running jobs get a grace period, the rest are handed back.
 * A job that runs code on this host runs as a user of its own, who owns its workdir; when it
 * ends, that user's processes are killed, and the user goes back to the pool (job-users.ts).
 */
import { chown, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import {
  type ExecutorMessage,
  encode,
  type HubMessage,
  MAX_LOG_CHUNK_CHARS,
  type Outgoing,
  type RunningJob,
} from "@codegen-orchestrator/shared";
import type { Logger } from "pino";
import { sweepOrphanContainers } from "../containers/sweep.ts";
import { parseJob } from "../jobs/registry.ts";
import type { RunContext, RunOutcome } from "../jobs/runner.ts";
import { runners } from "../kinds/index.ts";
import { type JobUser, type JobUsers, JobUserUnavailable } from "../process/job-users.ts";
import { detectCapabilities } from "./capabilities.ts";
import { HubConnection } from "./connection.ts";
import { prepareDataDir } from "./data-dir.ts";

export const AGENT = "orchestrator-executor/0.1.0";

export interface DaemonOptions {
  url: string;
  token: string;
  capacity: number;
  labels: Record<string, string>;
  dataDir: string;
  /** Where relative template paths of `copier` jobs resolve. */
  templatesDir: string;
  /** The playbooks `ansible` jobs run. */
  ansibleDir: string;
  /** The users jobs that run code on this host run as. */
  jobUsers: JobUsers;
  log: Logger;
  /** Called once when the hub refuses this executor for good. */
  onFatal?: (reason: string) => void;
}

interface JobState {
  jobId: string;
  attempt: number;
  controller: AbortController;
  seq: number;
  /** Log frames that could not be sent yet (disconnected), bounded by `MAX_PENDING_LOG_CHARS`. */
  pendingLogs: string[];
  pendingLogChars: number;
  /** Set when the job ended: the result frame, kept until the hub confirms it. */
  result: string | null;
  /**
   * The ping sent after the result: the hub handles a socket's frames in order, so its pong
   * proves the result was processed. Null until sent on the current connection.
   */
  confirmedBy: number | null;
  /** Handed back on shutdown: its outcome is not reported, so the hub requeues it. */
  handedBack: boolean;
  done: Promise<void>;
}

type Assign = Extract<HubMessage, { type: "assign" }>;
/** Per job, log kept while disconnected; the hub keeps at most 1 MiB per job anyway. */
const MAX_PENDING_LOG_CHARS = 1024 * 1024;
/** On shutdown, how long to wait for the hub to confirm the last results. */
const CONFIRM_WAIT_MS = 3_000;
/** How often the host is looked at again: expired containers swept, capabilities re-detected. */
const HOUSEKEEPING_MS = 10 * 60_000;

export class Daemon {
  readonly #jobs = new Map<string, JobState>();
  readonly #connection: HubConnection;
  #welcomed = false;
  #pings = 0;
  #draining = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #housekeeping: NodeJS.Timeout | undefined;
  /** What this host can run; re-detected periodically (an engine may come or go). */
  #capabilities: string[] = [];

  private readonly options: DaemonOptions;

  constructor(options: DaemonOptions) {
    this.options = options;
    this.#connection = new HubConnection({
      url: options.url,
      token: options.token,
      log: options.log,
      onOpen: () => this.#hello(),
      onMessage: (message) => this.#onMessage(message),
      onFatal: (reason) => {
        options.log.error({ reason }, "hub refused this executor; stopping");
        options.onFatal?.(reason);
      },
    });
  }

  get running(): RunningJob[] {
    return [...this.#jobs.values()].map(({ jobId, attempt }) => ({ jobId, attempt }));
  }

  async start(): Promise<void> {
    const { jobUsers, log } = this.options;
    await jobUsers.prepare();
    await prepareDataDir(this.options.dataDir, {
      forJobUsers: jobUsers.switchable,
      onLeftover: (pid) => log.warn({ pid }, "killed a job process group left by an earlier run"),
    });
    if (!jobUsers.switchable)
      log.warn(
        jobUsers.allowShared
          ? "jobs run as the executor's own user (--allow-shared-uid-jobs): they can read its token file and each other's files"
          : "this executor cannot switch users: jobs that run code on this host are refused (exec is not advertised); run it as root, or allow them with --allow-shared-uid-jobs",
      );
    this.#capabilities = await this.#detectCapabilities();
    log.info({ capabilities: this.#capabilities }, "capabilities detected");
    this.#sweep();
    this.#housekeeping = setInterval(() => void this.#housekeep(), HOUSEKEEPING_MS);
    this.#housekeeping.unref();
    this.#connection.start();
  }

  /**
   * Containers of jobs lost to a crash (or left by a killed daemon elsewhere on the engine), once
   * expired. In the background: the engine may be slow or absent, which is never fatal.
   */
  #sweep(): void {
    void sweepOrphanContainers({ log: this.options.log }).catch((error: Error) =>
      this.options.log.warn({ error: error.message }, "container sweep failed"),
    );
  }

  async #housekeep(): Promise<void> {
    this.#sweep();
    const now = await this.#detectCapabilities();
    if (now.join(",") === this.#capabilities.join(",")) return;
    this.options.log.info({ before: this.#capabilities, now }, "capabilities changed");
    this.#capabilities = now;
    if (this.#welcomed) this.#hello();
  }

  /** What this host can run; `exec` only where its processes can run at all (job-users.ts). */
  #detectCapabilities(): Promise<string[]> {
    return detectCapabilities({ hostProcesses: this.options.jobUsers.hostJobs });
  }

  /** Drain: take no new jobs, give running ones `graceMs`, hand the rest back, disconnect. */
  async shutdown(graceMs: number): Promise<void> {
    clearInterval(this.#housekeeping);
    this.#draining = true;
    this.#hello();
    const finished = Promise.all([...this.#jobs.values()].map((job) => job.done));
    const timedOut = await Promise.race([
      finished.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref()),
    ]);
    if (timedOut) {
      const left = [...this.#jobs.values()].filter((job) => job.result === null);
      this.options.log.warn({ jobs: left.map((j) => j.jobId) }, "grace period over: handing jobs back");
      for (const job of left) {
        job.handedBack = true;
        job.controller.abort();
      }
      await Promise.all(left.map((job) => job.done));
    }
    this.#flush();
    // Wait (a little) for the hub to confirm the last results, so none is left to a lease.
    for (let waited = 0; this.#jobs.size > 0 && waited < CONFIRM_WAIT_MS; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.#hello(); // Without the handed-back jobs: the hub requeues them now.
    clearInterval(this.#heartbeat);
    await this.#connection.stop();
  }

  get #jobsDir(): string {
    return path.join(this.options.dataDir, "jobs");
  }

  #send(message: Outgoing<ExecutorMessage>): boolean {
    return this.#welcomed && this.#connection.send(encode(message));
  }

  #hello(): void {
    this.#welcomed = false;
    // Results not confirmed on the old connection are sent again on this one.
    for (const job of this.#jobs.values()) job.confirmedBy = null;
    this.#connection.send(
      encode({
        type: "hello",
        agent: AGENT,
        capabilities: this.#capabilities,
        labels: this.options.labels,
        capacity: this.#draining ? 0 : this.options.capacity,
        running: [...this.#jobs.values()]
          .filter((j) => !j.handedBack)
          .map(({ jobId, attempt }) => ({ jobId, attempt })),
      }),
    );
  }

  #onMessage(message: HubMessage): void {
    switch (message.type) {
      case "welcome":
        this.#welcomed = true;
        clearInterval(this.#heartbeat);
        this.#heartbeat = setInterval(
          () => this.#send({ type: "heartbeat", running: this.running }),
          message.heartbeatIntervalMs,
        );
        this.#heartbeat.unref();
        this.#flush();
        return;
      case "assign":
        void this.#run(message);
        return;
      case "cancel": {
        const job = this.#jobs.get(message.jobId);
        if (job && job.attempt === message.attempt) {
          this.options.log.info({ jobId: job.jobId, reason: message.reason }, "cancelling job");
          job.controller.abort();
        }
        return;
      }
      case "drain":
        // The hub holds an admin's drain (and its resume); the daemon only reports it.
        this.options.log.info("drained by the hub: it sends no new jobs until the executor is resumed");
        return;
      case "pong":
        for (const job of this.#jobs.values()) {
          if (job.confirmedBy !== null && job.confirmedBy <= message.id) this.#jobs.delete(job.jobId);
        }
        return;
      case "error":
        this.options.log.warn(
          { code: message.code, reason: message.message },
          "hub reported a protocol error",
        );
        return;
    }
  }

  async #run(assign: Assign): Promise<void> {
    const { jobId, attempt, kind } = assign;
    if (this.#jobs.has(jobId)) return; // A duplicate assign of a job we already run.
    let resolveDone: () => void = () => {};
    const job: JobState = {
      jobId,
      attempt,
      controller: new AbortController(),
      seq: 0,
      pendingLogs: [],
      pendingLogChars: 0,
      result: null,
      confirmedBy: null,
      handedBack: false,
      done: new Promise((resolve) => {
        resolveDone = resolve;
      }),
    };
    this.#jobs.set(jobId, job);
    this.#send({ type: "accepted", jobId, attempt });
    const log = this.options.log.child({ jobId, attempt, kind });
    log.info("job started");
    let workdir: string | null = null;
    let user: JobUser | null = null;
    let outcome: RunOutcome;
    try {
      const parsed = parseJob(runners, kind, assign.spec);
      if (parsed.error !== undefined) {
        outcome = { status: "failed", output: undefined, error: parsed.error };
      } else {
        if (parsed.job.runsCodeOnHost) user = await this.options.jobUsers.acquire();
        workdir = await mkdtemp(path.join(this.#jobsDir, `${jobId}-${attempt}-`));
        // mkdtemp made it 0700: only the job's user enters it.
        if (user) await chown(workdir, user.uid, user.gid);
        const context: RunContext = {
          jobId,
          attempt,
          workdir,
          ...(user ? { user } : {}),
          deadlineAt: assign.deadlineAt,
          cacheDir: path.join(this.options.dataDir, "cache"),
          templatesDir: this.options.templatesDir,
          ansibleDir: this.options.ansibleDir,
          secrets: assign.secrets,
          signal: job.controller.signal,
          log: (stream, chunk) => this.#log(job, stream, chunk),
        };
        outcome = await parsed.job.run(context, (issue) =>
          log.error({ issue }, "runner produced an invalid result"),
        );
      }
    } catch (err) {
      const message = (err as Error).message;
      outcome = {
        status: "failed",
        output: undefined,
        error: err instanceof JobUserUnavailable ? message : `Runner crashed: ${message}`,
      };
    }
    await this.#cleanUp(log, workdir, user);
    log.info({ status: outcome.status }, "job ended");
    if (job.handedBack) {
      this.#jobs.delete(jobId);
    } else {
      job.result = encode({
        type: "result",
        jobId,
        attempt,
        status: outcome.status,
        output: outcome.output,
        ...(outcome.error ? { error: outcome.error } : {}),
      });
      this.#flush();
    }
    resolveDone();
  }

  /**
   * After a job: every process of its user killed (whatever left its process group), its workdir
   * removed, and only then its user free for another job. Never throws.
   */
  async #cleanUp(log: Logger, workdir: string | null, user: JobUser | null): Promise<void> {
    if (user) await user.stopProcesses().catch(() => false);
    if (workdir) {
      // A container may leave files the daemon's user cannot delete: say so, never crash on it.
      await rm(workdir, { recursive: true, force: true }).catch((err: Error) =>
        log.warn({ err: err.message, workdir }, "could not remove the job's workdir"),
      );
      await rm(`${workdir}.pid`, { force: true }).catch(() => {});
    }
    if (!user) return;
    const released = await this.options.jobUsers.release(user).catch(() => false);
    if (!released)
      log.error({ uid: user.uid }, "processes of the job's user would not die: its uid stays out of use");
  }

  #log(job: JobState, stream: "stdout" | "stderr" | "system", text: string): void {
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
      if (job.pendingLogs.length > 0 || !this.#welcomed || !this.#connection.send(frame)) {
        if (job.pendingLogChars + chunk.length <= MAX_PENDING_LOG_CHARS) {
          job.pendingLogs.push(frame);
          job.pendingLogChars += chunk.length;
        }
      }
    }
  }

  /**
   * Sends what waited for a connection: logs, then results, then a ping; a job leaves the table
   * when the pong confirms its result (until then, a reconnect lists it and resends the result).
   */
  #flush(): void {
    if (!this.#welcomed) return;
    const sent: JobState[] = [];
    for (const job of this.#jobs.values()) {
      while (job.pendingLogs.length > 0 && this.#connection.send(job.pendingLogs[0] as string)) {
        job.pendingLogs.shift();
      }
      if (job.pendingLogs.length === 0) job.pendingLogChars = 0;
      const ready = job.result && job.confirmedBy === null && job.pendingLogs.length === 0;
      if (ready && this.#connection.send(job.result as string)) sent.push(job);
    }
    if (sent.length === 0) return;
    const id = ++this.#pings;
    for (const job of sent) job.confirmedBy = id;
    this.#send({ type: "ping", id });
  }
}
