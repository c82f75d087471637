/** Agent jobs started from tests: a fresh workdir each, the job's container name, a cancel handle. */
import { AgentResult, AgentSpec } from "@codegen-orchestrator/shared";
import { containerName } from "../../src/containers/labels.ts";
import { maskingSecrets, type RunContext, type Runner } from "../../src/jobs/runner.ts";
import { runAgent } from "../../src/kinds/agent/runner.ts";
import { runContext } from "./run-context.ts";
import { tempDir } from "./temp.ts";

/**
 * A starter of agent jobs whose ids begin with `prefix` and whose workspaces share `cacheDir`.
 * A started job's `outcome` settles when the runner returns (as registered, unless another is
 * given: the job's secrets masked in its log and error), its output parsed as `AgentResult`.
 */
export function agentJobs(prefix: string, cacheDir: () => string) {
  let count = 0;
  return async (
    spec: object,
    overrides: Partial<RunContext> = {},
    runner: Runner<AgentSpec> = maskingSecrets(runAgent),
  ) => {
    const controller = new AbortController();
    const test = await runContext({
      jobId: `${prefix}-${++count}`,
      workdir: await tempDir("co-agent-job-"),
      cacheDir: cacheDir(),
      signal: controller.signal,
      ...overrides,
    });
    const outcome = runner(AgentSpec.parse(spec), test.ctx).then((result) => ({
      ...result,
      output: result.output === undefined ? null : AgentResult.parse(result.output),
    }));
    return { ...test, controller, name: containerName(test.ctx.jobId), outcome };
  };
}
