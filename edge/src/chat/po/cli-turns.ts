/**
 * The `cli` Product-Owner's turns in one chat (PO_ENGINE=cli). A turn is an `agent` job
 * (cli-job.ts): the hub tells the chat when it ends (`notify: { chat }`), and a check scheduled
 * past its deadline covers an event that never came. One turn at a time: messages written while
 * one runs wait, and become the next turn's prompt. What the agent asked through the chat's tools
 * (a question, a secret request) is shown after its answer; the user's reply starts the next turn.
 * The job's key is revoked when its turn ends, and its cost booked to the chat.
 *
 * Kept apart from `ChatSession`, whose queue runs `start` and `finish` one at a time, so two turns
 * never overlap.
 */
import { AgentResult, DEFAULT_POOL, POOL_LABEL } from "@codegen-orchestrator/shared";
import { database } from "../../db/client.ts";
import { revokeJobKeys } from "../../domain/api-keys.ts";
import { costInsert } from "../../domain/costs.ts";
import type { Env } from "../../env.ts";
import { executorHub } from "../../executors/hub.ts";
import { resultAs } from "../../executors/views.ts";
import { newId } from "../../ids.ts";
import { agentCost } from "../../pipelines/engineering/develop.ts";
import { FINAL_JOB_STATUSES } from "../../pipelines/steps/job-wait.ts";
import { memberSafeError } from "../../pipelines/steps/member-errors.ts";
import { escapeHtml } from "../../telegram/format.ts";
import type { ChatChannel } from "../channel.ts";
import { cliPoUnavailable, cliTurnJob } from "./cli-job.ts";
import type { Awaited } from "./conversation.ts";

/** The chat's `cli` Product-Owner: the turn under way, what waits for it, and the session to resume. */
export interface AgentTurns {
  /** The running turn's job; null between turns. */
  jobId: string | null;
  /** Who the running turn speaks for (the chat's member): the next turn's, too. */
  userId: string | null;
  /** What the running turn asked the user through the chat's tools (shown when it ends). */
  asked: Awaited | null;
  /** Messages written while the turn ran: the next turn's prompt. */
  waiting: string[];
  /** The CLI's session (resumed by the next turn), and the executor that holds its files. */
  sessionId: string | null;
  executorId: string | null;
  /** `/new` came while a turn ran: its session is not the one to resume (older state: absent). */
  forgotten?: boolean;
}

const IDLE: AgentTurns = {
  jobId: null,
  userId: null,
  asked: null,
  waiting: [],
  sessionId: null,
  executorId: null,
};

/** The session's methods a turn's check and its "typing…" are scheduled to (by name). */
export type TurnTimer = "checkAgentTurn" | "showAgentTyping";

/** What the session lends: its state, its chat, its scheduler, and how to open what the agent asked. */
export interface CliTurnHost {
  env: Env;
  /** The chat's turns as its state keeps them (absent: none yet), and their new value. */
  turns(): AgentTurns | undefined;
  setTurns(turns: AgentTurns): void;
  /** The project the conversation is about (the turn's cost is booked to it). */
  projectId(): string | null;
  chatId(): number;
  channel(): ChatChannel;
  schedule(delayS: number, method: TurnTimer, payload: { jobId: string }): Promise<unknown>;
  /** Shows what the agent asked and opens it as the chat's request (its answer is the next turn). */
  openAsked(channel: ChatChannel, asked: Awaited, jobId: string): Promise<void>;
}

const STILL_WORKING = "⏳ I am still on your last message; I will read this one right after.";
/** How long past its deadline a turn's job is looked at, if the hub's event has not come. */
const CHECK_SLACK_S = 60;
/** Telegram shows "typing…" for about 5 s: it is sent again this often while a turn runs. */
const TYPING_EVERY_S = 4;

export class CliTurns {
  readonly #host: CliTurnHost;

  constructor(host: CliTurnHost) {
    this.#host = host;
  }

