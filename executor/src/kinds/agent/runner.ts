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
import type { JobUser } from "../../process/job-users.ts";
import { maskSecret } from "../../process/mask.ts";
import { type ProcessOutcome, runProcess } from "../../process/run-process.ts";
import type { Adapter, AgentCommand, AgentReport } from "./adapter.ts";
import { claudeCode } from "./claude-code.ts";
import { type AgentEngine, openAgentEngine, runAgentContainer } from "./container.ts";
import { customAgent } from "./custom.ts";
import { droid } from "./droid.ts";
import { type JobCost, ownCost } from "./session-costs.ts";
import { watchedLog } from "./stream.ts";
import { openWorkspace, prepareCheckout, publishChanges, type Workspace } from "./workspace.ts";

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

/** An agent job under way: its spec, context and secrets, where the agent runs, and its workspace. */
interface AgentJob {
  spec: AgentSpec;
  context: RunContext;
  /** The model API key, for the agent's process only. */
  apiKey: string | undefined;
  /** The orchestrator API key its MCP session uses (`spec.mcp`), for the agent's process only. */
  mcpKey: string | undefined;
  /** The repository's password, for the daemon's git only. */
  password: string | undefined;
  inContainer: { engine: AgentEngine; container: AgentContainer } | undefined;
  /** The user the agent runs as on the host; none in a container (it runs as the container's). */
  user: JobUser | undefined;
  workspace: Workspace;
  graceMs: number | undefined;
  /** `performance.now()` when the job started. */
  started: number;
}

