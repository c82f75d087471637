/**
 * A GitHub App call as a timeline step (creating a project's repository, archiving it): GitHub's
 * own failures are tried again (the step's retries), a refusal ends the step `failed` with its
 * reason, and so does running out of retries.
 */
import { database } from "../../db/client.ts";
import { endStep } from "../../domain/run-steps.ts";
import { GitHubError } from "../../github/app.ts";
import type { Pipeline } from "./pipeline-workflow.ts";
import { timelineStep } from "./timeline.ts";

const GITHUB_RETRIES = {
  retries: { limit: 4, delay: "10 seconds" as const, backoff: "exponential" as const },
};

type Called<T> = { value: T; error: null } | { value: null; error: string };

export async function githubStep<T extends Rpc.Serializable<T>>(
  pipeline: Pick<Pipeline, "env" | "step" | "runId">,
  name: string,
  call: () => Promise<{ detail: Record<string, unknown>; value: T }>,
): Promise<Called<T>> {
  const { env, step, runId } = pipeline;
  try {
    return await timelineStep<Called<T>>(
      pipeline,
      name,
      async () => {
        try {
          const { detail, value } = await call();
          return { status: "succeeded", detail, value: { value, error: null } };
        } catch (err) {
          if (err instanceof GitHubError && err.transient) throw err;
          const error = (err as Error).message;
          return { status: "failed", detail: { error }, value: { value: null, error } };
        }
      },
      { config: GITHUB_RETRIES },
    );
  } catch (err) {
    // The retries are spent on GitHub's own failures (or no answer).
    const error = (err as Error).message;
    await step.do(`${name}: failed`, async () => {
      await endStep(database(env.DB), runId, name, "failed", { error });
    });
    return { value: null, error };
  }
}
