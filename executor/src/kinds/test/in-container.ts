/**
 * The Tester's commands in a container (`test` jobs with `container`): the setup step and the
 * tests each run in a container of their own on the executor's Docker engine (never pulled: the
 * image must be there), one after the other, named after the job and the step
 * (`co-job-<jobId>-setup`, `co-job-<jobId>-tests`: containers/labels.ts), so the two never meet and
 * a retried attempt replaces what an earlier one left of either (containers/job-container.ts).
 *
 * The job's workdir (the checkout in `repo/`, HOME in `home/`) is bind-mounted at `/workspace`,
 * the checkout is the working directory, the executor's uid:gid the user (what the tests write
 * stays the executor's, for it to remove), an init in front (it passes the stop signal on and
 * reaps what the tests leave). The environment is the job's (CI, NODE_ENV, HOME, the spec's env,
 * the secrets: those as files a wrapper exports, never in the container's configuration, see
 * containers/secret-files.ts), never the executor's PATH: the image's own applies. Limited in CPU
 * and memory, on the spec's network. Cancel and the deadline stop the container; it is removed whatever happens.
 */
import type { TestContainer } from "@codegen-orchestrator/shared";
import type Docker from "dockerode";
import { type DockerEngine, engineStatus } from "../../containers/engine.ts";
import {
  createJobContainer,
  engineFailure,
  JobFailure,
  jobEngine,
  missingImage,
  OUTPUT_ONLY,
  resourceLimits,
} from "../../containers/job-container.ts";
import { containerName, jobLabels } from "../../containers/labels.ts";
import { initExecFailure, runJobContainer } from "../../containers/run-container.ts";
import type { RunContext } from "../../jobs/runner.ts";
import type { ProcessOutcome } from "../../process/run-process.ts";
import {
  type DockerInside,
  dockerInside,
  ENGINE_INSIDE_FAILED,
  ENTRY_MARK,
  removeEngineVolume,
} from "./docker-inside.ts";
import type { OutputTail } from "./output-tail.ts";

/** Where the job's workdir is in the container. */
export const WORKSPACE = "/workspace";
/** After the job's deadline, how long before its container counts as an orphan (as agents'). */
const ORPHAN_AFTER_DEADLINE_S = 600;
/** How much of the start of stderr is kept to find the init's "could not execute" in. */
const STDERR_HEAD_CHARS = 4096;

/** The engine, answering and having the image; a `JobFailure` saying why not (before any work). */
export async function openTestEngine(
  container: TestContainer,
  engine: () => Promise<DockerEngine>,
): Promise<DockerEngine> {
  const docker = await jobEngine(engine);
  try {
    await docker.ping();
    await docker.getImage(container.image).inspect();
    return docker;
  } catch (error) {
    if (engineStatus(error) === 404) throw new JobFailure(missingImage(container.image, error));
    throw new JobFailure(engineFailure(docker, error));
  }
}

export interface ContainerStep {
  docker: DockerEngine;
  container: TestContainer;
  /** The container's name suffix: `setup` or `tests`. */
  role: "setup" | "tests";
  /** A Docker engine inside the container (docker-inside.ts), as the spec and the profile decided. */
  dockerInside: boolean;
  argv: readonly string[];
  /** The environment given but for the secrets (the image's own is kept for what this does not set). */
  env: Record<string, string>;
  /** Variables from the job's secrets (set over `env`). */
  secretEnv: Record<string, string>;
  /** Where the checkout is, inside `workdir`: the working directory is `WORKSPACE/<checkoutDir>`. */
  checkoutDir: string;
  context: RunContext;
  tail: OutputTail;
  graceMs?: number | undefined;
}

/** What a step in a container reports: `runProcess`'s outcome, and whether memory ran out. */
export type ContainerStepOutcome = ProcessOutcome & { oomKilled: boolean };

/**
 * Runs one step in its container, its output streamed to the job's log and kept in `tail`
 * (masked). A `JobFailure` when the engine refuses or the container does not start; a command the
 * image cannot execute is the outcome's `spawnError`, as for a process.
 */
