/**
 * The upgrade graph (an `upgrade` run, carried out by the engineering workflow): the project
 * brought to its catalog template's latest version on a branch, tested, and offered to its owner.
 *
 *   plan (the versions; nothing to do ends here) → update (a `copier` update job pushes the branch)
 *     → pull request (with the GitHub App) → test (the project's tests on the branch)
 *     → the owner decides: merge (a `git` job merges the branch into main) and deploy, or skip
 *
 * The upgrade's record (`template_upgrades`) follows each stage, so the API, the chat's "look
 * first" and the admins' list say where it stands.
 */
import type { CopierUpdateResult } from "@codegen-orchestrator/shared";
import { database } from "../../db/client.ts";
import { endUpgrade, planUpgrade, recordUpgrade, type UpgradePlan } from "../../domain/template-upgrades.ts";
import { startDeploy } from "../engineering/start-deploy.ts";
import { summarizeTest, testJob, testLine } from "../engineering/tester.ts";
import type { RunUpgradeOffer } from "../run-chat.ts";
import { githubStep } from "../steps/github-step.ts";
import { jobStep } from "../steps/job-step.ts";
import type { Pipeline, RunOutcome } from "../steps/pipeline-workflow.ts";
import { onGitHub, openPullRequest } from "../steps/repository.ts";
import { templateManifestStep } from "../steps/template-manifest.ts";
import { timelineStep } from "../steps/timeline.ts";
import { askUpgrade } from "./decision.ts";
import { mergeJob, updateJob } from "./jobs.ts";

const UPDATE_TIMEOUT_MS = 15 * 60_000;
const TEST_TIMEOUT_MS = 20 * 60_000;
const MERGE_TIMEOUT_MS = 5 * 60_000;

export async function upgradeProject(pipeline: Pipeline): Promise<RunOutcome> {
  const planned = await timelineStep<{ plan: UpgradePlan } | { nothing: string }>(
    pipeline,
    "plan",
    async (db) => {
      const found = await planUpgrade(db, pipeline.runId, pipeline.projectId);
      if ("nothing" in found) return { status: "skipped", detail: { reason: found.nothing }, value: found };
      const { templateName, fromVersion, toVersion } = found.plan;
      return {
        status: "succeeded",
        detail: { template: templateName, fromVersion, toVersion },
        value: found,
      };
    },
  );
  if ("nothing" in planned) return { status: "succeeded", summary: planned.nothing, icon: "✔️" };
  const { plan } = planned;
  const fromTo = `${plan.fromVersion ?? "its first version"} → ${plan.toVersion}`;

  await pipeline.progress("update", `⬆️ Updating ${plan.projectName} from ${plan.templateName} ${fromTo}…`);
  const update = await jobStep(pipeline, "update", {
    kind: "copier",
    ...updateJob(pipeline.env, plan),
    timeoutMs: UPDATE_TIMEOUT_MS,
    // A failed job's output is the engine's error (ScaffoldFailure), not an update's result.
    summarize: (output) => ({ detail: "merged" in output ? updateDetail(output) : {} }),
  });
  const result = update.output && "merged" in update.output ? update.output : null;
  if (update.status !== "succeeded" || !result)
    return fail(pipeline, `The update failed (${update.status}): ${update.error ?? "see the job log"}`);
  if (!result.published) {
    await pipeline.step.do("nothing changed", () =>
      endUpgrade(database(pipeline.env.DB), pipeline.runId, "merged"),
    );
    return {
      status: "succeeded",
      summary: `${plan.templateName} ${plan.toVersion} changes nothing in the project.`,
    };
  }
  const { branch, commit } = result.published;
  await pipeline.step.do("record branch", () =>
    recordUpgrade(database(pipeline.env.DB), pipeline.runId, { branch, commit, conflicts: result.conflicts }),
  );

  const pullRequestUrl = await pullRequest(pipeline, plan, branch, fromTo);
  const tested = await test(pipeline, plan, commit);
  const offer: RunUpgradeOffer = {
    projectName: plan.projectName,
    templateName: plan.templateName,
    fromVersion: plan.fromVersion,
    toVersion: plan.toVersion,
    branch,
    commit,
    pullRequestUrl,
    testsPassed: tested.passed,
    testLine: tested.line,
    conflicts: result.conflicts,
    changed: { merged: result.merged.length, added: result.added.length, removed: result.removed.length },
    messages: result.messages,
  };
  await pipeline.step.do("offered", () =>
    recordUpgrade(database(pipeline.env.DB), pipeline.runId, {
      status: "offered",
      testsPassed: tested.passed,
    }),
  );
  const choice = await askUpgrade(pipeline, offer);
  if (choice !== "merge") {
    const status = choice === "skip" ? "skipped" : "expired";
    await pipeline.step.do("end", () => endUpgrade(database(pipeline.env.DB), pipeline.runId, status));
    const why = choice === "skip" ? "Skipped" : "No answer in time for";
    return {
      status: "succeeded",
      icon: "⏭",
      summary: `${why} ${plan.templateName} ${plan.toVersion}; the branch ${branch} stays.`,
    };
  }
  return mergeAndDeploy(pipeline, plan, branch);
}

