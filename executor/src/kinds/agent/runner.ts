/**
 * `agent` jobs: a headless coding agent works on a checkout in its workspace; the result says what
 * it answered, what it cost, which session to resume and what it changed, and (when asked) the
 * changes are committed and pushed. The API key reaches only the agent's process (in a container,
 * as a file: containers/secret-files.ts) and is masked in the result; in the log and the error,
 * the job's secrets are masked where every runner is registered (jobs/runner.ts).
 *
 * The agent runs where the spec's isolation says: a child process of the executor (`process`), as
 * the job's user when there is one, or the job's container on the executor's Docker engine
 * (`docker`, `sysbox`: see kinds/agent/container.ts). Git (the checkout, the changes, the commit and
 * push, with the repository's password) stays on the host, the daemon's, either way: the changes
 * are read through the daemon's own copy of the git directory (kinds/agent/workspace.ts) once every
 * process of the agent is stopped.
 */
import type { AgentAdapter, AgentContainer, AgentResult, AgentSpec } from "@codegen-orchestrator/shared";
import { type DockerEngine, dockerEngine } from "../../containers/engine.ts";
import { JobFailure } from "../../containers/job-container.ts";
import { Git, GitError } from "../../git/git.ts";
import type { RunContext, Runner, RunOutcome } from "../../jobs/runner.ts";
import { maskSecret } from "../../process/mask.ts";
import { runProcess } from "../../process/run-process.ts";
import type { Adapter } from "./adapter.ts";
import { claudeCode } from "./claude-code.ts";
import { type AgentEngine, openAgentEngine, runAgentContainer } from "./container.ts";
import { customAgent } from "./custom.ts";
import { droid } from "./droid.ts";
import { changesSince, openWorkspace, prepareCheckout } from "./workspace.ts";

const adapters: Record<AgentAdapter, Adapter> = { "claude-code": claudeCode, droid, custom: customAgent };
const INSTALL_HINT: Record<AgentAdapter, string> = {
  "claude-code": "install Claude Code on the executor host (npm install -g @anthropic-ai/claude-code)",
  droid: "install Factory Droid on the executor host",
  custom: "check the job's `command`",
};
const installHint = (spec: AgentSpec, command: string) =>
  spec.container === undefined
    ? INSTALL_HINT[spec.adapter]
    : `the image ${spec.container.image} must have ${command} (on its PATH)`;
const RESULT_LIMIT = 65_536;

export interface AgentRunnerOptions {
  /** The engine for `docker` and `sysbox` isolation; default: `DOCKER_HOST`, else the default socket. */
  engine?: () => Promise<DockerEngine>;
  /** In a container, between the stop signal and SIGKILL; default the runners' common grace (3 s). */
  graceMs?: number;
}

export function agentRunner(options: AgentRunnerOptions = {}): Runner<AgentSpec> {
  const engine = options.engine ?? (() => dockerEngine());
  return (spec, context) => runAgentJob(spec, context, engine, options.graceMs);
}

/** The runner with the default engine: what the daemon registers. */
export const runAgent: Runner<AgentSpec> = agentRunner();

