/**
 * The local stack, as a library for `npm start` and the end-to-end tests: D1 migrations applied
 * to local state, the Worker under `wrangler dev` on 127.0.0.1, and executor daemons.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { buildExecutor } from "./build-executor.ts";

export const root = path.resolve(import.meta.dirname, "..");
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");
const READY_TIMEOUT_MS = 90_000;
// No telemetry or update checks: local runs need no network beyond loopback.
const quietEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false" };

export interface StackOptions {
  port: number;
  stateDir: string;
  inspectorPort?: number | undefined;
  /** Worker vars for this run (e.g. shorter leases in tests). */
  vars?: Record<string, string>;
  /** Worker secrets for this run: written to a 0600 env file in the state dir, never on argv. */
  secrets?: Record<string, string>;
  /** Where wrangler's output goes: the terminal, nowhere, or kept for `Worker.output()` (tests). */
  output?: "inherit" | "ignore" | "pipe";
}

export interface Worker {
  origin: string;
  api: string;
  adminKey: string;
  devVarsFile: string;
  /** wrangler's pid, which leads the process group workerd runs in (benchmarks read their CPU time). */
  pid: number | undefined;
  /** SIGTERM, then SIGKILL after a grace period; or SIGKILL at once. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
  /** Everything wrangler printed (the Worker's logs included), when started with `output: "pipe"`. */
  output(): string;
}

/** The dev secrets file: the repository's `.dev.vars`, or one generated once in the state dir. */
export function devVarsFile(stateDir: string): { file: string; generated: boolean } {
  const own = path.join(root, ".dev.vars");
  if (existsSync(own)) return { file: own, generated: false };
  const file = path.join(stateDir, "dev.vars");
  if (!existsSync(file)) {
    mkdirSync(stateDir, { recursive: true });
    const adminKey = `co_local_admin_${randomBytes(24).toString("base64url")}`;
    const secretsKey = randomBytes(32).toString("base64");
    writeFileSync(file, `ADMIN_API_KEY=${adminKey}\nSECRETS_KEY=${secretsKey}\n`, { mode: 0o600 });
  }
  return { file, generated: true };
}

function run(command: string, args: string[], output: "inherit" | "ignore"): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: quietEnv, stdio: ["ignore", output, output] });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.slice(0, 3).join(" ")} exited with ${code}`)),
    );
  });
}

/** Stops a detached child's whole process group, SIGKILL after `graceMs`. */
export async function stopGroup(
  child: ChildProcess,
  signal: NodeJS.Signals,
  graceMs = 10_000,
): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const kill = (s: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), s);
    } catch {
      // Gone already.
    }
  };
  kill(signal);
  const timer = setTimeout(() => kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

async function waitUntilHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`No answer from ${url} within ${READY_TIMEOUT_MS / 1000} s`);
}

export async function startWorker(options: StackOptions): Promise<Worker> {
  const output = options.output ?? "inherit";
  const setupOutput = output === "pipe" ? "ignore" : output;
  const persistTo = path.join(options.stateDir, "wrangler");
  const vars = devVarsFile(options.stateDir);
  const adminKey = parseEnv(readFileSync(vars.file, "utf8")).ADMIN_API_KEY;
  if (!adminKey) throw new Error(`${vars.file} has no ADMIN_API_KEY; see .dev.vars.example`);

  await run(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], setupOutput);
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(options.port), "--persist-to", persistTo];
  args.push("--show-interactive-dev-session=false");
  // GET /__scheduled?cron=… runs the cron handler (local only): tests run the sweeps when they choose.
  args.push("--test-scheduled");
  if (options.inspectorPort) args.push("--inspector-port", String(options.inspectorPort));
  // Named explicitly (also the repository's .dev.vars): a second --env-file must not hide it.
  args.push("--env-file", vars.file);
  if (options.secrets) {
    const file = path.join(options.stateDir, "secrets.env");
    const lines = Object.entries(options.secrets).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
    writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
    args.push("--env-file", file);
  }
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);
  const dev = await wranglerDev(args, "/api/v1/health", options.port, output);
  return { ...dev, api: `${dev.origin}/api/v1`, adminKey, devVarsFile: vars.file };
}

/** A `wrangler dev` on 127.0.0.1:`port` (its own process group), once `healthPath` answers 2xx. */
export async function wranglerDev(
  args: string[],
  healthPath: string,
  port: number,
  output: "inherit" | "pipe" | "ignore",
): Promise<Pick<Worker, "origin" | "pid" | "stop" | "exited" | "output">> {
  const child = spawn(wrangler, args, {
    cwd: root,
    env: quietEnv,
    stdio: ["ignore", output, output],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let printed = "";
  child.stdout?.on("data", (chunk) => {
    printed += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    printed += chunk;
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitUntilHealthy(`${origin}${healthPath}`, child);
  } catch (err) {
    await stopGroup(child, "SIGKILL");
    throw err;
  }
  return {
    origin,
    pid: child.pid,
    stop: (signal = "SIGTERM") => stopGroup(child, signal),
    exited,
    output: () => printed,
  };
}

export interface ExecutorOptions {
  origin: string;
  token: string;
  capacity: number;
  labels?: Record<string, string>;
  dataDir: string;
  /** Where relative template paths of copier jobs resolve (default: the repository's `templates`). */
  templatesDir?: string;
  graceMs?: number;
  /** Where the daemon's JSON log lines go. */
  output?: "inherit" | "ignore" | "pipe";
}

/** One executor daemon (the built bundle) as a child process; the token goes through its environment only. */
export function startExecutor(options: ExecutorOptions): ChildProcess {
  const args = [buildExecutor(), "executor", "--url", options.origin, "--capacity", String(options.capacity)];
  args.push("--data-dir", options.dataDir);
  args.push("--templates-dir", options.templatesDir ?? path.join(root, "templates"));
  args.push("--ansible-dir", path.join(root, "ansible"));
  const labels = Object.entries(options.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  if (labels.length > 0) args.push("--labels", labels.join(","));
  if (options.graceMs !== undefined) args.push("--grace-ms", String(options.graceMs));
  const output = options.output ?? "inherit";
  // A local stack runs as the developer: without root there are no job users, and its jobs run
  // as the developer (whose files they could read anyway), which the executor must be told.
  const sharedUid = process.getuid?.() === 0 ? {} : { ORCHESTRATOR_ALLOW_SHARED_UID_JOBS: "1" };
  return spawn(process.execPath, args, {
    cwd: root,
    env: { ...sharedUid, ...process.env, ORCHESTRATOR_EXECUTOR_TOKEN: options.token },
    stdio: ["ignore", output, output],
    detached: true,
  });
}

/** Admin call on the local API, for set-up steps. */
export async function adminCall<T>(
  worker: Worker,
  route: string,
  body?: unknown,
  method?: string,
): Promise<T> {
  const response = await fetch(`${worker.api}${route}`, {
    method: method ?? (body === undefined ? "GET" : "POST"),
    headers: { authorization: `Bearer ${worker.adminKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method ?? "POST"} ${route} → ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
