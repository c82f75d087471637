/**
 * The budget check before a run's paid step (a model step, a coding agent's job): when the run's
 * spend this month plus what the step is expected to cost (settings/budgets.ts) would pass its
 * project's or its owner's monthly budget (domain/budgets.ts), the run asks its user, as any
 * question to the user (run-questions.ts): `budget <n>`, answered once by the event `budget-<n>`.
 * "Raise" adds the amount offered to the run's cap and checks again; "stop" (or no answer in time)
 * ends the run. While it waits, no paid step runs, so its cost stays under the cap meanwhile.
 */
import { BudgetAnswer } from "@codegen-orchestrator/shared";
import { type Db, database } from "../../db/client.ts";
import type { Actor } from "../../domain/actor.ts";
import { checkBudget, offeredRaise, raiseRunCap, runLimits } from "../../domain/budgets.ts";
import { countSteps } from "../../domain/run-steps.ts";
import type { RunRow } from "../../domain/runs.ts";
import type { Env } from "../../env.ts";
import { budgetSettings } from "../../settings/budgets.ts";
import type { Pipeline, RunOutcome } from "./pipeline-workflow.ts";
import { askAndWait, closeQuestion, openQuestion, type QuestionKind, sendAnswer } from "./run-questions.ts";

const BUDGET: QuestionKind = { stem: "budget", what: "a budget decision", action: "run.budget" };

/** A run its user stopped at a budget: the workflow ends it cancelled (`stopsAtBudget`). */
export class BudgetStop extends Error {
  override name = "BudgetStop";
}

/** The graph's outcome, or "cancelled" with the reason when its user stopped it at a budget. */
export async function stopsAtBudget(graph: Promise<RunOutcome>): Promise<RunOutcome> {
  try {
    return await graph;
  } catch (err) {
    if (err instanceof BudgetStop) return { status: "cancelled", error: err.message };
    throw err;
  }
}

const money = (usd: number) => `$${usd.toFixed(2)}`;

/** The number of the run's next budget question (its earlier ones are its timeline's steps). */
async function nextQuestion(db: Db, runId: string): Promise<number> {
  return (await countSteps(db, runId, `${BUDGET.stem} `)) + 1;
}

/**
 * Before the paid step `stepName`: returns once the run may spend on it (at once while under its
 * caps; else after its user raised the cap enough); throws BudgetStop when they stop it.
 */
export async function budgetGate(
  pipeline: Pipeline,
  stepName: string,
  paid: "model" | "agent",
): Promise<void> {
  const { env, step, runId } = pipeline;
  const settings = budgetSettings.read(env);
  const estimateUsd = paid === "model" ? settings.BUDGET_MODEL_STEP_USD : settings.BUDGET_AGENT_STEP_USD;
  for (let round = 1; ; round++) {
    const check = await step.do(`${stepName}: budget ${round}`, async () => {
      const db = database(env.DB);
      const limits = await runLimits(db, runId, new Date());
      const checked = checkBudget(limits, limits.raiseUsd, estimateUsd);
      if (!checked.over) return null;
      const { limit, spentUsd, capUsd } = checked;
      const raiseUsd = offeredRaise(checked.neededUsd, settings.BUDGET_RAISE_USD);
      // The run's whole raise once this one is taken: written as is, so a retried write is the same.
      const raisedUsd = limits.raiseUsd + raiseUsd;
      return { n: await nextQuestion(db, runId), limit, spentUsd, capUsd, raiseUsd, raisedUsd };
    });
    if (!check) return;
    const { n, limit, spentUsd, capUsd, raiseUsd, raisedUsd } = check;
    const whose = limit === "project" ? "the project's" : "your";
    const situation = `The next step (${stepName}, about ${money(estimateUsd)}) would pass ${whose} monthly budget: ${money(spentUsd)} spent of ${money(capUsd)}.`;
    const asked = await askAndWait(pipeline, BUDGET, n, {
      detail: { step: stepName, limit, spentUsd, capUsd, raiseUsd },
      send: () => pipeline.chat.askRunBudget(runId, { situation, raiseUsd }),
      waiting: `💸 ${situation} Waiting for your decision: raise the cap for this run, or stop it…`,
    });
    const raise = asked.how === "answered" && BudgetAnswer.safeParse(asked.answer).data?.choice === "raise";
    const how = asked.how === "no answer in time" ? asked.how : "answered";
    await closeQuestion(
      pipeline,
      BUDGET,
      n,
      {
        status: "succeeded",
        detail: { choice: raise ? "raise" : "stop", how, raiseUsd: raise ? raiseUsd : 0 },
      },
      raise ? (db) => raiseRunCap(db, runId, raisedUsd) : undefined,
    );
    if (!raise)
      throw new BudgetStop(
        `Stopped at ${whose} monthly budget (${money(spentUsd)} spent of ${money(capUsd)}). Raise the budget, then start the run again.`,
      );
  }
}

/** The user's (or the API's) answer to the run's budget question: its cap raised by what was offered, or stopped. */
export async function decideBudget(
  env: Env,
  db: Db,
  actor: Actor,
  runId: string,
  answer: BudgetAnswer,
): Promise<{ run: RunRow; raiseUsd: number }> {
  const { run, n, detail } = await openQuestion(db, actor, runId, BUDGET);
  const stop = answer.choice === "stop";
  const raiseUsd = stop ? 0 : Number(detail?.raiseUsd ?? 0);
  const answered = await sendAnswer(
    env,
    db,
    actor,
    { run, kind: BUDGET, n },
    {
      payload: { approved: !stop, ...(stop ? { reason: "Stopped by the user." } : {}), metadata: answer },
      details: { choice: answer.choice, raiseUsd },
    },
  );
  return { run: answered, raiseUsd };
}
