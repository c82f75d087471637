/**
 * `container` jobs: one command in a container on the executor's Docker engine (never pulled: the
 * image must be there), the job's workdir bind-mounted as its working directory, limited in CPU and
 * memory, on network `none` or `host`. Output is streamed to the job log as it comes, with the
 * job's secret values masked. Cancel and the deadline stop the container (the stop signal, then
 * SIGKILL after a grace); whatever happens, the container is removed at the end.
 *
 * The container is named after the job (`co-job-<jobId>`), so a retried attempt meets what an
 * earlier attempt left running. It removes that container (killed at once: the hub has given that
 * attempt up) and creates its own rather than adopting it: the old one has the earlier attempt's workdir mounted (the daemon gave this attempt
 * a fresh one and removes the old), its environment and secrets may be stale, and its output
 * so far went to the earlier attempt's log. A container of that name that is not this job's is
 * left alone, and the job fails.
 */
import type { ContainerResult, ContainerSpec } from "@codegen-orchestrator/shared";
import type Docker from "dockerode";
import { Demuxer } from "../containers/demux.ts";
import {
  type DockerEngine,
  describeEngine,
  dockerEngine,
  engineMessage,
  engineStatus,
} from "../containers/engine.ts";
import { containerName, jobLabels, LABEL_ATTEMPT, LABEL_JOB } from "../containers/labels.ts";
import { removeContainer, stopContainer } from "../containers/lifecycle.ts";
import { mask, SecretMasker } from "../process/mask.ts";
import { KILL_GRACE_MS } from "../process/run-process.ts";
import type { RunContext, Runner, RunOutcome } from "./runner.ts";

export const SYSBOX_RUNTIME = "sysbox-runc";
/** After the container exits, how long its output stream may take to end. */
const DRAIN_WAIT_MS = 5_000;

export interface ContainerRunnerOptions {
  /** The engine to use; default: `DOCKER_HOST`, else the default socket. */
  engine?: () => Promise<DockerEngine>;
  /** Between the stop signal and SIGKILL; default the runners' common grace (3 s). */
  graceMs?: number;
}

class JobFailure extends Error {}

export function containerRunner(options: ContainerRunnerOptions = {}): Runner<ContainerSpec> {
  const engine = options.engine ?? (() => dockerEngine());
  const graceSeconds = Math.max(0, Math.ceil((options.graceMs ?? KILL_GRACE_MS) / 1000));
  return async (spec, context) => {
    const started = performance.now();
    const secretValues = Object.values(context.secrets);
    const hide = (text: string) => mask(text, secretValues);
    const fail = (error: string, output?: ContainerResult): RunOutcome => ({
      status: "failed",
      output,
      error: hide(error),
    });

    if (context.signal.aborted) return { status: "cancelled", output: undefined };
    // Secrets first: a job that cannot get them creates nothing.
    const env = Object.entries(spec.env).map(([name, value]) => `${name}=${value}`);
    for (const [variable, secret] of Object.entries(spec.secretEnv)) {
      const value = context.secrets[secret];
      if (value === undefined) return fail(`the job has no secret named ${secret} (for ${variable})`);
      env.push(`${variable}=${value}`);
    }

    let docker: DockerEngine;
    try {
      docker = await engine();
    } catch (error) {
      return fail(`Cannot use the Docker engine: ${engineMessage(error)}`);
    }
    try {
      const runtime = await chooseRuntime(docker, spec, context);
      const name = containerName(context.jobId);
      const container = await createContainer(docker, name, context, {
        name,
        Image: spec.image,
        ...(spec.command ? { Cmd: spec.command } : {}),
        Env: env,
        WorkingDir: spec.mountPath,
        Labels: jobLabels({
          jobId: context.jobId,
          attempt: context.attempt,
          project: spec.project,
          ttlSeconds: spec.ttlSeconds,
        }),
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        OpenStdin: false,
        Tty: false,
        HostConfig: {
          NanoCpus: Math.round(spec.cpus * 1e9),
          Memory: spec.memoryMb * 1024 * 1024,
          // No swap beyond the memory limit (where the kernel accounts swap).
          MemorySwap: spec.memoryMb * 1024 * 1024,
          NetworkMode: spec.network,
          Mounts: [{ Type: "bind", Source: context.workdir, Target: spec.mountPath }],
          ...(runtime ? { Runtime: runtime } : {}),
        },
      });
      context.log(
        "system",
        `container ${name} (${container.id.slice(0, 12)}): ${spec.image}, runtime ${runtime ?? "default"}, ` +
          `${spec.cpus} CPU, ${spec.memoryMb} MB, network ${spec.network}, workdir at ${spec.mountPath}\n`,
      );
      const run = await runCreated(container, context, secretValues, graceSeconds);
      const output: ContainerResult = {
        containerName: name,
        containerId: container.id,
        runtime: run.runtime,
        exitCode: run.exitCode,
        oomKilled: run.oomKilled,
        durationMs: Math.round(performance.now() - started),
      };
      if (run.startError) return fail(`The container did not start: ${run.startError}`, output);
      if (run.stoppedBy) return { status: run.stoppedBy, output };
      if (run.exitCode === 0) return { status: "succeeded", output };
      const oom = run.oomKilled ? ` (out of memory: killed at the ${spec.memoryMb} MB limit)` : "";
      return fail(`Exited with ${run.exitCode ?? "no exit code"}${oom}`, output);
    } catch (error) {
      if (error instanceof JobFailure) return fail(error.message);
      if (engineStatus(error) === undefined)
        return fail(
          `The Docker engine at ${describeEngine(docker)} does not answer: ${engineMessage(error)}`,
        );
      return fail(`The Docker engine at ${describeEngine(docker)} refused: ${engineMessage(error)}`);
    }
  };
}

