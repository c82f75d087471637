/**
 * Where a project's code runs: the Developer's agent (model-written commands) and the project's
 * own tests are untrusted, so they run in containers (DEVELOPER_ISOLATION docker or sysbox with
 * DEVELOPER_IMAGE; the Tester in TESTER_IMAGE). On the executor host only where the operator says
 * so with RUN_PROJECT_CODE_ON_HOST=true, accepting what that gives up: the code runs as a job
 * process of the executor host (its own uid where the daemon can switch users), with the host's
 * network, tools and kernel, outside any container. `npm start` and the tests set it.
 */
import type { Env } from "../../env.ts";
import { pipelineSettings } from "../../settings/pipelines.ts";

export const HOST_OPT_IN =
  "set RUN_PROJECT_CODE_ON_HOST=true to run project code on the executor host instead (it then runs outside any container)";

/** Why the Tester cannot run a project's tests as configured, or null. */
export function testerSettingsError(env: Env): string | null {
  const { TESTER_IMAGE, RUN_PROJECT_CODE_ON_HOST } = pipelineSettings.read(env);
  if (TESTER_IMAGE || RUN_PROJECT_CODE_ON_HOST) return null;
  return `The Tester runs project tests in a container: set TESTER_IMAGE (an image with the projects' toolchain), or ${HOST_OPT_IN}.`;
}
