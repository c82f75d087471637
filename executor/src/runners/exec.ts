/**
 * `exec` jobs: one command (argv, no shell) in the job's workdir, as its own process group so
 * that cancel and timeouts kill the whole tree. The daemon's environment is not inherited: the
 * child sees PATH, a HOME inside the workdir, the spec's env and the job's secrets.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import type { ExecResult, ExecSpec } from "@codegen-orchestrator/shared";
import type { Runner } from "./runner.ts";

/** After SIGTERM, the tree gets this long to exit before SIGKILL. */
export const KILL_GRACE_MS = 3_000;

export const runExec: Runner<ExecSpec> = (spec, context) =>
  new Promise((resolve) => {
    const started = performance.now();
    const [command = "", ...args] = spec.command;
    const child = spawn(command, args, {
      cwd: context.workdir,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        HOME: context.workdir,
        LANG: "C.UTF-8",
        ...spec.env,
        ...context.secrets,
      },
    });
    // The group id, beside the workdir: a daemon restarted after a crash kills leftover groups.
    if (child.pid !== undefined) writeFileSync(`${context.workdir}.pid`, String(child.pid));
    let stopReason: "cancelled" | "timed_out" | null = null;
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
      if (stopReason) return;
      stopReason = reason;
      context.log(
        "system",
        `${reason === "cancelled" ? "cancelled" : "deadline reached"}: stopping the process tree\n`,
      );
      killTree("SIGTERM");
      killTimer = setTimeout(() => killTree("SIGKILL"), KILL_GRACE_MS);
    };

    const onAbort = () => stop("cancelled");
    context.signal.addEventListener("abort", onAbort, { once: true });
    const deadline = setTimeout(() => stop("timed_out"), Math.max(0, context.deadlineAt - Date.now()));

    child.stdout.setEncoding("utf8").on("data", (chunk: string) => context.log("stdout", chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => context.log("stderr", chunk));
    child.stdin.on("error", () => {}); // The command may exit without reading its input.
    child.stdin.end(spec.stdin ?? "");

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      clearTimeout(deadline);
      clearTimeout(killTimer);
      context.signal.removeEventListener("abort", onAbort);
      // Whatever the leader did, leave no stragglers in its group.
      killTree("SIGKILL");
      const output: ExecResult = { exitCode, signal, durationMs: Math.round(performance.now() - started) };
      if (spawnError) {
        resolve({ status: "failed", output, error: `Could not start \`${command}\`: ${spawnError.message}` });
      } else if (stopReason) {
        resolve({ status: stopReason, output });
      } else if (exitCode === 0) {
        resolve({ status: "succeeded", output });
      } else {
        resolve({ status: "failed", output, error: `Exited with ${exitCode ?? signal}` });
      }
    };
    child.once("error", (err) => finish(null, null, err));
    child.once("close", (code, signal) => finish(code, signal));
  });
