/** The chat's state and modes, and what it says while a question or secret request stays open. */
import { code, escapeHtml } from "../telegram/format.ts";
import type { Awaited, Pending } from "./po/conversation.ts";

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
      : `your answer to: ${escapeHtml(pending.question)}`;
  return `⏰ I am still waiting for ${what}\nReply here, or /cancel.`;
}

export function expiryText(pending: Pending): string {
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
  return false;
}

/** What a run's request says while another one is open: it is asked next, not instead. */
export function deferredText(awaited: Awaited): string {
  const what =
    awaited.kind === "secret"
      ? `the value of ${code(awaited.name)} for ${code(awaited.projectSlug)}`
      : "your guidance for a run";
  return `📝 I will also need ${what}; I will ask for it once you have answered the request above.`;
}

/** The paused tool call's result when nobody answered: the model should not simply ask again. */
export const EXPIRED_RESULT =
  "The user did not answer in time; the request expired. Do not repeat it unless they bring it up.";