async function mergeAndDeploy(pipeline: Pipeline, plan: UpgradePlan, branch: string): Promise<RunOutcome> {
  await pipeline.progress("merge", `🔀 Merging ${branch} into main…`);
  const merged = await jobStep(pipeline, "merge", {
    kind: "git",
    ...mergeJob(pipeline.env, plan, branch),
    timeoutMs: MERGE_TIMEOUT_MS,
    summarize: (output) => ({ detail: { commit: output.head } }),
  });
  if (merged.status !== "succeeded")
    return fail(
      pipeline,
      `The merge of ${branch} failed: ${merged.error ?? "see the job log"}. Merge it by hand, then deploy.`,
    );
  await pipeline.step.do("end", () => endUpgrade(database(pipeline.env.DB), pipeline.runId, "merged"));
  const deploy = await pipeline.step.do("deploy: start", () =>
    startDeploy(pipeline.env, pipeline.runId, pipeline.projectId),
  );
  const next = deploy.runId ? " Deploying it next." : ` It was not deployed: ${deploy.error}`;
  return { status: "succeeded", summary: `${plan.templateName} ${plan.toVersion} is merged.${next}` };
}

/** With the GitHub App: the upgrade's pull request (a refusal is on the timeline; the run goes on). */
async function pullRequest(
  pipeline: Pipeline,
  plan: UpgradePlan,
  branch: string,
  fromTo: string,
): Promise<string | null> {
  if (!onGitHub(pipeline.env, plan.repoUrl)) return null;
  const opened = await githubStep(pipeline, "pull request", async () => {
    const pull = await openPullRequest(
      pipeline.env,
      { url: plan.repoUrl, resourceName: plan.resourceName },
      {
        head: branch,
        base: "main",
        title: `Update from template ${plan.templateName} ${plan.toVersion}`,
        body: `The project's template, ${plan.templateName}, moved ${fromTo}. This branch applies its changes (copier update); the orchestrator ran the project's tests on it.`,
      },
    );
    return { detail: { url: pull.url, created: pull.created }, value: pull.url };
  });
  if (opened.value)
    await pipeline.step.do("record pull request", () =>
      recordUpgrade(database(pipeline.env.DB), pipeline.runId, { pullRequestUrl: opened.value }),
    );
  return opened.value;
}

/** The project's tests on the branch: passed, failed, or could not run (null, and why). */
async function test(
  pipeline: Pipeline,
  plan: UpgradePlan,
  commit: string,
): Promise<{ passed: boolean | null; line: string }> {
  await pipeline.progress("test", `🧪 Testing the upgrade (${commit.slice(0, 12)})…`);
  const manifest = await templateManifestStep(pipeline);
  let job: ReturnType<typeof testJob>;
  try {
    job = testJob(pipeline.env, { ...plan, projectId: pipeline.projectId, commit, manifest });
  } catch (err) {
    return { passed: null, line: `the tests could not run: ${(err as Error).message}` };
  }
  const tested = await jobStep(pipeline, "test", {
    kind: "test",
    ...job,
    timeoutMs: TEST_TIMEOUT_MS,
    summarize: summarizeTest,
  });
  const output = tested.output;
  if (tested.status !== "succeeded" || !output)
    return {
      passed: null,
      line: `the tests could not run (${tested.status}): ${tested.error ?? "see the job log"}`,
    };
  return { passed: output.passed, line: testLine(output) };
}

/** The run fails; the upgrade's record says why (its branch, if pushed, stays). */
async function fail(pipeline: Pipeline, error: string): Promise<RunOutcome> {
  await pipeline.step.do("end: failed", () =>
    endUpgrade(database(pipeline.env.DB), pipeline.runId, "failed", error.slice(0, 1000)),
  );
  return { status: "failed", error };
}

const updateDetail = (result: CopierUpdateResult) => ({
  from: result.from,
  to: result.to,
  merged: result.merged.length,
  added: result.added.length,
  removed: result.removed.length,
  conflicts: result.conflicts.slice(0, 20),
  branch: result.published?.branch ?? null,
  commit: result.published?.commit ?? null,
});
