/**
 * `EngineeringWorkflow`: one Cloudflare Workflows instance per engineering run (its id is the
 * run's id), started through the run's chat agent (`runWorkflow`) so that progress reaches the
 * chat. Every side effect is a step; a restart resumes after the last completed one.
 *
 * Architect (the spec, from the conversation) → Preparer (scaffold, repository, first commit) →
 * Developer and Tester in turns until the project's tests pass; after the last fix iteration the
 * user decides (`waitForApproval`): retry with guidance, deploy anyway, or stop.
 */

import { DEFAULT_POOL, type ProjectSpec, RunDecision } from "@codegen-orchestrator/shared";
import type { AgentWorkflowEvent, AgentWorkflowStep } from "agents/workflows";
import { and, eq, isNull } from "drizzle-orm";
import { database } from "../../db/client.ts";
import { projects } from "../../db/schema.ts";
import { beginStep, endStep, markRunning, markWaiting } from "../../domain/run-steps.ts";
import { positiveNumber } from "../../vars.ts";
import { startDeploy } from "../launch.ts";
import { decisionEvent, decisionStep } from "../steps/decisions.ts";
import { type JobOutcome, jobStep, type Pipeline } from "../steps/job-step.ts";
import { PipelineWorkflow } from "../steps/pipeline-workflow.ts";
import { repositoryUrl } from "../steps/repository.ts";
import type { RunParams } from "../workflows.ts";
import { architectStep } from "./architect-step.ts";
import { developerConfig, developJob, summarizeDevelop, type TestFeedback } from "./develop.ts";
import { prepareStep } from "./prepare-step.ts";
import { testerSettingsError } from "./project-code.ts";
import { feedbackOf, summarizeTest, testJob, testLine } from "./tester.ts";

const DEVELOP_TIMEOUT_MS = 30 * 60_000;
const TEST_TIMEOUT_MS = 15 * 60_000;
/** How long a question to the user stays open before the run stops. */
const DECISION_TIMEOUT = "7 days";

interface Built {
  projectId: string;
  spec: ProjectSpec;
  repoUrl: string;
  resourceName: string;
  /** What the first test run tests if the Developer changes nothing: the scaffold's commit, or `main`. */
  commit: string;
}

type Developed =
  | { outcome: "tested" | "untested"; commit: string; iterations: number; summary: string }
  | { outcome: "stopped"; error: string }
  | { outcome: "failed"; error: string };

export class EngineeringWorkflow extends PipelineWorkflow {
  override async run(event: AgentWorkflowEvent<RunParams>, step: AgentWorkflowStep) {
    const { runId, projectId } = event.payload;
    const project = await step.do("start", async () => {
      const db = database(this.env.DB);
      await markRunning(db, runId);
      const [row] = await db
        .select({
          slug: projects.slug,
          resourceName: projects.resourceName,
          name: projects.name,
          description: projects.description,
          repoUrl: projects.repoUrl,
          pool: projects.pool,
        })
        .from(projects)
        // A deleted project is never built again (a run that slipped past its deletion).
        .where(and(eq(projects.id, projectId), isNull(projects.deletedAt)));
      return row ?? null;
    });
    const fail = (error: string) => this.finish(step, runId, "failed", error);
    if (!project) return fail("The project no longer exists.");
    const pipeline: Pipeline = {
      env: this.env,
      step,
      instanceId: event.instanceId,
      workflow: "ENGINEERING_WORKFLOW",
      runId,
      projectId,
      // A run started before pools kept no pool in its first step: the default one.
      pool: project.pool || DEFAULT_POOL,
    };
    let url = project.repoUrl;
    try {
      url ??= repositoryUrl(this.env, project.resourceName);
      // Where the project's code would run: said before any work, not at the first Developer step.
      developerConfig(this.env);
    } catch (err) {
      return fail((err as Error).message);
    }
    const tester = testerSettingsError(this.env);
    if (tester) return fail(tester);
    if (!url) return fail("No repository host is configured (GITHUB_APP_ID or REPO_BASE_URL).");

    await this.progress(runId, "architect", "📐 Writing the spec…");
    const architect = await architectStep(this.env, step, {
      runId,
      projectId,
      project,
      brief: () => this.agent.conversationBrief(),
    });
    if (!architect.spec) return fail(`The Architect failed: ${architect.error}`);

    let start: string;
    if (project.repoUrl) {
      // Built before: the Developer goes on from the repository as it is.
      start = "main";
      await step.do("prepare: skipped", async () => {
        const db = database(this.env.DB);
        await beginStep(db, runId, "prepare");
        await endStep(db, runId, "prepare", "skipped", { repository: "exists" });
      });
    } else {
      await this.progress(runId, "prepare", "🏗 Creating the repository and scaffolding the project…");
      const prepared = await prepareStep(
        pipeline,
        { slug: project.slug, ...architect.spec },
        { url, resourceName: project.resourceName },
      );
      if ("error" in prepared) return fail(prepared.error);
      await this.progress(runId, "prepare", `📦 Repository ready: ${url} (${prepared.commit.slice(0, 12)})`);
      start = prepared.commit;
    }

    const built: Built = {
      projectId,
      spec: architect.spec,
      repoUrl: url,
      resourceName: project.resourceName,
      commit: start,
    };
    const developed = await this.#developAndTest(pipeline, step, built);
    if (developed.outcome === "failed") return fail(developed.error);
    if (developed.outcome === "stopped") return this.finish(step, runId, "cancelled", developed.error);
    const deploy = await step.do("deploy: start", () => startDeploy(this.env, runId, projectId));
    const next = deploy.runId ? " Deploying it next." : ` It was not deployed: ${deploy.error}`;
    return this.finish(step, runId, "succeeded", null, `${developed.summary}${next}`);
  }

