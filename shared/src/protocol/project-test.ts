/**
 * `test` jobs: the Tester's job. The project's repository is cloned at a ref and its own tests run
 * the way the project declares them in its manifest (`orchestrator.json`, rendered by the
 * template); the result says whether they passed, the counts and failing tests where the output
 * names them, and the end of the output (bounded), which the Developer gets on the next iteration.
 * Failing tests are a result, not a job failure: the job fails only when the tests could not run
 * (no checkout, nothing that says how to run them, a command that does not start). Without a
 * manifest, or one naming no test command, the conventions the checkout follows decide
 * (`ProjectProfile`, project-manifest.ts), and the result says so. A repository without a manifest
 * of its own may be given its template's (`manifest`, catalog-manifest.ts), which comes first.
 */
import { z } from "zod";
import { CatalogManifest } from "./catalog-manifest.ts";
import { CpuLimit, ImageRef, MemoryLimitMb, NetworkMode } from "./container.ts";
import { GitCredentials, GitRef, GitRemoteUrl } from "./git.ts";
import { CommandArgv } from "./project-manifest.ts";
import { EnvName } from "./values.ts";

/**
 * Where the project's code runs: in a container on the executor's Docker engine (the image must be
 * there, with the project's toolchain: node and npm for the default template), the checkout
 * mounted, limited in CPU and memory. Without it, a process on the executor host.
 */
export const TestContainer = z.strictObject({
  image: ImageRef,
  cpus: CpuLimit.default(2),
  memoryMb: MemoryLimitMb.default(2048),
  /** `bridge` (default): the setup step usually fetches dependencies; `none` for a project that vendors them. */
  network: NetworkMode.exclude(["host"]).default("bridge"),
  /** The project the container works for: the `orchestrator.project` label. */
  project: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .optional(),
  /**
   * A Docker engine inside the container, for tests that need Docker (a compose-based test target):
   * `when-needed` when the project's profile says its tests call Docker (`test.docker`), `always`,
   * or `never`. The image must have dockerd, the Docker CLI and setpriv; the container runs on the
   * `sysbox-runc` runtime (see allowPrivilegedDocker).
   */
  dockerInside: z.enum(["never", "when-needed", "always"]).default("never"),
  /**
   * Without Sysbox on the executor, run a `dockerInside` container with every capability the host
   * can give and no seccomp or AppArmor profile (what `--privileged` gives): as strong as root on
   * the executor host. The operator's choice, for executors that test only trusted projects.
   */
  allowPrivilegedDocker: z.boolean().default(false),
});
export type TestContainer = z.infer<typeof TestContainer>;

export const TestSpec = z.strictObject({
  checkout: z.strictObject({
    url: GitRemoteUrl,
    ref: GitRef.optional(),
    credentials: GitCredentials.optional(),
  }),
  /** Runs instead of the manifest's (or the detected) test command; the manifest's setup still runs first. */
  command: CommandArgv.optional(),
  /** The template catalog's manifest: used when the repository has none of its own, before the conventions. */
  manifest: CatalogManifest.optional(),
  env: z.record(EnvName, z.string().max(32_768)).default({}),
  /** How much of the output's end the result keeps, in characters. */
  outputLimit: z.number().int().min(1024).max(65_536).default(8192),
  /** Run the setup step and the tests in a container (the executor then needs Docker). */
  container: TestContainer.optional(),
});
export type TestSpec = z.infer<typeof TestSpec>;

export const TestCounts = z.strictObject({
  total: z.number().int().nonnegative(),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
});
export type TestCounts = z.infer<typeof TestCounts>;

export const TestResult = z.strictObject({
  /** The commit tested. */
  commit: z.string(),
  command: CommandArgv,
  /** Where the command came from: "the job's spec", "orchestrator.json", or the convention detected. */
  commandFrom: z.string().max(300).optional(),
  passed: z.boolean(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  durationMs: z.number().nonnegative(),
  /** Parsed from the runner's summary (TAP / node --test, Jest, Vitest, unittest), when it printed one. */
  counts: TestCounts.nullable(),
  /** The failing tests' names, where the output names them (at most 50). */
  failures: z.array(z.string().max(300)).max(50),
  /** The end of the combined output (stdout and stderr, as they came), at most `outputLimit`. */
  output: z.string().max(65_536),
  outputTruncated: z.boolean(),
});
export type TestResult = z.infer<typeof TestResult>;
