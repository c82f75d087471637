/**
 * The runners by job kind, typed by each kind's spec, and the one place a job's spec is parsed
 * with its kind's schema (`jobKinds` of the shared protocol), handed to its kind's runner, and
 * the runner's result checked against its kind's result schema. The runners themselves are
 * registered in kinds/index.ts: this module imports no kind.
 */
import { type JobKind, type JobOutput, type JobSpec, jobKinds } from "@codegen-orchestrator/shared";
import type { z } from "zod";
import { runsCodeOnHost } from "./host-code.ts";
import type { RunContext, Runner, RunOutcome } from "./runner.ts";

/** One runner per job kind, each taking its kind's parsed spec. */
export type Runners = { [K in JobKind]: Runner<JobSpec<K>> };

/** `jobKinds` as a mapped type: indexed by a generic kind, a schema keeps that kind's types. */
const schemas: { [K in JobKind]: { spec: z.ZodType<JobSpec<K>>; result: z.ZodType<JobOutput<K>> } } =
  jobKinds;

/** A job whose spec its kind's schema accepted, ready to run with its kind's runner. */
export interface ParsedJob {
  /** Whether it runs code of its own on this host (host-code.ts): such a job gets a user of its own. */
  readonly runsCodeOnHost: boolean;
  /**
   * Runs it. A result the hub would refuse (its kind's result schema does not accept it) is this
   * executor's bug: the job fails saying so, and `onInvalidResult` is told the first issue.
   */
  run(
    context: RunContext,
    onInvalidResult: (issue: z.core.$ZodIssue | undefined) => void,
  ): Promise<RunOutcome>;
}

/** The job of `kind` with `data` as its spec, or why the spec is refused. */
export function parseJob<K extends JobKind>(
  runners: Runners,
  kind: K,
  data: unknown,
): { job: ParsedJob; error?: never } | { job?: never; error: string } {
  const spec = schemas[kind].spec.safeParse(data);
  if (!spec.success) return { error: `Invalid ${kind} spec: ${spec.error.issues[0]?.message}` };
  const runner = runners[kind];
  return {
    job: {
      runsCodeOnHost: runsCodeOnHost(kind, spec.data),
      async run(context, onInvalidResult) {
        const outcome = await runner(spec.data, context);
        const checked = outcome.output === undefined ? null : schemas[kind].result.safeParse(outcome.output);
        if (!checked || checked.success) return outcome;
        const issue = checked.error.issues[0];
        onInvalidResult(issue);
        return {
          status: "failed",
          output: undefined,
          error: `The ${kind} runner produced an invalid result: ${issue?.message}`,
        };
      },
    },
  };
}