export async function runInContainer(step: ContainerStep): Promise<ContainerStepOutcome> {
  const { docker, container: spec, context, tail } = step;
  const started = performance.now();
  const engineInside = step.dockerInside
    ? await dockerInside(docker, spec, containerName(context.jobId, step.role), context)
    : null;
  const user = engineInside?.user ?? `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
  let stderrHead = "";
  try {
    const job = await createJobContainer(docker, context, containerOptions(step, user, engineInside), {
      role: step.role,
      secretEnv: step.secretEnv,
    });
    const { name, container } = job;
    context.log(
      "system",
      `container ${name} (${container.id.slice(0, 12)}): ${spec.image}, ${spec.cpus} CPU, ` +
        `${spec.memoryMb} MB, network ${spec.network}, user ${user}; the job's workdir at ${WORKSPACE}` +
        `${engineInside ? `; Docker inside (${engineInside.describe}), the tests as ${process.getuid?.() ?? 0}` : ""}\n`,
    );
    const ended = await runJobContainer(job, {
      context,
      graceMs: step.graceMs,
      output: {
        write(stream, text) {
          if (stream === "stderr" && stderrHead.length < STDERR_HEAD_CHARS)
            stderrHead += text.slice(0, STDERR_HEAD_CHARS - stderrHead.length);
          context.log(stream, text);
          tail.write(text);
        },
      },
    });
    if (ended.startError !== null)
      throw new JobFailure(`The container for \`${step.argv.join(" ")}\` did not start: ${ended.startError}`);
    if (ended.oomKilled)
      context.log("system", `the container ran out of memory (its limit: ${spec.memoryMb} MB)\n`);
    if (engineInside && ended.exitCode === ENGINE_INSIDE_FAILED && stderrHead.includes(ENTRY_MARK))
      throw new JobFailure(
        `The Docker engine inside the test container did not start: ${engineInsideError(stderrHead)}`,
      );
    const execFailure = initExecFailure(ended.exitCode, stderrHead);
    return {
      exitCode: ended.exitCode,
      signal: null,
      stoppedBy: ended.stoppedBy,
      spawnError: execFailure === null ? null : new Error(execFailure),
      durationMs: Math.round(performance.now() - started),
      stdout: "",
      stderr: "",
      oomKilled: ended.oomKilled,
    };
  } catch (error) {
    throw new JobFailure(engineFailure(docker, error));
  } finally {
    if (engineInside) await removeEngineVolume(docker, engineInside.volume);
  }
}

/** The step's container: the image, its command, environment and user, limits, mounts, labels. */
function containerOptions(
  step: ContainerStep,
  user: string,
  engineInside: DockerInside | null,
): Omit<Docker.ContainerCreateOptions, "name"> {
  const { container: spec, context } = step;
  const ttlSeconds = Math.max(
    60,
    Math.ceil((context.deadlineAt - Date.now()) / 1000) + ORPHAN_AFTER_DEADLINE_S,
  );
  return {
    Image: spec.image,
    Cmd: engineInside ? engineInside.cmd(step.argv) : [...step.argv],
    Env: Object.entries(step.env).map(([variable, value]) => `${variable}=${value}`),
    WorkingDir: `${WORKSPACE}/${step.checkoutDir}`,
    User: user,
    Labels: jobLabels({ jobId: context.jobId, attempt: context.attempt, project: spec.project, ttlSeconds }),
    ...OUTPUT_ONLY,
    HostConfig: {
      ...resourceLimits(spec),
      NetworkMode: spec.network,
      Init: true,
      Mounts: [{ Type: "bind", Source: context.workdir, Target: WORKSPACE }, ...(engineInside?.mounts ?? [])],
      ...engineInside?.hostConfig,
    },
  };
}

/** The entry script's own lines (from its mark on), for the job's failure. */
const engineInsideError = (stderr: string) =>
  stderr
    .slice(stderr.indexOf(ENTRY_MARK) + ENTRY_MARK.length)
    .trim()
    .slice(0, 2000);
