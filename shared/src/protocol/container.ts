/**
 * `container` jobs: one command in a container on the executor's Docker engine, named after the
 * job (a retried attempt finds its container instead of starting a twin), labelled with the job,
 * project and expiry, limited in CPU and memory, the job's workdir mounted.
 */
import { z } from "zod";
import { EnvName } from "./values.ts";

/** An image reference: [registry/]name[:tag][@digest]. */
export const ImageRef = z
  .string()
  .max(512)
  .regex(
    /^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    "an image reference",
  );

/** A CPU limit, in CPUs. */
export const CpuLimit = z.number().min(0.05).max(64);
/** A memory limit in MB (swap is not allowed beyond it). */
export const MemoryLimitMb = z.number().int().min(16).max(262_144);
/**
 * The Docker network modes a job may ask for. `bridge` (the engine's NAT network) only where a
 * kind allows it: container jobs are kept to `none` and `host`.
 */
export const NetworkMode = z.enum(["none", "host", "bridge"]);

export const ContainerSpec = z.strictObject({
  image: ImageRef,
  /** argv; the image's default command when absent. */
  command: z.array(z.string().max(4096)).min(1).max(256).optional(),
  env: z.record(EnvName, z.string().max(32_768)).default({}),
  /** Environment variables whose values are job secrets (by name); never logged. */
  secretEnv: z.record(EnvName, EnvName).default({}),
  /** Where the job's workdir is mounted inside the container (also the working directory). */
  mountPath: z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]*$/)
    .default("/workspace"),
  /** The project the container works for: the `orchestrator.project` label. */
  project: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .optional(),
  /** Docker inside the container: needs the `sysbox-runc` runtime on the host. */
  dockerInside: z.boolean().default(false),
  /** Without Sysbox on the host, run a `dockerInside` job with the plain runtime instead of refusing it. */
  allowPlainDocker: z.boolean().default(false),
  cpus: CpuLimit.default(1),
  memoryMb: MemoryLimitMb.default(512),
  /** `none` (default) or `host`: never a bridge network. */
  network: NetworkMode.exclude(["bridge"]).default("none"),
  /** After this long the container counts as an orphan and the daemon's sweep removes it. */
  ttlSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(3_600),
});
export type ContainerSpec = z.infer<typeof ContainerSpec>;

export const ContainerResult = z.strictObject({
  containerName: z.string(),
  containerId: z.string(),
  runtime: z.string(),
  exitCode: z.number().int().nullable(),
  oomKilled: z.boolean(),
  durationMs: z.number().nonnegative(),
});
export type ContainerResult = z.infer<typeof ContainerResult>;
