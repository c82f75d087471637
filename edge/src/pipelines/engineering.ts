/**
 * `EngineeringWorkflow`: one Cloudflare Workflows instance per engineering run (its id is the
 * run's id), started through the run's chat agent (`runWorkflow`) so that progress reaches the
 * chat. Every side effect is a step; a restart resumes after the last completed one.
 *
 * Stages built so far: Architect (the model writes the spec from the conversation, stored on the
 * project) and Preparer (scaffold the template, create the repository, push the first commit).
 * The Developer and Tester stages come next; until then the run ends after the Preparer, failed,
 * saying so.
 */
import { AgentWorkflow, type AgentWorkflowEvent, type AgentWorkflowStep } from "agents/workflows";
import { eq } from "drizzle-orm";
import type { ChatSession } from "../chat/session.ts";
import { database } from "../db/client.ts";
import { projects } from "../db/schema.ts";
import { architectStep } from "./architect-step.ts";
import { jobStep, type Pipeline } from "./job-step.ts";
import type { RunParams, RunProgress } from "./params.ts";
import { repositoryUrl, scaffoldSpec } from "./prepare.ts";
import { markFinished, markRunning } from "./timeline.ts";

const NOT_YET =
  "The Developer and Tester stages are not available yet: the project was scaffolded and pushed.";

export class EngineeringWorkflow extends AgentWorkflow<ChatSession, RunParams, RunProgress> {
  override async run(event: AgentWorkflowEvent<RunParams>, step: AgentWorkflowStep) {
    const { runId, projectId } = event.payload;
    const pipeline: Pipeline = {
      env: this.env,
      step,
      instanceId: event.instanceId,
      workflow: "ENGINEERING_WORKFLOW",
      runId,
    };
    const project = await step.do("start", async () => {
      const db = database(this.env.DB);
      await markRunning(db, runId);
      const [row] = await db
        .select({ slug: projects.slug, name: projects.name, description: projects.description })
        .from(projects)
        .where(eq(projects.id, projectId));
      return row ?? null;
    });
    const fail = (error: string) =>
      step.do("finish", async () => {
        await markFinished(database(this.env.DB), runId, "failed", error);
        return error;
      });
    if (!project) return this.#end(runId, await fail("The project no longer exists."));
    const url = repositoryUrl(this.env, project.slug);
    if (!url) return this.#end(runId, await fail("No repository host is configured (REPO_BASE_URL)."));

    await this.reportProgress({ runId, stage: "architect", text: "📐 Writing the spec…" });
    const architect = await architectStep(this.env, step, {
      runId,
      projectId,
      project,
      brief: () => this.agent.conversationBrief(),
    });
    if (!architect.spec) return this.#end(runId, await fail(`The Architect failed: ${architect.error}`));

    await this.reportProgress({
      runId,
      stage: "prepare",
      text: "🏗 Scaffolding the project and creating its repository…",
    });
    const prepared = await jobStep(pipeline, "prepare", {
      kind: "copier",
      spec: scaffoldSpec(this.env, { slug: project.slug, ...architect.spec }, url),
    });
    if (prepared.status !== "succeeded") {
      return this.#end(
        runId,
        await fail(`Scaffolding failed (${prepared.status}): ${prepared.error ?? "see the job log"}`),
      );
    }
    const commit =
      prepared.output && "published" in prepared.output ? prepared.output.published?.commit : null;
    await step.do("record repository", async () => {
      await database(this.env.DB)
        .update(projects)
        .set({ repoUrl: url, updatedAt: new Date() })
        .where(eq(projects.id, projectId));
    });
    await this.reportProgress({
      runId,
      stage: "prepare",
      text: `📦 Repository ready: ${url} (${commit?.slice(0, 12) ?? "?"})`,
    });
    return this.#end(runId, await fail(NOT_YET));
  }

  async #end(runId: string, error: string | null): Promise<{ runId: string; error: string | null }> {
    await this.reportProgress({ runId, stage: "end", text: error ? `❌ ${error}` : "✅ Done." });
    return { runId, error };
  }
}
