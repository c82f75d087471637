/**
 * One child process, run the way every runner needs it: its own process group (so cancel and
 * deadlines kill the whole tree), a clean environment (nothing of the daemon's leaks in), output
 * streamed to a log callback, a clear account of why it ended and, for a job's code, the job's own
 * user (process/job-users.ts).
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";

/** After SIGTERM, the tree gets this long to exit before SIGKILL. */
export const KILL_GRACE_MS = 3_000;

/** A uid and gid to run as (the gid is also the only group: see `user`). */
export interface ProcessUser {
  uid: number;
  gid: number;
}

export interface ProcessOptions {
  cwd: string;
  /** The whole environment of the child; PATH and LANG are added when missing. */
  env: Record<string, string>;
  stdin?: string;
  signal?: AbortSignal;
  /** Epoch ms: stop the tree then. */
  deadlineAt?: number;
  log?: (stream: "stdout" | "stderr" | "system", chunk: string) => void;
  /** Where to write the group id, so a restarted daemon can kill leftovers. */
  pidFile?: string;
  /** Keep the output (bounded) for the caller, besides streaming it. */
  captureBytes?: number;
  /**
   * Run as this user rather than the daemon's (which takes root: process/job-users.ts).
   * Node (libuv) then also calls setgroups(0, NULL): the child keeps none of the daemon's
   * supplementary groups.
   */
  user?: ProcessUser;
}

export interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when we stopped it: the job was cancelled or its deadline passed. */
  stoppedBy: "cancelled" | "timed_out" | null;
  /** Set when the command could not start at all. */
  spawnError: Error | null;
  durationMs: number;
  stdout: string;
  stderr: string;
}

export const defaultPath = () => process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";

export function runProcess(
  command: string,
  args: readonly string[],
  options: ProcessOptions,
): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const log = options.log ?? (() => {});
    const captureBytes = options.captureBytes ?? 0;
    const captured = { stdout: "", stderr: "" };
    const child = spawn(command, args, {
      cwd: options.cwd,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: { PATH: defaultPath(), LANG: "C.UTF-8", ...options.env },
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    if (child.pid !== undefined && options.pidFile) writeFileSync(options.pidFile, String(child.pid));
    let stoppedBy: ProcessOutcome["stoppedBy"] = null;
    let killTimer: NodeJS.Timeout | undefined;

    const killTree = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const stop = (reason: "cancelled" | "timed_out") => {
      if (stoppedBy) return;
      stoppedBy = reason;
      log(
        "system",
        `${reason === "cancelled" ? "cancelled" : "deadline reached"}: stopping the process tree\n`,
      );
      killTree("SIGTERM");
      killTimer = setTimeout(() => killTree("SIGKILL"), KILL_GRACE_MS);
    };
    const onAbort = () => stop("cancelled");
    if (options.signal?.aborted) queueMicrotask(onAbort);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const deadline =
      options.deadlineAt === undefined
        ? undefined
        : setTimeout(() => stop("timed_out"), Math.max(0, options.deadlineAt - Date.now()));

    const collect = (stream: "stdout" | "stderr") => (chunk: string) => {
      log(stream, chunk);
      if (captured[stream].length < captureBytes)
        captured[stream] += chunk.slice(0, captureBytes - captured[stream].length);
    };
    child.stdout.setEncoding("utf8").on("data", collect("stdout"));
    child.stderr.setEncoding("utf8").on("data", collect("stderr"));
    child.stdin.on("error", () => {}); // The command may exit without reading its input.
    child.stdin.end(options.stdin ?? "");

    let settled = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      // Whatever the leader did, leave no stragglers in its group.
      killTree("SIGKILL");
      resolve({
        exitCode,
        signal,
        stoppedBy,
        spawnError,
        durationMs: Math.round(performance.now() - started),
        ...captured,
      });
    };
    child.once("error", (err) => finish(null, null, err));
    child.once("close", (code, signal) => finish(code, signal, null));
  });
}

/** A one-line reason for a process that did not succeed, or null when it did. */
export function failureOf(command: string, outcome: ProcessOutcome): string | null {
  if (outcome.spawnError) return `Could not start \`${command}\`: ${outcome.spawnError.message}`;
  if (outcome.stoppedBy === "cancelled") return `\`${command}\` was cancelled`;
  if (outcome.stoppedBy === "timed_out") return `\`${command}\` passed its deadline`;
  if (outcome.exitCode !== 0) return `\`${command}\` exited with ${outcome.exitCode ?? outcome.signal}`;
  return null;
}