async function runAgentJob(
  spec: AgentSpec,
  context: RunContext,
  engine: () => Promise<DockerEngine>,
  graceMs: number | undefined,
): Promise<RunOutcome> {
  const apiKey = spec.apiKeySecret === undefined ? undefined : context.secrets[spec.apiKeySecret];
  if (spec.apiKeySecret !== undefined && apiKey === undefined) {
    return { status: "failed", output: undefined, error: `the job has no secret named ${spec.apiKeySecret}` };
  }
  const credentialsSecret = spec.checkout?.credentials?.passwordSecret;
  const password = credentialsSecret === undefined ? undefined : context.secrets[credentialsSecret];
  if (credentialsSecret !== undefined && password === undefined) {
    return { status: "failed", output: undefined, error: `the job has no secret named ${credentialsSecret}` };
  }
  const { log } = context;
  const failed = (error: string): RunOutcome => ({ status: "failed", output: undefined, error });
  const started = performance.now();
  // In a container: an engine that cannot run the job fails it before the checkout is made.
  let inContainer: { engine: AgentEngine; container: AgentContainer } | undefined;
  if (spec.container) {
    try {
      inContainer = {
        engine: await openAgentEngine({ ...spec, container: spec.container }, engine, log),
        container: spec.container,
      };
    } catch (error) {
      if (error instanceof JobFailure) return failed(error.message);
      throw error;
    }
  }
  // In a container, the agent runs as the container's user: the job user is the host's.
  const user = inContainer ? undefined : context.user;
  let workspace: Awaited<ReturnType<typeof openWorkspace>>;
  try {
    workspace = await openWorkspace(spec, context.workdir, context.cacheDir);
  } catch (error) {
    return failed((error as Error).message);
  }
  try {
    const git = new Git({
      cwd: workspace.cwd,
      credentials:
        password === undefined
          ? undefined
          : { username: spec.checkout?.credentials?.username ?? "x-access-token", password },
      signal: context.signal,
      deadlineAt: context.deadlineAt,
      log,
    });
    const baseline = await prepareCheckout(spec, workspace, git);
    const adapter = adapters[spec.adapter];
    const resume = spec.resumeSession;
    let asked = spec;
    if (resume && adapter.hasSession && !(await adapter.hasSession(workspace.home, resume))) {
      // Another executor ran it, or this workspace was cleared: the prompt goes to a new session.
      log("system", `${spec.adapter}: session ${resume} is not in this workspace; starting a new session\n`);
      asked = { ...spec, resumeSession: undefined };
    }
    const invocation = {
      spec: asked,
      cwd: workspace.cwd,
      home: workspace.home,
      scratch: workspace.scratch,
      apiKey,
      signal: context.signal,
      deadlineAt: context.deadlineAt,
      log,
    };
    const command = await adapter.command(invocation);
    if (user) await workspace.handTo(user);
    log(
      "system",
      `${spec.adapter}: ${asked.resumeSession ? `resuming session ${asked.resumeSession}` : "new session"}\n`,
    );
    const outcome = inContainer
      ? await runAgentContainer({
          ...inContainer,
          command,
          workspace,
          context,
          log,
          secretValues: apiKey === undefined ? [] : [apiKey],
          graceMs,
        })
      : await runProcess(command.command, command.args, {
          cwd: workspace.cwd,
          env: command.env,
          stdin: command.stdin,
          signal: context.signal,
          deadlineAt: context.deadlineAt,
          log,
          captureBytes: 4 * 1024 * 1024,
          pidFile: `${context.workdir}.pid`,
          user,
        });
    // Nothing of the agent's may change the checkout while the daemon reads and pushes it.
    if (user && !(await user.stopProcesses()))
      return failed("processes the agent started would not stop: its changes are not used");
    if (outcome.stoppedBy) return { status: outcome.stoppedBy, output: undefined };
    if (outcome.spawnError) {
      return failed(
        `could not start ${command.command}: ${outcome.spawnError.message}; ${installHint(spec, command.command)}`,
      );
    }
    let report: ReturnType<Adapter["parse"]>;
    try {
      report = adapter.parse(outcome);
    } catch (error) {
      const tail = outcome.stderr.trim().split("\n").slice(-3).join(" | ");
      const oom =
        "oomKilled" in outcome && outcome.oomKilled
          ? `, out of memory at ${spec.container?.memoryMb} MB`
          : "";
      return failed(`${(error as Error).message} (exit ${outcome.exitCode}${oom}${tail ? `: ${tail}` : ""})`);
    }
    await workspace.assertInPlace();
    const daemonGit = git.withGitDir(workspace.gitDir);
    const { changes, truncated } = await changesSince(daemonGit, baseline);
    let commit: string | null = null;
    let pushed = false;
    const push = spec.checkout?.push;
    if (push && !report.isError && changes.length > 0) {
      if ((await daemonGit.currentBranch()) !== push.branch)
        await daemonGit.checkout(push.branch, { create: true });
      commit = await daemonGit.commitAll({ message: push.message, author: push.author });
      if (commit) {
        await daemonGit.push({ branch: push.branch });
        pushed = true;
      }
    }
    const output: AgentResult = {
      adapter: spec.adapter,
      sessionId: report.sessionId,
      result: maskSecret(report.result, apiKey).slice(0, RESULT_LIMIT),
      isError: report.isError,
      costUsd: report.costUsd,
      usage: report.usage,
      turns: report.turns,
      durationMs: Math.round(performance.now() - started),
      filesChanged: changes,
      filesChangedTruncated: truncated,
      commit,
      pushed,
    };
    // What the model usage cost goes on the result frame too (the hub's figure for the job).
    const cost = report.costUsd === null ? {} : { costUsd: report.costUsd };
    if (report.isError) {
      return {
        status: "failed",
        output,
        error: `the agent reported an error: ${output.result.slice(0, 500)}`,
        ...cost,
      };
    }
    return { status: "succeeded", output, ...cost };
  } catch (error) {
    if (error instanceof GitError) {
      if (error.stoppedBy) return { status: error.stoppedBy, output: undefined };
      return failed(`git: ${error.message}`);
    }
    if (error instanceof JobFailure) return failed(error.message);
    throw error;
  } finally {
    // The workspace is taken back from the job's user: nothing of theirs may run meanwhile.
    await user?.stopProcesses();
    await workspace.release();
  }
}