  #turns(): AgentTurns {
    return this.#host.turns() ?? IDLE;
  }

  #set(turns: AgentTurns): void {
    this.#host.setTurns(turns);
  }

  /** A turn with `prompt` from the chat's member, or the prompt kept for after the running one. */
  async start(userId: string, prompt: string): Promise<void> {
    const channel = this.#host.channel();
    const chatId = this.#host.chatId();
    const turns = this.#turns();
    if (turns.jobId !== null) {
      this.#set({ ...turns, waiting: [...turns.waiting, prompt] });
      await channel.send(chatId, STILL_WORKING);
      return;
    }
    const unavailable = cliPoUnavailable(this.#host.env);
    if (unavailable) {
      await channel.send(chatId, escapeHtml(`${unavailable} Commands still work: /help.`));
      return;
    }
    const job = cliTurnJob(this.#host.env, { chatId, userId, prompt, sessionId: turns.sessionId });
    const record = await executorHub(this.#host.env).submit({
      kind: "agent",
      spec: job.spec,
      labels: { [POOL_LABEL]: DEFAULT_POOL },
      timeoutMs: job.timeoutMs,
      // A second attempt would repeat what the first did through the tools.
      maxAttempts: 1,
      secrets: job.secrets,
      notify: { chat: String(chatId) },
      preferExecutor: turns.executorId,
      idempotencyKey: `po-turn:${chatId}:${newId()}`,
    });
    this.#set({ ...turns, jobId: record.job.id, userId, asked: null, waiting: [] });
    await this.showTyping(record.job.id);
    const checkAfterS = Math.ceil(job.timeoutMs / 1000) + CHECK_SLACK_S;
    await this.#host.schedule(checkAfterS, "checkAgentTurn", { jobId: record.job.id });
  }

  /** "typing…" in the chat while the turn of job `jobId` runs (never throws). */
  async showTyping(jobId: string): Promise<void> {
    if (this.#turns().jobId !== jobId) return;
    await this.#host
      .channel()
      .typing(this.#host.chatId())
      .catch(() => {});
    await this.#host.schedule(TYPING_EVERY_S, "showAgentTyping", { jobId }).catch(() => {});
  }

  /** The running turn's agent asks the user: kept for its end (the last ask wins). False: no turn. */
  ask(asked: Awaited): boolean {
    const turns = this.#turns();
    if (turns.jobId === null) return false;
    this.#set({ ...turns, asked });
    return true;
  }

  /**
   * The turn of job `jobId` ended: its answer (or why there is none) in the chat, its key revoked,
   * its cost booked; then what it asked, or the next turn with what was written meanwhile.
   */
  async finish(jobId: string): Promise<void> {
    const turns = this.#turns();
    if (turns.jobId !== jobId) return;
    // The turn is over whatever follows fails: the chat must never stay stuck behind it.
    this.#set({ ...turns, jobId: null, asked: null, waiting: [] });
    const env = this.#host.env;
    const db = database(env.DB);
    const outcome = await executorHub(env).outcome(jobId);
    const result = resultAs(AgentResult, outcome?.result ?? null);
    this.#set({
      ...this.#turns(),
      sessionId: turns.forgotten ? null : (result?.sessionId ?? turns.sessionId),
      executorId: outcome?.executorId ?? turns.executorId,
      forgotten: false,
    });
    await revokeJobKeys(db, jobId);
    const channel = this.#host.channel();
    const chatId = this.#host.chatId();
    const cost = result ? agentCost(result) : null;
    if (cost && cost.usd > 0) {
      const owner = { projectId: this.#host.projectId(), chatId, jobId };
      await costInsert(db, { source: "po-agent", amountUsd: cost.usd, usage: cost.usage, ...owner });
    }
    const answered = outcome?.status === "succeeded" && result !== null && !result.isError;
    if (answered) {
      if (result.result.trim()) await channel.sendText(chatId, result.result.trim());
    } else {
      await channel.send(chatId, failedTurn(outcome?.status ?? "lost", outcome?.error ?? result?.result));
    }
    if (turns.waiting.length > 0 && turns.userId)
      return await this.start(turns.userId, turns.waiting.join("\n\n"));
    if (answered && turns.asked) await this.#host.openAsked(channel, turns.asked, jobId);
  }

  /**
   * Scheduled past a turn's deadline: a job that ended without its event reaching the chat is
   * finished now (`finish`, through the session's queue); one that never started is cancelled.
   */
  async check(jobId: string, finish: () => Promise<void>): Promise<void> {
    if (this.#turns().jobId !== jobId) return;
    const hub = executorHub(this.#host.env);
    let status = await hub.status(jobId);
    if (status === "queued") status = (await hub.cancel(jobId))?.job.status ?? null;
    if (status === null || FINAL_JOB_STATUSES.has(status)) return await finish();
    // Past its deadline and still not over (an executor gone quiet): the hub ends it soon.
    await this.#host.schedule(CHECK_SLACK_S, "checkAgentTurn", { jobId });
  }

  /** `/new`: the next turn starts a new session, even when the running one ends after this. */
  forgetSession(): void {
    const turns = this.#turns();
    this.#set({ ...turns, sessionId: null, forgotten: turns.jobId !== null });
  }
}

function failedTurn(status: string, error: string | null | undefined): string {
  const why =
    status === "cancelled"
      ? "no executor took its job in time, or it was cancelled"
      : `its job ${status}${error ? `: ${memberSafeError(error).slice(0, 300)}` : ""}`;
  return `⚠️ The Product-Owner agent could not answer (${escapeHtml(why)}). Write again to retry, or /new to start over.`;
}
