/**
 * An agent in a container (`docker` and `sysbox` isolation): the command its adapter built runs in
 * the job's container on the executor's Docker engine, with the checkout, the agent's HOME and the
 * scratch directory bind-mounted at their host paths (so paths in session files, prompts and
 * answers mean the same inside and out), the checkout as working directory, the executor's
 * uid:gid as user (files stay the executor's), and the adapter's environment, but for its secret
 * values (the API key): those reach the agent as files its wrapper exports, never in the
 * container's configuration, argv or a log (containers/secret-files.ts). The prompt goes to its
 * stdin; what it prints comes back in the shape `runProcess` gives, so adapters parse it
 * unchanged. An init process reaps what the agent's tools leave behind and passes the stop signal
 * on.
 *
 * The engine and runtime are settled before any work (`openAgentEngine`), so a job the engine
 * cannot run fails before its checkout is made.
 */
import type { AgentContainer, AgentSpec } from "@codegen-orchestrator/shared";
import type Docker from "dockerode";
import type { DockerEngine } from "../../containers/engine.ts";
import {
  createJobContainer,
  engineFailure,
  type JobContainer,
  JobFailure,
  jobEngine,
  resourceLimits,
  sysboxRuntime,
} from "../../containers/job-container.ts";
import { jobLabels } from "../../containers/labels.ts";
import {
  type ContainerRun,
  initExecFailure,
  type OutputSink,
  runJobContainer,
} from "../../containers/run-container.ts";
import type { RunContext } from "../../jobs/runner.ts";
import type { ProcessOutcome } from "../../process/run-process.ts";
import type { AgentCommand } from "./adapter.ts";
import type { Workspace } from "./workspace.ts";

/** Per stream, what is kept for the adapter's parse (as `runProcess`'s `captureBytes`). */
const CAPTURE_BYTES = 4 * 1024 * 1024;
/** After the job's deadline, how long before its container counts as an orphan. */
const ORPHAN_AFTER_DEADLINE_S = 600;

export interface AgentEngine {
  docker: DockerEngine;
  /** `sysbox-runc`, or undefined for the engine's default runtime. */
  runtime: string | undefined;
}

/** What a container run of an agent reports: `runProcess`'s outcome, and whether memory ran out. */
export type ContainerAgentOutcome = ProcessOutcome & { oomKilled: boolean };

/** The engine, answering, and the runtime the isolation asks for; a `JobFailure` when it cannot. */
export async function openAgentEngine(
  spec: AgentSpec & { container: AgentContainer },
  engine: () => Promise<DockerEngine>,
  log: RunContext["log"],
): Promise<AgentEngine> {
  const docker = await jobEngine(engine);
  try {
    if (spec.isolation !== "sysbox") {
      await docker.ping();
      return { docker, runtime: undefined };
    }
    const runtime = await sysboxRuntime(
      docker,
      {
        reason: 'isolation "sysbox"',
        fallbackSetting: "container.allowPlainDocker (or ask for docker isolation)",
        allowPlainDocker: spec.container.allowPlainDocker,
      },
      log,
    );
    return { docker, runtime };
  } catch (error) {
    throw new JobFailure(engineFailure(docker, error));
  }
}

export interface ContainerAgentRun {
  engine: AgentEngine;
  container: AgentContainer;
  command: AgentCommand;
  workspace: Pick<Workspace, "cwd" | "home" | "scratch">;
  context: Pick<RunContext, "jobId" | "attempt" | "workdir" | "signal" | "deadlineAt">;
  log: RunContext["log"];
  /** The job's secret values: a variable of the command's environment holding one is a file. */
  secretValues: readonly string[];
  graceMs?: number | undefined;
}

