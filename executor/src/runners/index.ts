/** The runners this executor has, by job kind (what the host can run: daemon/capabilities.ts). */
import type { JobKind } from "@codegen-orchestrator/shared";
import { runAgent } from "./agent.ts";
import { runAnsible } from "./ansible.ts";
import { runContainer } from "./container.ts";
import { runCopier } from "./copier.ts";
import { runExec } from "./exec.ts";
import { runGit } from "./git.ts";
import type { Runner } from "./runner.ts";
import { runTest } from "./test.ts";

export const runners: { [K in JobKind]: Runner<never> } = {
  exec: runExec as Runner<never>,
  copier: runCopier as Runner<never>,
  git: runGit as Runner<never>,
  agent: runAgent as Runner<never>,
  container: runContainer as Runner<never>,
  ansible: runAnsible as Runner<never>,
  test: runTest as Runner<never>,
};
