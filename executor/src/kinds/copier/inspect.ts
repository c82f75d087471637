/**
 * `copier` jobs in inspect mode: the template fetched as a render would fetch it (a git source at
 * its ref, or at the newest tag its version constraint allows) and its `copier.yml` read. Nothing
 * is rendered and nothing of the template runs. A template that cannot be fetched is an
 * `invalid_template` failure like one whose `copier.yml` does not parse, so the caller gets one
 * structured answer for "this is not a usable template".
 */
import path from "node:path";
import type { CopierInspectSpec } from "@codegen-orchestrator/shared";
import { GitError } from "../../git/git.ts";
import type { Runner, RunOutcome } from "../../jobs/runner.ts";
import { ScaffoldError } from "../../scaffold/errors.ts";
import { inspectTemplate } from "../../scaffold/inspect.ts";
import { failedOutcome, scaffoldSource } from "./outcome.ts";

export const runInspect: Runner<CopierInspectSpec> = async (spec, context): Promise<RunOutcome> => {
  const { template } = spec;
  try {
    const output = await inspectTemplate({
      source: scaffoldSource(template, context),
      cacheDir: path.join(context.cacheDir, "copier"),
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