  /** Developer and Tester in turns until the tests pass or the user decides otherwise. */
  async #developAndTest(pipeline: Pipeline, step: AgentWorkflowStep, built: Built): Promise<Developed> {
    const { env, runId } = pipeline;
    let budget = positiveNumber(env.MAX_FIX_ITERATIONS, 3);
    let session: string | null = null;
    // The executor whose workspace holds the session: later iterations go there while it is connected.
    let developer: string | null = null;
    let feedback: TestFeedback | null = null;
    let guidance: string | null = null;
    let commit = built.commit;
    let questions = 0;
    for (let iteration = 1; ; iteration++) {
      const doing = feedback ? `fixing what failed` : "implementing the spec";
      await this.progress(runId, "develop", `🧑‍💻 Developer, iteration ${iteration}: ${doing}…`);
      let job: ReturnType<typeof developJob>;
      try {
        job = developJob(env, { ...built, iteration, session, feedback, guidance });
      } catch (err) {
        // The server's Developer settings are wrong: the run says which, rather than crash.
        return { outcome: "failed", error: (err as Error).message };
      }
      const develop: JobOutcome<"agent"> = await jobStep(pipeline, `develop ${iteration}`, {
        kind: "agent",
        ...job,
        timeoutMs: DEVELOP_TIMEOUT_MS,
        summarize: summarizeDevelop,
        preferExecutor: developer,
      });
      if (develop.status !== "succeeded" || !develop.output)
        return {
          outcome: "failed",
          error: `The Developer failed (${develop.status}): ${develop.error ?? "see the job log"}`,
        };
      session = develop.output.sessionId ?? session;
      developer = develop.executorId ?? developer;
      commit = develop.output.commit ?? commit;

      await this.progress(runId, "test", `🧪 Testing iteration ${iteration} (${commit.slice(0, 12)})…`);
      const tested = await jobStep(pipeline, `test ${iteration}`, {
        kind: "test",
        ...testJob(env, { ...built, commit }),
        timeoutMs: TEST_TIMEOUT_MS,
        summarize: summarizeTest,
      });
      if (tested.status !== "succeeded" || !tested.output)
        return {
          outcome: "failed",
          error: `The tests could not run (${tested.status}): ${tested.error ?? "see the job log"}`,
        };
      const line = testLine(tested.output);
      if (tested.output.passed)
        return {
          outcome: "tested",
          commit,
          iterations: iteration,
          summary: `Tests pass after ${iteration} iteration(s): ${line}; commit ${commit.slice(0, 12)}.`,
        };
      feedback = feedbackOf(iteration, tested.output);
      guidance = null;
      if (--budget > 0) {
        await this.progress(runId, "test", `❌ Iteration ${iteration}: ${line}. Fixing…`);
        continue;
      }
      const decision = await this.#decide(step, runId, ++questions, `Iteration ${iteration}: ${line}.`);
      if (decision.choice === "stop")
        return {
          outcome: "stopped",
          error: `Stopped by the user after ${iteration} iteration(s); the tests still fail.`,
        };
      if (decision.choice === "deploy")
        return {
          outcome: "untested",
          commit,
          iterations: iteration,
          summary: `Deploying anyway, as asked: ${line}; commit ${commit.slice(0, 12)}.`,
        };
      guidance = decision.guidance ?? null;
      budget = 1;
    }
  }

  /** Asks the run's user what to do and waits for the answer (a rejection or no answer: stop). */
  async #decide(step: AgentWorkflowStep, runId: string, n: number, situation: string): Promise<RunDecision> {
    const env = this.env;
    const name = decisionStep(n);
    await step.do(`${name}: ask`, async () => {
      const db = database(env.DB);
      await beginStep(db, runId, name);
      await markWaiting(db, runId, true);
      await this.agent.askRunDecision(runId, situation);
    });
    await this.progress(runId, "decision", `✋ ${situation} Waiting for your decision…`);
    let decision: RunDecision = { choice: "stop" };
    let how = "answered";
    try {
      const answer = await this.waitForApproval<unknown>(step, {
        stepName: `${name}: wait`,
        eventType: decisionEvent(n),
        timeout: DECISION_TIMEOUT,
      });
      const parsed = RunDecision.safeParse(answer);
      if (parsed.success) decision = parsed.data;
      else how = "unreadable answer";
    } catch (err) {
      // Rejected ("stop"), or nobody answered in time.
      if ((err as Error).name !== "WorkflowRejectedError") how = "no answer in time";
    }
    await step.do(`${name}: record`, async () => {
      const db = database(env.DB);
      await markWaiting(db, runId, false);
      await endStep(db, runId, name, "succeeded", {
        choice: decision.choice,
        how,
        guidance: Boolean(decision.guidance),
      });
    });
    return decision;
  }
}