/** The runner with the default engine: what the daemon registers. */
export const runContainer: Runner<ContainerSpec> = containerRunner();

/** `sysbox-runc` for `dockerInside`, when the engine has it; undefined means the engine's default. */
async function chooseRuntime(
  docker: DockerEngine,
  spec: ContainerSpec,
  context: RunContext,
): Promise<string | undefined> {
  if (!spec.dockerInside) return undefined;
  const info = (await docker.info()) as { Runtimes?: Record<string, unknown>; DefaultRuntime?: string };
  const runtimes = Object.keys(info.Runtimes ?? {});
  if (runtimes.includes(SYSBOX_RUNTIME)) return SYSBOX_RUNTIME;
  const fallback = info.DefaultRuntime ?? "runc";
  if (!spec.allowPlainDocker) {
    throw new JobFailure(
      `dockerInside needs the ${SYSBOX_RUNTIME} runtime (Sysbox), which this executor's Docker engine does not ` +
        `have (it has: ${runtimes.join(", ") || "none listed"}). Install Sysbox on the host, or set ` +
        `allowPlainDocker to run the job with the default runtime (${fallback}).`,
    );
  }
  context.log(
    "system",
    `${SYSBOX_RUNTIME} is not on this engine: running with the default runtime (${fallback}) because ` +
      "allowPlainDocker is set; Docker inside the container will not have Sysbox's isolation\n",
  );
  return undefined;
}

/**
 * Creates the job's container. When one of that name exists (an earlier attempt of the job), it
 * is removed first, never run beside: see the module comment.
 */