const failed = (error: string): RunOutcome => ({ status: "failed", output: undefined, error });
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function runAgentJob(
  spec: AgentSpec,
  context: RunContext,
  engine: () => Promise<DockerEngine>,
  graceMs: number | undefined,
): Promise<RunOutcome> {
  const secrets = namedSecrets(spec, context.secrets);
  if (secrets.missing !== undefined) return failed(`the job has no secret named ${secrets.missing}`);
  const started = performance.now();
  // In a container: an engine that cannot run the job fails it before the checkout is made.
  let inContainer: AgentJob["inContainer"];
  if (spec.container) {
    try {
      inContainer = {
        engine: await openAgentEngine({ ...spec, container: spec.container }, engine, context.log),
        container: spec.container,
      };
    } catch (error) {
      if (error instanceof JobFailure) return failed(error.message);
      throw error;
    }
  }
  // In a container, the agent runs as the container's user: the job user is the host's.
  const user = inContainer ? undefined : context.user;
  let workspace: Workspace;
  try {
    workspace = await openWorkspace(spec, context.workdir, context.cacheDir);
  } catch (error) {
    return failed(messageOf(error));
  }
  try {
    return await workOnCheckout({
      spec,
      context,
      ...secrets,
      inContainer,
      user,
      workspace,
      graceMs,
      started,
    });
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

type NamedSecrets = { apiKey: string | undefined; mcpKey: string | undefined; password: string | undefined };

/** The model key, the MCP session's key and the repository's password the spec names, or the first secret missing. */
function namedSecrets(
  spec: AgentSpec,
  secrets: RunContext["secrets"],
): (NamedSecrets & { missing?: undefined }) | { missing: string } {
  const named: NamedSecrets = { apiKey: undefined, mcpKey: undefined, password: undefined };
  const wanted: [keyof NamedSecrets, string | undefined][] = [
    ["apiKey", spec.apiKeySecret],
    ["mcpKey", spec.mcp?.apiKeySecret],
    ["password", spec.checkout?.credentials?.passwordSecret],
  ];
  for (const [part, name] of wanted) {
    if (name === undefined) continue;
    const value = secrets[name];
    if (value === undefined) return { missing: name };
    named[part] = value;
  }
  return named;
}

/** The spec's MCP endpoint: its own `url`, else `/mcp` of the orchestrator this executor dials. */
function mcpEndpoint(spec: AgentSpec, context: RunContext): string | undefined {
  if (!spec.mcp) return undefined;
  if (spec.mcp.url) return spec.mcp.url;
  return context.orchestratorUrl ? new URL("/mcp", context.orchestratorUrl).toString() : undefined;
}

/** The secret values the agent's process gets: kept out of a container's configuration, masked in its result. */
const agentSecrets = (job: AgentJob): string[] =>
  [job.apiKey, job.mcpKey].filter((value): value is string => value !== undefined);

/** The checkout made, the agent run on it, its changes read (and pushed when asked): the outcome. */
async function workOnCheckout(job: AgentJob): Promise<RunOutcome> {
  const { spec, context, workspace, user } = job;
  const git = new Git({
    cwd: workspace.cwd,
    credentials:
      job.password === undefined
        ? undefined
        : { username: spec.checkout?.credentials?.username ?? "x-access-token", password: job.password },
    signal: context.signal,
    deadlineAt: context.deadlineAt,
    log: context.log,
  });
  const baseline = await prepareCheckout(spec, workspace, git);
  const adapter = adapters[spec.adapter];
  const { command, session, resumed } = await agentCommand(job, adapter);
  if (user) await workspace.handTo(user);
  context.log("system", `${spec.adapter}: ${session}\n`);
  const watched = watchedLog(adapter, context, spec.adapter, spec.maxTurns);
  const outcome = await runAgentCommand(job, command, watched.log);
  // Nothing of the agent's may change the checkout while the daemon reads and pushes it.
  if (user && !(await user.stopProcesses()))
    return failed("processes the agent started would not stop: its changes are not used");
  if (outcome.stoppedBy) return { status: outcome.stoppedBy, output: undefined };
  if (outcome.spawnError) {
    return failed(
      `could not start ${command.command}: ${outcome.spawnError.message}; ${installHint(spec, command.command)}`,
    );
  }
  // A streaming CLI's result line, kept whole: the captured stdout holds only the stream's start.
  const resultLine = watched.stream?.resultLine();
  const report = readReport(adapter, resultLine ? { ...outcome, stdout: resultLine } : outcome, spec);
  if (typeof report === "string") return failed(report);
  const cost = adapter.reportsSessionTotal
    ? await ownCost(report.costUsd, report.sessionId, resumed, workspace.costLedger, (line) =>
        context.log("system", `${spec.adapter}: ${line}`),
      )
    : { costUsd: report.costUsd, reportedUsd: report.costUsd };
  await workspace.assertInPlace();
  const daemonGit = git.withGitDir(workspace.gitDir);
  const published = await publishChanges(
    daemonGit,
    baseline,
    report.isError ? undefined : spec.checkout?.push,
  );
  return agentOutcome(job, report, cost, published);
}

/** The adapter's command for the job: its session resumed when this workspace has it, else a new one. */
async function agentCommand(
  job: AgentJob,
  adapter: Adapter,
): Promise<{ command: AgentCommand; session: string; resumed: string | undefined }> {
  const { spec, context, workspace } = job;
  const { log } = context;
  const resume = spec.resumeSession;
  let asked = spec;
  if (resume && adapter.hasSession && !(await adapter.hasSession(workspace.home, resume))) {
    // Another executor ran it, or this workspace was cleared: the prompt goes to a new session.
    log("system", `${spec.adapter}: session ${resume} is not in this workspace; starting a new session\n`);
    asked = { ...spec, resumeSession: undefined };
  }
  const command = await adapter.command({
    spec: asked,
    cwd: workspace.cwd,
    home: workspace.home,
    scratch: workspace.scratch,
    apiKey: job.apiKey,
    mcpKey: job.mcpKey,
    mcpUrl: mcpEndpoint(spec, context),
    signal: context.signal,
    deadlineAt: context.deadlineAt,
    log,
  });
  const session = asked.resumeSession ? `resuming session ${asked.resumeSession}` : "new session";
  return { command, session, resumed: asked.resumeSession };
}

/** Runs the agent where the spec's isolation says: the job's container, or a process on the host. */
function runAgentCommand(
  job: AgentJob,
  command: AgentCommand,
  log: RunContext["log"],
): Promise<ProcessOutcome & { oomKilled?: boolean }> {
  const { context, workspace } = job;
  if (job.inContainer) {
    return runAgentContainer({
      ...job.inContainer,
      command,
      workspace,
      context,
      log,
      secretValues: agentSecrets(job),
      graceMs: job.graceMs,
    });
  }
  return runProcess(command.command, command.args, {
    cwd: workspace.cwd,
    env: command.env,
    stdin: command.stdin,
    signal: context.signal,
    deadlineAt: context.deadlineAt,
    log,
    captureBytes: 4 * 1024 * 1024,
    pidFile: `${context.workdir}.pid`,
    user: job.user,
  });
}

/** The adapter's report from what the agent printed; or why there is none, with the output's end. */
function readReport(
  adapter: Adapter,
  outcome: ProcessOutcome & { oomKilled?: boolean },
  spec: AgentSpec,
): AgentReport | string {
  try {
    return adapter.parse(outcome);
  } catch (error) {
    const tail = outcome.stderr.trim().split("\n").slice(-3).join(" | ");
    const oom = outcome.oomKilled ? `, out of memory at ${spec.container?.memoryMb} MB` : "";
    return `${messageOf(error)} (exit ${outcome.exitCode}${oom}${tail ? `: ${tail}` : ""})`;
  }
}

function agentOutcome(
  job: AgentJob,
  report: AgentReport,
  cost: JobCost,
  published: Awaited<ReturnType<typeof publishChanges>>,
): RunOutcome {
  const output: AgentResult = {
    adapter: job.spec.adapter,
    sessionId: report.sessionId,
    result: agentSecrets(job)
      .reduce((text, secret) => maskSecret(text, secret), report.result)
      .slice(0, RESULT_LIMIT),
    isError: report.isError,
    costUsd: cost.costUsd,
    sessionCostUsd: cost.reportedUsd,
    usage: report.usage,
    turns: report.turns,
    durationMs: Math.round(performance.now() - job.started),
    filesChanged: published.changes,
    filesChangedTruncated: published.truncated,
    commit: published.commit,
    pushed: published.pushed,
  };
  // What the model usage cost goes on the result frame too (the hub's figure for the job).
  const frameCost = cost.costUsd === null ? {} : { costUsd: cost.costUsd };
  if (report.isError) {
    return {
      status: "failed",
      output,
      error: `the agent reported an error: ${output.result.slice(0, 500)}`,
      ...frameCost,
    };
  }
  return { status: "succeeded", output, ...frameCost };
}
