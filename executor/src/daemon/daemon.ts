/**
 * The executor daemon: takes jobs from its hub, runs each in its own workdir with the kind's
 * runner, streams logs, and reports each result once the hub can take it. Results survive
 * disconnects (kept until sent, and the jobs are listed as running on reconnect so the hub keeps
 * them). SIGTERM drains: no new work, running jobs get a grace period, the rest are handed back.
 * A job that runs code on this host runs as a user of its own, who owns its workdir; when it
 * ends, that user's processes are killed, and the user goes back to the pool (job-users.ts).
 */
import {
  type ExecutorMessage,
  encode,
  type HubMessage,
  type Outgoing,
  type RunningJob,
} from "@codegen-orchestrator/shared";
import type { Logger } from "pino";
import { sweepOrphanContainers } from "../containers/sweep.ts";
import type { JobUsers } from "../process/job-users.ts";
import { detectCapabilities } from "./capabilities.ts";
import { HubConnection } from "./connection.ts";
import { prepareDataDir } from "./data-dir.ts";
import { JobTable } from "./job-table.ts";
import { type Assign, runAssigned } from "./run-job.ts";

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
  /** Images for the engines inside `dockerInside` test containers (--docker-inside-images). */
  dockerImagesDir?: string | undefined;
  /** The users jobs that run code on this host run as. */
  jobUsers: JobUsers;
  log: Logger;
  /** Called once when the hub refuses this executor for good. */
  onFatal?: (reason: string) => void;
}

/** On shutdown, how long to wait for the hub to confirm the last results. */
const CONFIRM_WAIT_MS = 3_000;
/** How often the host is looked at again: expired containers swept, capabilities re-detected. */
const HOUSEKEEPING_MS = 10 * 60_000;

export class Daemon {
  readonly #connection: HubConnection;
  /** The jobs, and what the hub is owed about them; frames go out only once welcomed. */
  readonly #jobs = new JobTable((frame) => this.#welcomed && this.#connection.send(frame));
  #welcomed = false;
  #draining = false;
  /** Aborted when the drain starts: jobs that can end early (watches) do. */
  readonly #drainStarted = new AbortController();
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
    return this.#jobs.running;
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
    this.#drainStarted.abort();
    this.#hello();
    const timedOut = await Promise.race([
      this.#jobs.allDone.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref()),
    ]);
    if (timedOut) {
      const handedBack = this.#jobs.handBackRunning();
      this.options.log.warn({ jobs: handedBack.jobIds }, "grace period over: handing jobs back");
      await handedBack.ended;
    }
    this.#jobs.flush();
    // Wait (a little) for the hub to confirm the last results, so none is left to a lease.
    for (let waited = 0; this.#jobs.size > 0 && waited < CONFIRM_WAIT_MS; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.#hello(); // Without the handed-back jobs: the hub requeues them now.
    clearInterval(this.#heartbeat);
    await this.#connection.stop();
  }

  #send(message: Outgoing<ExecutorMessage>): boolean {
    return this.#welcomed && this.#connection.send(encode(message));
  }

  #hello(): void {
    this.#welcomed = false;
    this.#jobs.unconfirmAll();
    this.#connection.send(
      encode({
        type: "hello",
        agent: AGENT,
        capabilities: this.#capabilities,
        labels: this.options.labels,
        capacity: this.#draining ? 0 : this.options.capacity,
        running: this.#jobs.kept,
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
        this.#jobs.flush();
        return;
      case "assign":
        void this.#run(message);
        return;
      case "cancel":
        if (this.#jobs.cancel(message.jobId, message.attempt))
          this.options.log.info({ jobId: message.jobId, reason: message.reason }, "cancelling job");
        return;
      case "drain":
        // The hub holds an admin's drain (and its resume); the daemon only reports it.
        this.options.log.info("drained by the hub: it sends no new jobs until the executor is resumed");
        return;
      case "pong":
        this.#jobs.confirm(message.id);
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
    const job = this.#jobs.add(jobId, attempt);
    this.#send({ type: "accepted", jobId, attempt });
    const log = this.options.log.child({ jobId, attempt, kind });
    log.info("job started");
    const { dataDir, templatesDir, ansibleDir, dockerImagesDir, jobUsers } = this.options;
    const outcome = await runAssigned(
      assign,
      {
        dataDir,
        templatesDir,
        orchestratorUrl: this.options.url,
        ansibleDir,
        dockerImagesDir,
        jobUsers,
        signal: job.controller.signal,
        draining: this.#drainStarted.signal,
        log: (stream, chunk) => this.#jobs.log(job, stream, chunk),
        progress: (message, percent) => this.#jobs.progress(job, message, percent),
      },
      log,
    );
    log.info({ status: outcome.status }, "job ended");
    this.#jobs.end(job, outcome);
  }
}
