/**
 * The runners this executor has, by job kind (what the host can run: daemon/capabilities.ts), each
 * with the job's secrets masked in its log and error (`maskingSecrets`).
 */
import type { JobKind } from "@codegen-orchestrator/shared";
import { runAgent } from "./agent.ts";
import { runAnsible } from "./ansible.ts";
import { runContainer } from "./container.ts";
import { runCopier } from "./copier.ts";
import { runExec } from "./exec.ts";
import { runGit } from "./git.ts";
import { maskingSecrets, type Runner } from "./runner.ts";
import { runTest } from "./test.ts";

export const runners: { [K in JobKind]: Runner<never> } = {
  exec: maskingSecrets(runExec) as Runner<never>,
  copier: maskingSecrets(runCopier) as Runner<never>,
  git: maskingSecrets(runGit) as Runner<never>,
  agent: maskingSecrets(runAgent) as Runner<never>,
  container: maskingSecrets(runContainer) as Runner<never>,
  ansible: maskingSecrets(runAnsible) as Runner<never>,
  test: maskingSecrets(runTest) as Runner<never>,
};
