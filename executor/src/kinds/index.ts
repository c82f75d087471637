/**
 * The runners this executor has, by job kind (what the host can run: daemon/capabilities.ts), each
 * with the job's secrets masked in its log and error (`maskingSecrets`).
 */
import type { JobKind } from "@codegen-orchestrator/shared";
import { maskingSecrets, type Runner } from "../jobs/runner.ts";
import { runAgent } from "./agent/runner.ts";
import { runAnsible } from "./ansible/runner.ts";
import { runContainer } from "./container/runner.ts";
import { runCopier } from "./copier/runner.ts";
import { runExec } from "./exec/runner.ts";
import { runGit } from "./git/runner.ts";
import { runTest } from "./test/runner.ts";

export const runners: { [K in JobKind]: Runner<never> } = {
  exec: maskingSecrets(runExec) as Runner<never>,
  copier: maskingSecrets(runCopier) as Runner<never>,
  git: maskingSecrets(runGit) as Runner<never>,
  agent: maskingSecrets(runAgent) as Runner<never>,
  container: maskingSecrets(runContainer) as Runner<never>,
  ansible: maskingSecrets(runAnsible) as Runner<never>,
  test: maskingSecrets(runTest) as Runner<never>,
};
