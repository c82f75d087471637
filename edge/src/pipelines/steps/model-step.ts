/**
 * A model call as a timeline step (the Architect's spec, the EnvAnalyzer's classification): the
 * answer, what it changes and its cost written in one batch, and the cost shown on the step. With
 * `ifFailed`, a refused or unusable answer ends the step `failed` with its reason (the SDK already
 * retried model errors); without, the error fails the step, which the workflow retries. A paid
 * step: the run's budgets are checked first (budget-gate.ts).
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../db/client.ts";
import { modelCostInsert, type PricedCall } from "../../models/costs.ts";
import { budgetGate } from "./budget-gate.ts";
import type { Pipeline } from "./pipeline-workflow.ts";
import { timelineStep } from "./timeline.ts";

export interface ModelCall<A extends PricedCall, T> {
  /** Whose call it is, in `costs` ("architect"). */
  source: string;
  /** Whether the model will be asked (the budgets are checked first); false when rules decide all. Default true. */
  paid?: boolean;
  call(): Promise<A>;
  /** What the answer changes, written in one batch with its cost. */
  writes?(db: Db, answer: A): BatchItem<"sqlite">[];
  /** What the timeline shows of the answer, and the step's value. */
  end(answer: A): { detail: Record<string, unknown>; value: T };
  ifFailed?(error: string): T;
}

export async function modelStep<A extends PricedCall, T extends Rpc.Serializable<T>>(
  pipeline: Pipeline,
  name: string,
  model: ModelCall<A, T>,
): Promise<T> {
  const { runId, projectId } = pipeline;
  if (model.paid !== false) await budgetGate(pipeline, name, "model");
  return timelineStep(pipeline, name, async (db) => {
    let answer: A;
    try {
      answer = await model.call();
    } catch (err) {
      if (!model.ifFailed) throw err;
      const error = err instanceof Error ? err.message : String(err);
      return { status: "failed", detail: { error: error.slice(0, 500) }, value: model.ifFailed(error) };
    }
    // No tokens: the rules decided everything and the model was not asked.
    const asked = answer.costUsd > 0 || answer.usage.input_tokens > 0;
    const cost = asked ? [modelCostInsert(db, model.source, answer, { projectId, runId })] : [];
    const [first, ...rest] = [...(model.writes?.(db, answer) ?? []), ...cost];
    if (first) await db.batch([first, ...rest]);
    const { detail, value } = model.end(answer);
    return { status: "succeeded", detail, costUsd: answer.costUsd, value };
  });
}
