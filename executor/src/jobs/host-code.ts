/**
 * Which jobs run code they bring (a command, a project's tests and setup, a model's agent and the
 * tools it calls, a template's tasks or the copier CLI on a template) as processes on this host:
 * those get a user of their own (process/job-users.ts). The others run nothing of the job's on the
 * host: git with hooks off, ansible-playbook, containers (the engine isolates those).
 */
import type { AgentSpec, CopierSpec, JobKind, TestSpec } from "@codegen-orchestrator/shared";

export function runsCodeOnHost(kind: JobKind, spec: unknown): boolean {
  switch (kind) {
    case "exec":
      return true;
    case "agent":
      return (spec as AgentSpec).isolation === "process";
    case "test":
      return (spec as TestSpec).container === undefined;
    case "copier":
      return (spec as CopierSpec).engine === "copier" || (spec as CopierSpec).trust;
    default:
      return false;
  }
}
