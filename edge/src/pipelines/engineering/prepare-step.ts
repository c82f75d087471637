/**
 * The Preparer as workflow steps: the repository created on its host when the GitHub App hosts it
 * (a "repository" timeline row), the template rendered and pushed as the first commit by a `copier`
 * job ("prepare"), and the repository recorded on the project.
 */
import { eq } from "drizzle-orm";
import { database } from "../../db/client.ts";
import { projects } from "../../db/schema.ts";
import { beginStep, endStep } from "../../domain/run-steps.ts";
import { GitHubError } from "../../github/app.ts";
import { jobStep, type Pipeline } from "../steps/job-step.ts";
import { createRepository, onGitHub, type ProjectRepository } from "../steps/repository.ts";
import { type PreparedProject, scaffoldJob } from "./prepare.ts";

/** GitHub's own failures are tried again (the step's retries); a refusal ends the run with its reason. */
const REPOSITORY_RETRIES = {
  retries: { limit: 4, delay: "10 seconds" as const, backoff: "exponential" as const },
};

export async function prepareStep(
  pipeline: Pipeline,
  project: PreparedProject,
  repo: ProjectRepository,
): Promise<{ commit: string } | { error: string }> {
  const { env } = pipeline;
  const { url } = repo;
  if (onGitHub(env, url)) {
    const error = await createOnGitHub(pipeline, url, project.description);
    if (error) return { error: `The repository could not be created: ${error}` };
  }
  const prepared = await jobStep(pipeline, "prepare", { kind: "copier", ...scaffoldJob(env, project, repo) });
  const commit = prepared.output && "published" in prepared.output ? prepared.output.published?.commit : null;
  if (prepared.status !== "succeeded" || !commit)
    return { error: `Scaffolding failed (${prepared.status}): ${prepared.error ?? "see the job log"}` };
  await pipeline.step.do("record repository", async () => {
    await database(env.DB)
      .update(projects)
      .set({ repoUrl: url, updatedAt: new Date() })
      .where(eq(projects.id, pipeline.projectId));
  });
  return { commit };
}

/** The "repository" step; its error, if the repository could not be had. */
async function createOnGitHub(pipeline: Pipeline, url: string, description: string): Promise<string | null> {
  const { env, step, runId } = pipeline;
  try {
    return await step.do("repository", REPOSITORY_RETRIES, async () => {
      const db = database(env.DB);
      await beginStep(db, runId, "repository");
      try {
        const repository = await createRepository(env, url, description);
        await endStep(db, runId, "repository", "succeeded", { ...repository });
        return null;
      } catch (err) {
        if (err instanceof GitHubError && err.transient) throw err;
        const error = (err as Error).message;
        await endStep(db, runId, "repository", "failed", { error });
        return error;
      }
    });
  } catch (err) {
    // The retries are spent on GitHub's own failures (or no answer).
    const error = (err as Error).message;
    await step.do("repository: failed", async () => {
      await endStep(database(env.DB), runId, "repository", "failed", { error });
    });
    return error;
  }
}
