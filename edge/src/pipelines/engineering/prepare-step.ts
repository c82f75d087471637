/**
 * The Preparer stage: the commit the Developer starts from. A project built before goes on from
 * its repository as it is (`main`; the "prepare" step skipped). Otherwise, as workflow steps: the
 * project's template read from the catalog ("template"), the repository created on its host when
 * the GitHub App hosts it (a "repository" timeline row), the template rendered and pushed as the
 * first commit by a `copier` job ("prepare"), and the repository recorded on the project with the
 * template and version it came from.
 */

import { database } from "../../db/client.ts";
import { recordRepository } from "../../domain/pipeline-projects.ts";
import { templateForProject } from "../../domain/project-templates.ts";
import { githubStep } from "../steps/github-step.ts";
import { jobStep } from "../steps/job-step.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import { createRepository, onGitHub } from "../steps/repository.ts";
import { timelineStep } from "../steps/timeline.ts";
import { type PreparedProject, scaffoldJob } from "./prepare.ts";

export async function prepareStep(
  pipeline: Pipeline,
  project: PreparedProject & { resourceName: string; repoUrl: string | null },
  url: string,
): Promise<{ commit: string } | { error: string }> {
  const { env, step } = pipeline;
  if (project.repoUrl) {
    const skipped = async () => ({
      status: "skipped" as const,
      detail: { repository: "exists" },
      value: null,
    });
    await timelineStep(pipeline, "prepare: skipped", skipped, { row: "prepare" });
    return { commit: "main" };
  }
  const chosen = await step.do("template", () => templateForProject(database(env.DB), pipeline.projectId));
  if ("error" in chosen) return { error: chosen.error };
  const { template } = chosen;
  await pipeline.progress(
    "prepare",
    `🏗 Creating the repository and scaffolding the project from ${template.name}…`,
  );
  if (onGitHub(env, url)) {
    const created = await githubStep(pipeline, "repository", async () => ({
      detail: { ...(await createRepository(env, url, project.description)) },
      value: null,
    }));
    if (created.error) return { error: `The repository could not be created: ${created.error}` };
  }
  const repo = { url, resourceName: project.resourceName };
  const prepared = await jobStep(pipeline, "prepare", {
    kind: "copier",
    ...scaffoldJob(env, project, template, repo),
    summarize: () => ({ detail: { template: template.name, version: template.version } }),
  });
  const commit = prepared.output && "published" in prepared.output ? prepared.output.published?.commit : null;
  if (prepared.status !== "succeeded" || !commit)
    return { error: `Scaffolding failed (${prepared.status}): ${prepared.error ?? "see the job log"}` };
  await step.do("record repository", () =>
    recordRepository(database(env.DB), pipeline.projectId, url, {
      id: template.id,
      version: template.version,
    }),
  );
  await pipeline.progress("prepare", `📦 Repository ready: ${url} (${commit.slice(0, 12)})`);
  return { commit };
}
