/**
 * The runners this executor has, by job kind (what the host can run: daemon/capabilities.ts), each
 * with the job's secrets masked in its log and error (`maskingSecrets`).
 */
import type { Runners } from "../jobs/registry.ts";
import { maskingSecrets } from "../jobs/runner.ts";
import { runAgent } from "./agent/runner.ts";
import { runAnsible } from "./ansible/runner.ts";
import { runContainer } from "./container/runner.ts";
import { runCopier } from "./copier/runner.ts";
import { runExec } from "./exec/runner.ts";
import { runGit } from "./git/runner.ts";
import { runHttpCheck } from "./http/check-runner.ts";
import { runHttpWatch } from "./http/watch-runner.ts";
import { runTest } from "./test/runner.ts";

export const runners: Runners = {
  exec: maskingSecrets(runExec),
  copier: maskingSecrets(runCopier),
  git: maskingSecrets(runGit),
  agent: maskingSecrets(runAgent),
  container: maskingSecrets(runContainer),
  ansible: maskingSecrets(runAnsible),
  test: maskingSecrets(runTest),
  http_check: maskingSecrets(runHttpCheck),
  http_watch: maskingSecrets(runHttpWatch),
};
