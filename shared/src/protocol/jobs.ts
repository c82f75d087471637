/**
 * The registry of job kinds: each kind names the executor capability it needs and the schemas of
 * its spec and its result. The hub validates specs on submit; executors validate them again on
 * assign and validate their own results before sending them.
 */
import { z } from "zod";
import { AgentResult, AgentSpec } from "./agent.ts";
import { AnsibleResult, AnsibleSpec } from "./ansible.ts";
import { ContainerResult, ContainerSpec } from "./container.ts";
import { CopierJobSpec, CopierOutput } from "./copier.ts";
import { GitResult, GitSpec } from "./git.ts";
import { HttpCheckResult, HttpCheckSpec } from "./http-check.ts";
import { HttpWatchResult, HttpWatchSpec } from "./http-watch.ts";
import { TestResult, TestSpec } from "./project-test.ts";
import { EnvName } from "./values.ts";

/** `exec`: one command (argv, no shell) in a fresh temp workdir, process isolation. */
export const ExecSpec = z.strictObject({
  command: z.array(z.string().min(1).max(4096)).min(1).max(256),
  env: z.record(EnvName, z.string().max(32_768)).default({}),
  stdin: z.string().max(1_048_576).optional(),
});
export type ExecSpec = z.infer<typeof ExecSpec>;

export const ExecResult = z.strictObject({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  durationMs: z.number().nonnegative(),
});
export type ExecResult = z.infer<typeof ExecResult>;

export const jobKinds = {
  exec: { capability: "exec", spec: ExecSpec, result: ExecResult },
  copier: { capability: "copier", spec: CopierJobSpec, result: CopierOutput },
  git: { capability: "git", spec: GitSpec, result: GitResult },
  agent: { capability: "agent", spec: AgentSpec, result: AgentResult },
  container: { capability: "container", spec: ContainerSpec, result: ContainerResult },
  ansible: { capability: "ansible", spec: AnsibleSpec, result: AnsibleResult },
  test: { capability: "test", spec: TestSpec, result: TestResult },
  http_check: { capability: "http_check", spec: HttpCheckSpec, result: HttpCheckResult },
  http_watch: { capability: "http_watch", spec: HttpWatchSpec, result: HttpWatchResult },
} as const;

export type JobKind = keyof typeof jobKinds;
export const JobKind = z.enum(Object.keys(jobKinds) as [JobKind, ...JobKind[]]);

/**
 * Light jobs (a monitor's check or watch: GETs the daemon makes itself, one at a time) take no
 * slot of an executor's capacity, so heavy work (deploys, agents) never holds them back. A watch
 * holds its slot for an hour while mostly waiting on a timer, so an executor runs up to
 * LIGHT_JOBS_PER_EXECUTOR of them at once: a monitored deployment each.
 */
export const LIGHT_JOB_KINDS: readonly JobKind[] = ["http_check", "http_watch"];
export const LIGHT_JOBS_PER_EXECUTOR = 1000;

export type JobSpec<K extends JobKind> = z.infer<(typeof jobKinds)[K]["spec"]>;
export type JobOutput<K extends JobKind> = z.infer<(typeof jobKinds)[K]["result"]>;

/** Capabilities an executor advertises beyond its kinds': a Docker engine, and Sysbox on it. */
export const DOCKER_CAPABILITY = "docker";
export const SYSBOX_CAPABILITY = "sysbox";

/** Every capability there is: what an admin may allow an executor (by default, all of them). */
export const ALL_CAPABILITIES: readonly string[] = [
  ...new Set(Object.values(jobKinds).map((kind) => kind.capability as string)),
  DOCKER_CAPABILITY,
  SYSBOX_CAPABILITY,
];

/**
 * The label that names an executor's pool. The admin sets it when creating the executor (the
 * executor cannot claim another), and every job carries the pool it may run in: its project's.
 */
export const POOL_LABEL = "pool";
export const DEFAULT_POOL = "default";

/**
 * Every capability a job needs: its kind's, and what its spec adds (a container-isolated agent
 * needs a Docker engine; Docker inside a container needs Sysbox, unless plain or privileged Docker is allowed).
 * `spec` is the validated spec of that kind.
 */
export function requiredCapabilities(kind: JobKind, spec: unknown): string[] {
  const needs: string[] = [jobKinds[kind].capability];
  if (kind === "agent") {
    const agent = spec as AgentSpec;
    if (agent.isolation === "docker" || (agent.isolation === "sysbox" && agent.container?.allowPlainDocker)) {
      needs.push(DOCKER_CAPABILITY);
    } else if (agent.isolation === "sysbox") needs.push(SYSBOX_CAPABILITY);
  }
  const tested = kind === "test" ? (spec as TestSpec).container : undefined;
  if (tested) {
    needs.push(DOCKER_CAPABILITY);
    if (tested.dockerInside !== "never" && !tested.allowPrivilegedDocker) needs.push(SYSBOX_CAPABILITY);
  }
  if (kind === "container") {
    const container = spec as ContainerSpec;
    if (container.dockerInside && !container.allowPlainDocker) needs.push(SYSBOX_CAPABILITY);
  }
  return needs;
}
