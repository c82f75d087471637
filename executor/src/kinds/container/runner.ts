/**
 * `container` jobs: one command in a container on the executor's Docker engine (never pulled: the
 * image must be there), the job's workdir bind-mounted as its working directory, limited in CPU and
 * memory, on network `none` or `host`. The `secretEnv` variables reach the command as files
 * exported by a wrapper, never in the container's configuration (containers/secret-files.ts).
 * Output is streamed to the job log as it comes (where the job's secret values are masked:
 * jobs/runner.ts). Cancel and the deadline stop the container (the stop signal, then
 * SIGKILL after a grace); whatever happens, the container is removed at the end. The container is
 * named after the job, so a retried attempt replaces what an earlier one left (see
 * containers/job-container.ts).
 */
import type { ContainerResult, ContainerSpec } from "@codegen-orchestrator/shared";
import { type DockerEngine, dockerEngine } from "../../containers/engine.ts";
import {
  createJobContainer,
  engineFailure,
  jobEngine,
  OUTPUT_ONLY,
  resourceLimits,
  sysboxRuntime,
} from "../../containers/job-container.ts";
import { jobLabels } from "../../containers/labels.ts";
import { runJobContainer } from "../../containers/run-container.ts";
import type { Runner, RunOutcome } from "../../jobs/runner.ts";

export interface ContainerRunnerOptions {
  /** The engine to use; default: `DOCKER_HOST`, else the default socket. */
  engine?: () => Promise<DockerEngine>;
  /** Between the stop signal and SIGKILL; default the runners' common grace (3 s). */
  graceMs?: number;
}

export function containerRunner(options: ContainerRunnerOptions = {}): Runner<ContainerSpec> {
  const engine = options.engine ?? (() => dockerEngine());
  return async (spec, context) => {
    const started = performance.now();
    const fail = (error: string, output?: ContainerResult): RunOutcome => ({
      status: "failed",
      output,
      error,
    });

    if (context.signal.aborted) return { status: "cancelled", output: undefined };
    // Secrets first: a job that cannot get them creates nothing.
    const secretEnv: Record<string, string> = {};
    for (const [variable, secret] of Object.entries(spec.secretEnv)) {
      const value = context.secrets[secret];
      if (value === undefined) return fail(`the job has no secret named ${secret} (for ${variable})`);
      secretEnv[variable] = value;
    }

    let docker: DockerEngine;
    try {
      docker = await jobEngine(engine);
    } catch (error) {
      return fail((error as Error).message);
    }
    try {
      const runtime = spec.dockerInside
        ? await sysboxRuntime(
            docker,
            {
              reason: "dockerInside",
              fallbackSetting: "allowPlainDocker",
              allowPlainDocker: spec.allowPlainDocker,
            },
            context.log,
          )
        : undefined;
      const job = await createJobContainer(
        docker,
        context,
        {
          Image: spec.image,
          ...(spec.command ? { Cmd: spec.command } : {}),
          Env: Object.entries(spec.env).map(([name, value]) => `${name}=${value}`),
          WorkingDir: spec.mountPath,
          Labels: jobLabels({
            jobId: context.jobId,
            attempt: context.attempt,
            project: spec.project,
            ttlSeconds: spec.ttlSeconds,
          }),
          ...OUTPUT_ONLY,
          HostConfig: {
            ...resourceLimits(spec),
            NetworkMode: spec.network,
            Mounts: [{ Type: "bind", Source: context.workdir, Target: spec.mountPath }],
            ...(runtime ? { Runtime: runtime } : {}),
          },
        },
        { secretEnv },
      );
      const { name, container } = job;
      context.log(
        "system",
        `container ${name} (${container.id.slice(0, 12)}): ${spec.image}, runtime ${runtime ?? "default"}, ` +
          `${spec.cpus} CPU, ${spec.memoryMb} MB, network ${spec.network}, workdir at ${spec.mountPath}\n`,
      );
      const run = await runJobContainer(job, {
        context,
        graceMs: options.graceMs,
        output: { write: (stream, text) => context.log(stream, text) },
      });
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
      return fail(engineFailure(docker, error));
    }
  };
}

/** The runner with the default engine: what the daemon registers. */
export const runContainer: Runner<ContainerSpec> = containerRunner();