/** Runs the agent's command in the job's container; a `JobFailure` when the engine refuses. */
export async function runAgentContainer(run: ContainerAgentRun): Promise<ContainerAgentOutcome> {
  const { engine, command, context, log } = run;
  const started = performance.now();
  const user = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
  const ttlSeconds = Math.max(
    60,
    Math.ceil((context.deadlineAt - Date.now()) / 1000) + ORPHAN_AFTER_DEADLINE_S,
  );
  const captured = { stdout: "", stderr: "" };
  const { env, secretEnv } = splitSecretEnv(command.env, run.secretValues);
  try {
    const job = await createJobContainer(
      engine.docker,
      { jobId: context.jobId, workdir: context.workdir, log },
      containerOptions(run, { env, user, ttlSeconds }),
      { secretEnv },
    );
    logContainer(job, run, user);
    const ended = await runJobContainer(job, {
      context: { signal: context.signal, deadlineAt: context.deadlineAt, log },
      graceMs: run.graceMs,
      stdin: command.stdin ?? "",
      output: capturing(captured, log),
    });
    return agentOutcome(run, ended, captured, started);
  } catch (error) {
    throw new JobFailure(engineFailure(engine.docker, error));
  }
}

/** The command's environment: a variable holding one of the job's secret values goes apart. */
function splitSecretEnv(
  commandEnv: AgentCommand["env"],
  secretValues: readonly string[],
): { env: string[]; secretEnv: Record<string, string> } {
  const secrets = new Set(secretValues);
  const env: string[] = [];
  const secretEnv: Record<string, string> = {};
  for (const [variable, value] of Object.entries(commandEnv)) {
    if (secrets.has(value)) secretEnv[variable] = value;
    else env.push(`${variable}=${value}`);
  }
  return { env, secretEnv };
}

/** The container: the command with its stdin open, the workspace's directories at their host paths. */
function containerOptions(
  { engine, container: spec, command, workspace, context }: ContainerAgentRun,
  settled: { env: string[]; user: string; ttlSeconds: number },
): Omit<Docker.ContainerCreateOptions, "name"> {
  return {
    Image: spec.image,
    Cmd: [command.command, ...command.args],
    Env: settled.env,
    WorkingDir: workspace.cwd,
    User: settled.user,
    Labels: jobLabels({
      jobId: context.jobId,
      attempt: context.attempt,
      project: spec.project,
      ttlSeconds: settled.ttlSeconds,
    }),
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: true,
    Tty: false,
    HostConfig: {
      ...resourceLimits(spec),
      NetworkMode: spec.network,
      Init: true,
      Mounts: [workspace.cwd, workspace.home, workspace.scratch].map((dir) => ({
        Type: "bind" as const,
        Source: dir,
        Target: dir,
      })),
      ...(engine.runtime ? { Runtime: engine.runtime } : {}),
    },
  };
}

/** What the container is, in the job's log. */
function logContainer({ name, container }: JobContainer, run: ContainerAgentRun, user: string): void {
  const { engine, container: spec } = run;
  run.log(
    "system",
    `container ${name} (${container.id.slice(0, 12)}): ${spec.image}, runtime ${engine.runtime ?? "default"}, ` +
      `${spec.cpus} CPU, ${spec.memoryMb} MB, network ${spec.network}, user ${user}; the checkout, HOME ` +
      "and scratch directory mounted at their host paths\n",
  );
}

/** Output to the log, and the first CAPTURE_BYTES of each stream kept for the adapter. */
function capturing(captured: { stdout: string; stderr: string }, log: RunContext["log"]): OutputSink {
  return {
    write(stream, text) {
      if (captured[stream].length < CAPTURE_BYTES)
        captured[stream] += text.slice(0, CAPTURE_BYTES - captured[stream].length);
      log(stream, text);
    },
  };
}

/** How the agent's run ended, in the shape `runProcess` gives. */
function agentOutcome(
  { container: spec, log }: ContainerAgentRun,
  ended: ContainerRun,
  captured: { stdout: string; stderr: string },
  started: number,
): ContainerAgentOutcome {
  // With an init in front, a command that cannot be executed still starts the container: a
  // failed start is the engine's or the runtime's, not the agent's.
  if (ended.startError !== null)
    throw new JobFailure(`The agent's container did not start: ${ended.startError}`);
  if (ended.oomKilled) log("system", `the container ran out of memory (its limit: ${spec.memoryMb} MB)\n`);
  const startError = initExecFailure(ended.exitCode, captured.stderr);
  return {
    exitCode: ended.exitCode,
    signal: null,
    stoppedBy: ended.stoppedBy,
    spawnError: startError === null ? null : new Error(startError),
    durationMs: Math.round(performance.now() - started),
    oomKilled: ended.oomKilled,
    ...captured,
  };
}