async function createContainer(
  docker: DockerEngine,
  name: string,
  context: RunContext,
  options: Docker.ContainerCreateOptions,
): Promise<Docker.Container> {
  for (let tries = 0; ; tries++) {
    try {
      return await docker.createContainer(options);
    } catch (error) {
      const status = engineStatus(error);
      if (status === 404) {
        throw new JobFailure(
          `image ${options.Image} is not on this executor's engine; build or pull it first ` +
            `(${engineMessage(error)})`,
        );
      }
      if (status !== 409 || tries > 0) throw error;
    }
    const existing = docker.getContainer(name);
    const found = await existing.inspect().catch((error) => {
      if (engineStatus(error) === 404) return null; // Gone since: create again.
      throw error;
    });
    if (!found) continue;
    if (found.Config.Labels?.[LABEL_JOB] !== context.jobId) {
      throw new JobFailure(
        `A container named ${name} exists and is not this job's (no ${LABEL_JOB}=${context.jobId} label): ` +
          "left alone",
      );
    }
    context.log(
      "system",
      `container ${name} of attempt ${found.Config.Labels[LABEL_ATTEMPT] ?? "?"} is still there ` +
        `(${found.State.Status}): removing it rather than running a twin\n`,
    );
    const error = await removeContainer(existing);
    if (error) throw new JobFailure(`Could not remove the earlier attempt's container ${name}: ${error}`);
  }
}

interface ContainerRun {
  exitCode: number | null;
  oomKilled: boolean;
  runtime: string;
  stoppedBy: "cancelled" | "timed_out" | null;
  startError: string | null;
}

/** Attaches, starts, waits (or stops it at cancel/deadline), reads its end state, removes it. */
async function runCreated(
  container: Docker.Container,
  context: RunContext,
  secrets: readonly string[],
  graceSeconds: number,
): Promise<ContainerRun> {
  let stoppedBy: ContainerRun["stoppedBy"] = null;
  let running = false;
  let stopping: Promise<void> | undefined;
  const requestStop = () => {
    stopping ??= stopContainer(container, graceSeconds).then((error) => {
      if (error) context.log("system", `stopping the container: ${error}\n`);
    });
  };
  const stop = (reason: "cancelled" | "timed_out") => {
    if (stoppedBy) return;
    stoppedBy = reason;
    context.log(
      "system",
      `${reason === "cancelled" ? "cancelled" : "deadline reached"}: stopping the container\n`,
    );
    if (running) requestStop();
  };
  const onAbort = () => stop("cancelled");
  context.signal.addEventListener("abort", onAbort, { once: true });
  if (context.signal.aborted) onAbort();
  const deadline = setTimeout(() => stop("timed_out"), Math.max(0, context.deadlineAt - Date.now()));

  let startError: string | null = null;
  let drained: Promise<void> = Promise.resolve();
  try {
    if (!stoppedBy) {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      drained = pipeOutput(stream, context, secrets);
      try {
        await container.start();
        running = true;
      } catch (error) {
        startError = engineMessage(error);
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      }
      // Cancelled or timed out while starting.
      if (running && stoppedBy) requestStop();
      if (running) await container.wait();
    }
    await stopping;
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, DRAIN_WAIT_MS).unref())]);
    const state = await container.inspect().catch(() => null);
    return {
      exitCode: running ? (state?.State.ExitCode ?? null) : null,
      oomKilled: state?.State.OOMKilled ?? false,
      runtime: state?.HostConfig.Runtime ?? "unknown",
      stoppedBy,
      startError,
    };
  } finally {
    clearTimeout(deadline);
    context.signal.removeEventListener("abort", onAbort);
    const error = await removeContainer(container);
    if (error) context.log("system", `removing the container: ${error}\n`);
  }
}

/** Demuxes the attach stream into the job log, secrets masked; resolves when it ends. */
function pipeOutput(
  stream: NodeJS.ReadableStream,
  context: RunContext,
  secrets: readonly string[],
): Promise<void> {
  const maskers = { stdout: new SecretMasker(secrets), stderr: new SecretMasker(secrets) };
  const demuxer = new Demuxer((name, text) => {
    const visible = maskers[name].write(text);
    if (visible) context.log(name, visible);
  });
  return new Promise((resolve) => {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      demuxer.end();
      for (const name of ["stdout", "stderr"] as const) {
        const rest = maskers[name].flush();
        if (rest) context.log(name, rest);
      }
      resolve();
    };
    stream.on("data", (chunk: Buffer) => demuxer.push(chunk));
    stream.on("end", end);
    stream.on("close", end);
    stream.on("error", end);
  });
}
