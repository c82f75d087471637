/**
 * What the engineering and DevOps workflows share: progress to the run's chat (`reportProgress`,
 * which edits its status message) and the run's end, written once by a `finish` step.
 */
import type { WorkflowStep } from "cloudflare:workers";
import { AgentWorkflow } from "agents/workflows";
import type { ChatSession } from "../../chat/session.ts";
import { database } from "../../db/client.ts";
import { markFinished } from "../../domain/run-steps.ts";
import type { RunParams, RunProgress } from "../workflows.ts";

export type RunEnd = "succeeded" | "failed" | "cancelled";

export abstract class PipelineWorkflow extends AgentWorkflow<ChatSession, RunParams, RunProgress> {
  /** Records the run's end and says it in the chat: the summary when it succeeded, else the error. */
  protected async finish(
    step: WorkflowStep,
    runId: string,
    status: RunEnd,
    error: string | null,
    summary?: string,
  ): Promise<{ runId: string; status: RunEnd; error: string | null }> {
    await step.do("finish", async () => {
      await markFinished(database(this.env.DB), runId, status, error);
    });
    const icon = status === "succeeded" ? "✅" : status === "cancelled" ? "⏹" : "❌";
    await this.progress(runId, "end", `${icon} ${status === "succeeded" ? (summary ?? "Done.") : error}`);
    return { runId, status, error };
  }

  protected progress(runId: string, stage: string, text: string): Promise<void> {
    return this.reportProgress({ runId, stage, text });
  }
}
