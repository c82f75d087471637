/** The chat's state and modes, and what it says while a question or secret request stays open. */
import { code, escapeHtml } from "../telegram/format.ts";
import type { AgentTurns } from "./po/cli-turns.ts";
import type { Awaited, Pending } from "./po/conversation.ts";
import { answerSubject } from "./run-answers.ts";

export type ChatMode = "IDLE" | "PROCESSING" | "AWAITING_USER" | "AWAITING_SECRET";

/** The `ChatSession` agent's state. */
export interface ChatState {
  mode: ChatMode;
  /** The paused turn: what the next message answers. Never holds a secret value. */
  pending: Pending | null;
  /** Runs' requests made while another was open, asked in turn once it closes (older state: absent). */
  deferred?: Awaited[];
  /** The project the conversation is about (costs are booked to it). */
  projectId: string | null;
  /** The `cli` Product-Owner's turns (PO_ENGINE=cli; older state: absent). */
  agentTurns?: AgentTurns;
}

/** PROCESSING while a handler runs; otherwise what the open request says. */
export function modeOf(current: ChatMode, pending: Pending | null): ChatMode {
  if (pending) return pending.kind === "secret" ? "AWAITING_SECRET" : "AWAITING_USER";
  return current === "PROCESSING" ? "PROCESSING" : "IDLE";
}

export function reminderText(pending: Pending): string {
  const what =
    pending.kind === "secret"
      ? `the value of ${code(pending.name)} for ${code(pending.projectSlug)}`
      : pending.kind === "answers"
        ? answerSubject(pending)
        : `your answer to: ${escapeHtml(pending.question)}`;
  return `⏰ I am still waiting for ${what}\nReply here, or /cancel.`;
}

export function expiryText(pending: Pending): string {
  if (pending.kind === "answers")
    return `⌛ I stopped waiting here for ${answerSubject(pending)}. The run waits for its answers until it times out: answer them with POST /api/v1/runs/${pending.runId}/answers, or cancel the run.`;
  const what = pending.kind === "secret" ? `for ${code(pending.name)}` : "for your answer";
  return `⌛ I stopped waiting ${what}. Write to me when you are ready to go on.`;
}

/** The paused tool call's result when the user asked for something else before answering it. */
export const SUPERSEDED_RESULT =
  "The user turned to something else before answering; do not ask again unless they bring it up.";

/** Whether two requests ask for the same thing (a run asking twice is one request). */
export function sameRequest(a: Awaited, b: Awaited): boolean {
  if (a.kind === "secret" && b.kind === "secret") return a.projectId === b.projectId && a.name === b.name;
  if (a.kind === "guidance" && b.kind === "guidance") return a.runId === b.runId;
  if (a.kind === "answers" && b.kind === "answers") return a.runId === b.runId && a.n === b.n;
  return false;
}

/** Whether `later` replaces `earlier`: a run asking its template's questions again. */
export const replaces = (later: Awaited, earlier: Awaited) =>
  later.kind === "answers" && earlier.kind === "answers" && later.runId === earlier.runId;

/** What a run's request says while another one is open: it is asked next, not instead. */
export function deferredText(awaited: Awaited): string {
  const what =
    awaited.kind === "secret"
      ? `the value of ${code(awaited.name)} for ${code(awaited.projectSlug)}`
      : awaited.kind === "answers"
        ? `your answers to the template's questions of run ${code(awaited.runId)}`
        : "your guidance for a run";
  return `📝 I will also need ${what}; I will ask for it once you have answered the request above.`;
}

/** The paused tool call's result when nobody answered: the model should not simply ask again. */
export const EXPIRED_RESULT =
  "The user did not answer in time; the request expired. Do not repeat it unless they bring it up.";
