/**
 * Making a job's container, for every runner that runs one (`container` jobs, `test` jobs with a
 * `container`, agents in `docker` or `sysbox` isolation): the runtime (Sysbox when asked, refused
 * clearly when the engine has none), the creation under the job's name, and engine errors told as
 * the job's failure.
 *
 * The container is named after the job (`co-job-<jobId>`; a job that runs several one after the
 * other adds each one's role: `co-job-<jobId>-setup`), so a retried attempt meets what an
 * earlier attempt left running. It removes that container (killed at once: the hub has given that
 * attempt up) and creates its own rather than adopting it: the old one has the earlier attempt's
 * workdir mounted (the daemon gave this attempt a fresh one and removes the old), its environment
 * and secrets may be stale, and its output so far went to the earlier attempt's log. A container
 * of that name that is not this job's is left alone, and the job fails.
 *
 * A job's secrets reach its container as files, never as its environment (secret-files.ts).
 */
import type Docker from "dockerode";
import type { RunContext } from "../jobs/runner.ts";
import { type DockerEngine, describeEngine, engineMessage, engineStatus } from "./engine.ts";
import { JobFailure } from "./job-failure.ts";
import { containerName, LABEL_ATTEMPT, LABEL_JOB } from "./labels.ts";
import { removeContainer } from "./lifecycle.ts";
import { type SecretFiles, writeSecretFiles } from "./secret-files.ts";

export { JobFailure };

export const SYSBOX_RUNTIME = "sysbox-runc";

export interface RuntimeWish {
  /** What asks for Sysbox, for the refusal: `dockerInside`, `isolation "sysbox"`. */
  reason: string;
  /** The setting that allows the plain runtime instead, for the refusal and the log. */
  fallbackSetting: string;
  allowPlainDocker: boolean;
}

/**
 * `sysbox-runc` when the engine has it. Without it the job is refused (a `JobFailure`), unless
 * the wish allows the plain runtime: then undefined (the engine's default) and a warning in the log.
 */
export async function sysboxRuntime(
  docker: DockerEngine,
  wish: RuntimeWish,
  log: RunContext["log"],
): Promise<string | undefined> {
  const info = (await docker.info()) as { Runtimes?: Record<string, unknown>; DefaultRuntime?: string };
  const runtimes = Object.keys(info.Runtimes ?? {});
  if (runtimes.includes(SYSBOX_RUNTIME)) return SYSBOX_RUNTIME;
  const fallback = info.DefaultRuntime ?? "runc";
  if (!wish.allowPlainDocker) {
    throw new JobFailure(
      `${wish.reason} needs the ${SYSBOX_RUNTIME} runtime (Sysbox), which this executor's Docker engine does not ` +
        `have (it has: ${runtimes.join(", ") || "none listed"}). Install Sysbox on the host, or set ` +
        `${wish.fallbackSetting} to run the job with the default runtime (${fallback}).`,
    );
  }
  log(
    "system",
    `${SYSBOX_RUNTIME} is not on this engine: running with the default runtime (${fallback}) because ` +
      `${wish.fallbackSetting} is set; the container will not have Sysbox's isolation\n`,
  );
  return undefined;
}

export interface JobContainer {
  name: string;
  container: Docker.Container;
  /** The files of its secrets, to remove once the container is gone (`runJobContainer` does). */
  secretFiles: SecretFiles | null;
}

export interface JobContainerExtras {
  /** For a job that runs several containers one after the other: `co-job-<jobId>-<role>`. */
  role?: string;
  /** Variables (name → value) the command gets from the job's secrets, as files (secret-files.ts). */
  secretEnv?: Readonly<Record<string, string>>;
}

/**
 * Creates the job's container, named after the job (and its role). When one of that name exists
 * (an earlier attempt of the job), it is removed first, never run beside: see the module comment.
 */
