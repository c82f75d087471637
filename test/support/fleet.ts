/** A local Worker and executor daemons for end-to-end tests, all on 127.0.0.1, all cleaned up. */
import type { ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { adminCall, startExecutor, startWorker, stopGroup, type Worker } from "../../scripts/local-stack.ts";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface Job {
  id: string;
  status: string;
  attempt: number;
  executorId: string | null;
  preferExecutor: string | null;
  secrets: Record<string, unknown>;
  output: { exitCode: number | null; signal: string | null } | null;
  error: string | null;
  log: { attempt: number; seq: number; stream: string; chunk: string }[];
}

export class Fleet {
  worker!: Worker;
  readonly dir: string;
  readonly #port: number;
  readonly #vars: Record<string, string>;
  #secrets: Record<string, string> | undefined;
  #output: "ignore" | "pipe" = "ignore";
  readonly #daemons: ChildProcess[] = [];
  #counter = 0;

  private constructor(dir: string, port: number, vars: Record<string, string>) {
    this.dir = dir;
    this.#port = port;
    this.#vars = vars;
  }

  /** `output: "pipe"` keeps the Worker's output for `worker.output()`. */
  static async start(
    vars: Record<string, string> = {},
    secrets?: Record<string, string>,
    output: "ignore" | "pipe" = "ignore",
  ): Promise<Fleet> {
    // No Docker image of an agent or a toolchain here: the operator's opt-in to project code on the host.
    const withDefaults = { RUN_PROJECT_CODE_ON_HOST: "true", ...vars };
    const dir = await mkdtemp(path.join(tmpdir(), "co-fleet-"));
    // The daemons (root here) run jobs as users of their own, who must reach their workdirs in it.
    await chmod(dir, 0o711);
    const fleet = new Fleet(dir, await freePort(), withDefaults);
    fleet.#secrets = secrets;
    fleet.#output = output;
    await fleet.startWorker();
    return fleet;
  }

  /** (Re)starts the Worker on the same port and state. */
  async startWorker(): Promise<void> {
    this.worker = await startWorker({
      port: this.#port,
      stateDir: path.join(this.dir, "state"),
      inspectorPort: await freePort(),
      vars: this.#vars,
      ...(this.#secrets ? { secrets: this.#secrets } : {}),
      output: this.#output,
    });
  }

  call<T = any>(route: string, body?: unknown, method?: string): Promise<T> {
    return adminCall<T>(this.worker, route, body, method);
  }

  /** Registers an executor and starts its daemon; returns the daemon process and executor id. */
  async executor(capacity: number, labels: Record<string, string>, graceMs?: number) {
    const name = `e${this.#counter++}`;
    const created = await this.call<{ executor: { id: string }; token: string }>("/executors", { name });
    return this.#daemon(name, created.executor.id, created.token, capacity, labels, graceMs);
  }

  /** Starts an executor's daemon again (same id, token and data), e.g. after it was killed. */
  restart(executor: {
    name: string;
    id: string;
    token: string;
    capacity: number;
    labels: Record<string, string>;
  }) {
    return this.#daemon(executor.name, executor.id, executor.token, executor.capacity, executor.labels);
  }

  #daemon(
    name: string,
    id: string,
    token: string,
    capacity: number,
    labels: Record<string, string>,
    graceMs?: number,
  ) {
    const daemon = startExecutor({
      origin: this.worker.origin,
      token,
      capacity,
      labels,
      dataDir: path.join(this.dir, name),
      graceMs,
      output: "pipe",
    });
    this.#daemons.push(daemon);
    // Everything the daemon prints (JSON log lines), for tests that check what it says.
    let output = "";
    daemon.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    daemon.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => daemon.once("exit", (code) => resolve(code)));
    return { name, id, capacity, labels, daemon, exited, token, output: () => output };
  }

  submit(
    command: string[],
    labels: Record<string, string>,
    extra: Record<string, unknown> = {},
  ): Promise<Job> {
    return this.call<Job>("/jobs", { kind: "exec", spec: { command, ...extra }, labels });
  }

  job(id: string): Promise<Job> {
    return this.call<Job>(`/jobs/${id}`);
  }

  /** A job's whole log as text, all attempts (`GET /jobs/{id}/log`). */
  async log(id: string): Promise<string> {
    const response = await fetch(`${this.worker.api}/jobs/${id}/log`, {
      headers: { authorization: `Bearer ${this.worker.adminKey}` },
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`GET /jobs/${id}/log → ${response.status}: ${text}`);
    return text;
  }

  /** Polls until the job satisfies `done`, for at most `timeoutMs`. */
  async waitFor(id: string, done: (job: Job) => boolean, timeoutMs = 30_000): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.job(id);
      if (done(job)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.#daemons.map((daemon) => stopGroup(daemon, "SIGKILL")));
    await this.worker?.stop("SIGKILL");
    await rm(this.dir, { recursive: true, force: true });
  }
}

export const finished = (job: Job) => !["queued", "assigned", "running"].includes(job.status);
