/**
 * What the engineering and DevOps workflows share: the run's context their stages get (`Pipeline`),
 * with the run's chat behind `RunChat` (progress edits the run's status message there), and the
 * run's end, written once by a `finish` step, said in the chat and, when traces are on, exported.
 */
import type { WaitForApprovalOptions } from "agents/workflows";
import { AgentWorkflow, type AgentWorkflowEvent, type AgentWorkflowStep } from "agents/workflows";
import { database } from "../../db/client.ts";
import { markFinished } from "../../domain/run-steps.ts";
import type { Env } from "../../env.ts";
import { exportTraceStep } from "../../traces/export.ts";
import type { RunChat, RunChatAgent, RunProgress } from "../run-chat.ts";
import type { RunParams, WorkflowBinding } from "../workflows.ts";

/** A run's context, as each stage of its graph gets it. */
export interface Pipeline {
  env: Env;
  step: AgentWorkflowStep;
  instanceId: string;
  workflow: WorkflowBinding;
  runId: string;
  /** The run's project: what a job's own cost (an agent's) is booked to. */
  projectId: string;
  /** The project's executor pool: its jobs run there only (and its secrets go nowhere else). */
  pool: string;
  /** A line in the run's chat (its status message). */
  progress(stage: string, text: string): Promise<void>;
  /** The run's chat: the conversation, the user's decisions, answers and secrets. */
  chat: Pick<
    RunChat,
    | "conversationBrief"
    | "askRunDecision"
    | "askRunUpgrade"
    | "askRunBudget"
    | "askRunAnswers"
    | "requestRunSecret"
  >;
  /** Waits for the user's answer to an approval question (the agents SDK's; a rejection throws). */
  waitForApproval(options: WaitForApprovalOptions): Promise<unknown>;
}

/** A run's context before its project's pool is known. */
export type RunContext = Omit<Pipeline, "pool">;

/** How a run ends: what it did, or why it did not. */
export type RunOutcome =
  | { status: "succeeded"; summary: string; icon?: string }
  | { status: "failed" | "cancelled"; error: string };

export const failed = (error: string): RunOutcome => ({ status: "failed", error });

export abstract class PipelineWorkflow extends AgentWorkflow<RunChatAgent, RunParams, RunProgress> {
  protected abstract readonly binding: WorkflowBinding;

  /** The run's context for its stages, but for its pool: the project's, once the graph read it. */
  protected runContext(event: AgentWorkflowEvent<RunParams>, step: AgentWorkflowStep): RunContext {
    const { runId, projectId } = event.payload;
    return {
      env: this.env,
      step,
      instanceId: event.instanceId,
      workflow: this.binding,
      runId,
      projectId,
      progress: (stage, text) => this.reportProgress({ runId, stage, text }),
      chat: this.agent,
      waitForApproval: (options) => this.waitForApproval(step, options),
    };
  }

  /**
   * Records the run's end and says it in the chat (the summary when it succeeded, else the error),
   * then exports the run's trace (when OTLP_ENDPOINT is set; a failed export leaves the run as is).
   */
  protected async finish(step: AgentWorkflowStep, runId: string, outcome: RunOutcome) {
    const error = outcome.status === "succeeded" ? null : outcome.error;
    await step.do("finish", async () => {
      await markFinished(database(this.env.DB), runId, outcome.status, error);
    });
    const line =
      outcome.status === "succeeded"
        ? `${outcome.icon ?? "✅"} ${outcome.summary}`
        : `${outcome.status === "cancelled" ? "⏹" : "❌"} ${outcome.error}`;
    await this.reportProgress({ runId, stage: "end", text: line });
    await exportTraceStep(step, this.env, runId);
    return { runId, status: outcome.status, error };
  }
}
