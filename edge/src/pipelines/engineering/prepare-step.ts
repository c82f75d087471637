/**
 * The Preparer stage: the commit the Developer starts from. A project built before goes on from
 * its repository as it is (`main`; the "prepare" step skipped). Otherwise, as workflow steps: the
 * project's template read from the catalog ("template: read": the one the Architect chose or
 * kept), the repository created on its host when the GitHub App hosts it (a "repository" timeline
 * row), the template rendered with the spec's answers and pushed as the first commit
 * (scaffold-step.ts: the answers its validators refuse go back to the Architect, then to the
 * user), and the repository recorded on the project with the template and version it came from.
 * The spec comes back as the scaffold took it.
 */
import type { ProjectSpec } from "@codegen-orchestrator/shared";
import { database } from "../../db/client.ts";
import { recordRepository } from "../../domain/pipeline-projects.ts";
import { templateForProject } from "../../domain/project-templates.ts";
import { githubStep } from "../steps/github-step.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import { createRepository, onGitHub } from "../steps/repository.ts";
import { timelineStep } from "../steps/timeline.ts";
import { scaffoldStep } from "./scaffold-step.ts";

export async function prepareStep(
  pipeline: Pipeline,
  project: { slug: string; resourceName: string; repoUrl: string | null },
  spec: ProjectSpec,
  url: string,
): Promise<{ commit: string; spec: ProjectSpec } | { error: string }> {
  const { env, step } = pipeline;
  if (project.repoUrl) {
    const skipped = async () => ({
      status: "skipped" as const,
      detail: { repository: "exists" },
      value: null,
    });
    await timelineStep(pipeline, "prepare: skipped", skipped, { row: "prepare" });
    return { commit: "main", spec };
  }
  // As JSON text: the questions' YAML values are typed `unknown` (the API's schema of them cannot be
  // recursive), so the value is parsed after the step, the same way on every replay.
  const read = await step.do("template: read", async () =>
    JSON.stringify(await templateForProject(database(env.DB), pipeline.projectId, spec.template?.id)),
  );
  const chosen = JSON.parse(read) as Awaited<ReturnType<typeof templateForProject>>;
  if ("error" in chosen) return { error: chosen.error };
  const { template } = chosen;
  await pipeline.progress(
    "prepare",
    `🏗 Creating the repository and scaffolding the project from ${template.name}…`,
  );
  if (onGitHub(env, url)) {
    const created = await githubStep(pipeline, "repository", async () => ({
      detail: { ...(await createRepository(env, url, spec.description)) },
      value: null,
    }));
    if (created.error) return { error: `The repository could not be created: ${created.error}` };
  }
  const repo = { url, resourceName: project.resourceName };
  const scaffolded = await scaffoldStep(pipeline, project, spec, template, repo);
  if ("error" in scaffolded) return scaffolded;
  await step.do("record repository", () =>
    recordRepository(database(env.DB), pipeline.projectId, url, {
      id: template.id,
      version: template.version,
    }),
  );
  await pipeline.progress("prepare", `📦 Repository ready: ${url} (${scaffolded.commit.slice(0, 12)})`);
  return scaffolded;
}
