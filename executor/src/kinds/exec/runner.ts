/**
 * `exec` jobs: one command (argv, no shell) in the job's workdir, as the job's user and its own
 * process group so that cancel and timeouts kill the whole tree. The daemon's environment is not
 * inherited: the child sees PATH, HOME (the workdir), the spec's env and the job's secrets (masked
 * in its log and error where every runner is registered: jobs/runner.ts).
 */
import type { ExecResult, ExecSpec } from "@codegen-orchestrator/shared";
import type { Runner } from "../../jobs/runner.ts";
import { defaultPath, runProcess } from "../../process/run-process.ts";

export const runExec: Runner<ExecSpec> = async (spec, context) => {
  const [command = "", ...args] = spec.command;
  const outcome = await runProcess(command, args, {
    cwd: context.workdir,
    env: { PATH: defaultPath(), HOME: context.workdir, ...spec.env, ...context.secrets },
    stdin: spec.stdin,
    signal: context.signal,
    deadlineAt: context.deadlineAt,
    log: context.log,
    user: context.user,
    // The group id, beside the workdir: a daemon restarted after a crash kills leftover groups.
    pidFile: `${context.workdir}.pid`,
  });
  const output: ExecResult = {
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    durationMs: outcome.durationMs,
  };
  if (outcome.spawnError) {
    return {
      status: "failed",
      output,
      error: `Could not start \`${command}\`: ${outcome.spawnError.message}`,
    };
  }
  if (outcome.stoppedBy) return { status: outcome.stoppedBy, output };
  if (outcome.exitCode === 0) return { status: "succeeded", output };
  return { status: "failed", output, error: `Exited with ${outcome.exitCode ?? outcome.signal}` };
};
