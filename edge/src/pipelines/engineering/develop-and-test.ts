/**
 * The Developer and the Tester in turns until the project's tests pass. After the last fix
 * iteration (MAX_FIX_ITERATIONS) the user decides: retry with guidance (one more iteration),
 * deploy anyway, or stop.
 */
import type { CatalogManifest, ProjectSpec, TestResult } from "@codegen-orchestrator/shared";
import { pipelineSettings } from "../../settings/pipelines.ts";
import { askDecision } from "../steps/decisions.ts";
import { jobStep } from "../steps/job-step.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import { developJob, summarizeDevelop, type TestFeedback } from "./develop.ts";
import { feedbackOf, summarizeTest, testJob, testLine } from "./tester.ts";

const DEVELOP_TIMEOUT_MS = 30 * 60_000;
const TEST_TIMEOUT_MS = 15 * 60_000;

export interface Built {
  projectId: string;
  spec: ProjectSpec;
  repoUrl: string;
  resourceName: string;
  /** What the first test run tests if the Developer changes nothing: the scaffold's commit, or `main`. */
  commit: string;
  /** The template catalog's manifest, for a repository without one (null: none). */
  manifest: CatalogManifest | null;
  /** A fix run's brief (the incident's evidence), for the first iteration; null otherwise. */
  brief: string | null;
}

export type Developed =
  | { outcome: "tested" | "untested"; commit: string; iterations: number; summary: string }
  | { outcome: "stopped"; error: string }
  | { outcome: "failed"; error: string };

/** Where the Developer's work stands between iterations. */
interface Work {
  commit: string;
  /** The agent session to resume. */
  session: string | null;
  /** The executor whose workspace holds the session: later iterations go there while it is connected. */
  developer: string | null;
}

export async function developAndTest(pipeline: Pipeline, built: Built): Promise<Developed> {
  let budget = pipelineSettings.read(pipeline.env).MAX_FIX_ITERATIONS;
  let work: Work = { commit: built.commit, session: null, developer: null };
  let feedback: TestFeedback | null = null;
  let guidance: string | null = null;
  let questions = 0;
  for (let iteration = 1; ; iteration++) {
    const developed = await develop(pipeline, built, iteration, work, { feedback, guidance });
    if ("error" in developed) return { outcome: "failed", error: developed.error };
    work = developed;
    const { commit } = work;
    const tested = await test(pipeline, { ...built, commit }, iteration);
    if ("error" in tested) return { outcome: "failed", error: tested.error };
    const line = testLine(tested.result);
    const done = (outcome: "tested" | "untested", summary: string): Developed => ({
      outcome,
      commit,
      iterations: iteration,
      summary: `${summary}: ${line}; commit ${commit.slice(0, 12)}.`,
    });
    if (tested.result.passed) return done("tested", `Tests pass after ${iteration} iteration(s)`);
    feedback = feedbackOf(iteration, tested.result);
    guidance = null;
    if (--budget > 0) {
      await pipeline.progress("test", `❌ Iteration ${iteration}: ${line}. Fixing…`);
      continue;
    }
    const decision = await askDecision(pipeline, ++questions, `Iteration ${iteration}: ${line}.`);
    if (decision.choice === "stop")
      return {
        outcome: "stopped",
        error: `Stopped by the user after ${iteration} iteration(s); the tests still fail.`,
      };
    if (decision.choice === "deploy") return done("untested", "Deploying anyway, as asked");
    guidance = decision.guidance ?? null;
    budget = 1;
  }
}

/** One Developer iteration: an `agent` job that changes the code and pushes it. */
async function develop(
  pipeline: Pipeline,
  built: Built,
  iteration: number,
  work: Work,
  told: { feedback: TestFeedback | null; guidance: string | null },
): Promise<Work | { error: string }> {
  const doing = told.feedback
    ? `fixing what failed`
    : built.brief
      ? "fixing the deployed service"
      : "implementing the spec";
  await pipeline.progress("develop", `🧑‍💻 Developer, iteration ${iteration}: ${doing}…`);
  let job: ReturnType<typeof developJob>;
  try {
    const brief = iteration === 1 ? built.brief : null;
    job = developJob(pipeline.env, { ...built, iteration, session: work.session, ...told, brief });
  } catch (err) {
    // The server's Developer settings are wrong: the run says which, rather than crash.
    return { error: (err as Error).message };
  }
  const developed = await jobStep(pipeline, `develop ${iteration}`, {
    kind: "agent",
    ...job,
    timeoutMs: DEVELOP_TIMEOUT_MS,
    summarize: summarizeDevelop,
    preferExecutor: work.developer,
  });
  if (developed.status !== "succeeded" || !developed.output)
    return { error: `The Developer failed (${developed.status}): ${developed.error ?? "see the job log"}` };
  return {
    commit: developed.output.commit ?? work.commit,
    session: developed.output.sessionId ?? work.session,
    developer: developed.executorId ?? work.developer,
  };
}

/** One Tester run: a `test` job runs the project's tests on the Developer's commit. */
async function test(
  pipeline: Pipeline,
  built: Built,
  iteration: number,
): Promise<{ result: TestResult } | { error: string }> {
  await pipeline.progress("test", `🧪 Testing iteration ${iteration} (${built.commit.slice(0, 12)})…`);
  const tested = await jobStep(pipeline, `test ${iteration}`, {
    kind: "test",
    ...testJob(pipeline.env, built),
    timeoutMs: TEST_TIMEOUT_MS,
    summarize: summarizeTest,
  });
  if (tested.status !== "succeeded" || !tested.output)
    return { error: `The tests could not run (${tested.status}): ${tested.error ?? "see the job log"}` };
  return { result: tested.output };
}
