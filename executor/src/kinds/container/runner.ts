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
  type JobContainer,
  jobEngine,
  OUTPUT_ONLY,
  resourceLimits,
  sysboxRuntime,
} from "../../containers/job-container.ts";
import { jobLabels } from "../../containers/labels.ts";
import { type ContainerRun, runJobContainer } from "../../containers/run-container.ts";
import type { RunContext, Runner, RunOutcome } from "../../jobs/runner.ts";

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
    if (context.signal.aborted) return { status: "cancelled", output: undefined };
    // Secrets first: a job that cannot get them creates nothing.
    const secrets = secretEnvOf(spec, context);
    if ("missing" in secrets) return failed(secrets.missing);

    let docker: DockerEngine;
    try {
      docker = await jobEngine(engine);
    } catch (error) {
      return failed((error as Error).message);
    }
    try {
      const job = await createContainer(docker, spec, context, secrets.secretEnv);
      const run = await runJobContainer(job, {
        context,
        graceMs: options.graceMs,
        output: { write: (stream, text) => context.log(stream, text) },
      });
      return outcomeOf(run, spec, {
        containerName: job.name,
        containerId: job.container.id,
        runtime: run.runtime,
        exitCode: run.exitCode,
        oomKilled: run.oomKilled,
        durationMs: Math.round(performance.now() - started),
      });
    } catch (error) {
      return failed(engineFailure(docker, error));
    }
  };
}

const failed = (error: string, output?: ContainerResult): RunOutcome => ({
  status: "failed",
  output,
  error,
});

/** The `secretEnv` variables' values from the job's secrets; else the error naming the first missing. */
function secretEnvOf(
  spec: ContainerSpec,
  context: RunContext,
): { secretEnv: Record<string, string> } | { missing: string } {
  const secretEnv: Record<string, string> = {};
  for (const [variable, secret] of Object.entries(spec.secretEnv)) {
    const value = context.secrets[secret];
    if (value === undefined) return { missing: `the job has no secret named ${secret} (for ${variable})` };
    secretEnv[variable] = value;
  }
  return { secretEnv };
}

/** Creates the job's container (on Sysbox for `dockerInside`) and logs what it is. */
async function createContainer(
  docker: DockerEngine,
  spec: ContainerSpec,
  context: RunContext,
  secretEnv: Record<string, string>,
): Promise<JobContainer> {
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
  return job;
}

/** The job's outcome from how its container ended. */
function outcomeOf(run: ContainerRun, spec: ContainerSpec, output: ContainerResult): RunOutcome {
  if (run.startError) return failed(`The container did not start: ${run.startError}`, output);
  if (run.stoppedBy) return { status: run.stoppedBy, output };
  if (run.exitCode === 0) return { status: "succeeded", output };
  const oom = run.oomKilled ? ` (out of memory: killed at the ${spec.memoryMb} MB limit)` : "";
  return failed(`Exited with ${run.exitCode ?? "no exit code"}${oom}`, output);
}

/** The runner with the default engine: what the daemon registers. */
export const runContainer: Runner<ContainerSpec> = containerRunner();
