/**
 * The one way a run's workflow reaches its chat: what the pipelines need of the chat agent the
 * run was started from (`launchRun`), which the chat (ChatSession) implements. The workflows call
 * it through the agents SDK: `reportProgress` arrives as `onWorkflowProgress`, the rest are calls
 * on the workflow's agent stub. Where a run has no Telegram chat (an agent named after its owner),
 * each of these does nothing: the API is the user's way to answer.
 */
import type { AskedQuestion } from "@codegen-orchestrator/shared";
import type { Agent } from "agents";
import { z } from "zod";

/** A line of a run's progress, for the run's status message in the chat (checked on arrival). */
export const RunProgress = z.object({ runId: z.string().min(1), stage: z.string(), text: z.string().min(1) });
export type RunProgress = z.infer<typeof RunProgress>;

/** A project secret a DevOps run needs from its user. */
export interface RunSecretRequest {
  projectId: string;
  projectSlug: string;
  name: string;
  description: string;
}

/** Answers an engineering run needs from its user: the template's questions its validators refused. */
export interface RunAnswersRequest {
  /** The run's n-th time asking: a later one replaces an earlier one still open in the chat. */
  n: number;
  /** The template's name. */
  template: string;
  /** Never a secret question. */
  questions: AskedQuestion[];
}

/** A run's budget question: what happened, and what "raise the cap" adds for this run (USD). */
export interface RunBudgetAsk {
  situation: string;
  raiseUsd: number;
}

/** An upgrade run's branch, tested, offered to the project's owner (merge and deploy, look first, skip). */
export interface RunUpgradeOffer {
  projectName: string;
  templateName: string;
  fromVersion: string | null;
  toVersion: string;
  branch: string;
  commit: string;
  pullRequestUrl: string | null;
  /** Null: the tests could not run (`testLine` says why). */
  testsPassed: boolean | null;
  testLine: string;
  conflicts: string[];
  changed: { merged: number; added: number; removed: number };
  /** The template's `_message_before_update`/`_message_after_update`, rendered, when it has them. */
  messages: string[];
}

export interface RunChat {
  /** A workflow's `reportProgress({ runId, stage, text })` (a RunProgress); never fails the run. */
  onWorkflowProgress(workflowName: string, workflowId: string, progress: unknown): Promise<void>;
  /** The conversation as plain text, for the Architect (never a secret). */
  conversationBrief(): Promise<string>;
  /** Asks the run's user what to do: retry with guidance, deploy anyway, or stop. Never throws. */
  askRunDecision(runId: string, situation: string): Promise<void>;
  /** Offers an upgrade run's tested branch to the project's owner (three buttons). Never throws. */
  askRunUpgrade(runId: string, offer: RunUpgradeOffer): Promise<void>;
  /** Asks the run's user whether to raise its cap (a step would pass a budget) or stop. Never throws. */
  askRunBudget(runId: string, ask: RunBudgetAsk): Promise<void>;
  /** Asks the run's user the template's questions, one at a time, then answers the run. Never throws. */
  askRunAnswers(runId: string, request: RunAnswersRequest): Promise<void>;
  /** Asks the run's user for a project secret (the chat's secret flow). Never throws. */
  requestRunSecret(runId: string, secret: RunSecretRequest): Promise<void>;
}

/** The chat agent a workflow reports to, as the workflows' agent stub is typed. */
export type RunChatAgent = Agent<Cloudflare.Env> & RunChat;
