/**
 * Which jobs run code they bring (a command, a project's tests and setup, a model's agent and the
 * tools it calls, a template's tasks or the copier CLI on a template) as processes on this host:
 * those get a user of their own (process/job-users.ts). The others run nothing of the job's on the
 * host: git with hooks off, ansible-playbook, containers (the engine isolates those).
 */
import type { JobKind, JobSpec } from "@codegen-orchestrator/shared";

const hostCode: { [K in JobKind]: (spec: JobSpec<K>) => boolean } = {
  exec: () => true,
  agent: (spec) => spec.isolation === "process",
  test: (spec) => spec.container === undefined,
  // An inspection only reads the template's files; an update runs its migrations and tasks with trust.
  copier: (spec) =>
    "update" in spec ? spec.trust : !spec.inspect && (spec.engine === "copier" || spec.trust),
  git: () => false,
  container: () => false,
  ansible: () => false,
  // The daemon makes the request itself.
  http_check: () => false,
  http_watch: () => false,
};

export function runsCodeOnHost<K extends JobKind>(kind: K, spec: JobSpec<K>): boolean {
  return hostCode[kind](spec);
}
