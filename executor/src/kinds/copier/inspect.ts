import type { CopierInspectSpec } from "@codegen-orchestrator/shared";
import { GitError } from "../../git/git.ts";
import type { Runner, RunOutcome } from "../../jobs/runner.ts";
import { ScaffoldError } from "../../scaffold/errors.ts";
import { inspectTemplate } from "../../scaffold/inspect.ts";
import { copierCacheDir, failedOutcome, scaffoldSource } from "./outcome.ts";

export const runInspect: Runner<CopierInspectSpec> = async (spec, context): Promise<RunOutcome> => {
  const { template } = spec;
  try {
    const output = await inspectTemplate({
      source: scaffoldSource(template, context),
      cacheDir: copierCacheDir(context),
      signal: context.signal,
      deadlineAt: context.deadlineAt,
      log: context.log,
    });
    context.log("system", `${output.questions.length} questions in ${output.file ?? "no copier.yml"}\n`);
    return { status: "succeeded", output };
  } catch (error) {
    if (error instanceof GitError && !error.stoppedBy && "url" in template)
      return failedOutcome(
        new ScaffoldError(
          "invalid_template",
          `cannot fetch the template from ${template.url}: ${error.message}`,
        ),
        context,
      );
    return failedOutcome(error, context);
  }
};