export async function createJobContainer(
  docker: DockerEngine,
  context: Pick<RunContext, "jobId" | "workdir" | "log">,
  options: Omit<Docker.ContainerCreateOptions, "name">,
  extras: JobContainerExtras = {},
): Promise<JobContainer> {
  const name = containerName(context.jobId, extras.role);
  const secretFiles = await writeSecretFiles(context.workdir, extras.secretEnv ?? {});
  try {
    const create = secretFiles ? await wrappedForSecrets(docker, options, secretFiles) : options;
    return { name, container: await createNamed(docker, context, name, create), secretFiles };
  } catch (error) {
    await secretFiles?.remove();
    throw error;
  }
}

async function createNamed(
  docker: DockerEngine,
  context: Pick<RunContext, "jobId" | "log">,
  name: string,
  options: Omit<Docker.ContainerCreateOptions, "name">,
): Promise<Docker.Container> {
  for (let tries = 0; ; tries++) {
    try {
      return await docker.createContainer({ ...options, name });
    } catch (error) {
      const status = engineStatus(error);
      if (status === 404 && /no such image/i.test(engineMessage(error)))
        throw new JobFailure(missingImage(options.Image, error));
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

/**
 * The options with the secrets' wrapper as entrypoint, running what the container would have run
 * (the image's entrypoint and the given command, else the image's), and the secrets mounted.
 */
async function wrappedForSecrets(
  docker: DockerEngine,
  options: Omit<Docker.ContainerCreateOptions, "name">,
  files: SecretFiles,
): Promise<Omit<Docker.ContainerCreateOptions, "name">> {
  const image = await docker
    .getImage(options.Image ?? "")
    .inspect()
    .catch((error) => {
      throw engineStatus(error) === 404 ? new JobFailure(missingImage(options.Image, error)) : error;
    });
  const argv = (value: string | string[] | null | undefined) =>
    typeof value === "string" ? [value] : (value ?? []);
  const command =
    options.Entrypoint !== undefined
      ? [...argv(options.Entrypoint), ...argv(options.Cmd)]
      : [...argv(image.Config.Entrypoint), ...argv(options.Cmd ?? image.Config.Cmd)];
  if (command.length === 0)
    throw new JobFailure(`neither the job nor the image ${options.Image} says what command to run`);
  return {
    ...options,
    Entrypoint: files.entrypoint,
    Cmd: command,
    HostConfig: {
      ...options.HostConfig,
      Mounts: [...(options.HostConfig?.Mounts ?? []), ...files.mounts],
    },
  };
}

/** The engine a job's container is made on; a `JobFailure` saying why when there is none to use. */
export async function jobEngine(engine: () => Promise<DockerEngine>): Promise<DockerEngine> {
  try {
    return await engine();
  } catch (error) {
    throw new JobFailure(`Cannot use the Docker engine: ${engineMessage(error)}`);
  }
}

/** A container whose output the job streams, with no input: attached to stdout and stderr only. */
export const OUTPUT_ONLY = {
  AttachStdin: false,
  AttachStdout: true,
  AttachStderr: true,
  OpenStdin: false,
  Tty: false,
} as const;

/** Why a job fails when its image is not on the engine (it is never pulled). */
export const missingImage = (image: string | undefined, error: unknown): string =>
  `image ${image} is not on this executor's engine; build or pull it first (${engineMessage(error)})`;

/** The CPU and memory limits, as the engine takes them; no swap beyond the memory limit. */
export const resourceLimits = (limits: { cpus: number; memoryMb: number }) => ({
  NanoCpus: Math.round(limits.cpus * 1e9),
  Memory: limits.memoryMb * 1024 * 1024,
  // Where the kernel accounts swap: memory plus swap may not exceed the memory limit.
  MemorySwap: limits.memoryMb * 1024 * 1024,
});

/** What went wrong with the engine, as a job's error: a `JobFailure` as it is, else who failed how. */
export function engineFailure(docker: DockerEngine, error: unknown): string {
  if (error instanceof JobFailure) return error.message;
  if (engineStatus(error) === undefined)
    return `The Docker engine at ${describeEngine(docker)} does not answer: ${engineMessage(error)}`;
  return `The Docker engine at ${describeEngine(docker)} refused: ${engineMessage(error)}`;
}
