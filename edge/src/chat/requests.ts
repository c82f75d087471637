/**
 * The chat's open request: what the next message answers (a question, a secret, a run's guidance
 * or its template's answers), and so the chat's mode. One request at a time, and none dropped: a
 * run's request made while another is open waits in `state.deferred` and is asked once that one
 * closes. Closing a request answers its paused tool call, so the model's conversation stays valid.
 *
 * Kept apart from `ChatSession`, which routes updates and runs model turns: this asks, reminds,
 * expires and closes requests, and takes the answers that need no model (a secret's value, a run's
 * guidance or template answers). It works on the session's own state and history, through
 * accessors the session lends.
 */

import { database } from "../db/client.ts";
import { ApiError } from "../domain/errors.ts";
import { missingSecrets } from "../domain/missing-secrets.ts";
import type { Env } from "../env.ts";
import { answerRun } from "../pipelines/engineering/ask-answers.ts";
import { decideRun } from "../pipelines/steps/decisions.ts";
import { secretStored } from "../pipelines/steps/secret-wait.ts";
import { escapeHtml } from "../telegram/format.ts";
import type { ChatChannel } from "./channel.ts";
import { chatConfig } from "./config.ts";
import type { ChatContext, SessionControls } from "./context.ts";
import {
  type ChatState,
  deferredText,
  EXPIRED_RESULT,
  expiryText,
  modeOf,
  reminderText,
  replaces,
  SUPERSEDED_RESULT,
  sameRequest,
} from "./pending.ts";
import { type Awaited, closingContent, type Pending } from "./po/conversation.ts";
import type { History } from "./po/history.ts";
import { type AnswersPending, answerOption, answerPrompt, nextAnswer } from "./run-answers.ts";
import { captureSecret, secretPrompt } from "./secret-capture.ts";
import { GUIDANCE_QUESTION } from "./views.ts";

type SecretPending = Extract<Pending, { kind: "secret" }>;

/** The session's methods a request's reminder and expiry are scheduled to (by name). */
export type RequestTimer = "remindPending" | "expirePending";

/** What the session lends: accessors to its state (never a copy), its history, scheduler and chat. */
export interface RequestHost {
  env: Env;
  state(): ChatState;
  setState(state: ChatState): void;
  history(): History;
  /** The Agent's `schedule`: calls the session's `method` with `payload` in `delayS` seconds. */
  schedule(delayS: number, method: RequestTimer, payload: { askedAt: number }): Promise<unknown>;
  /** The chat's id, and a channel to it (throws where the bot has no token). */
  chatId(): number;
  channel(): ChatChannel;
  /** Sends to the chat; a failure is logged, never thrown. */
  tell(channel: ChatChannel, html: string): Promise<void>;
}

export class ChatRequests {
  readonly #host: RequestHost;

  constructor(host: RequestHost) {
    this.#host = host;
  }

  /** The open request, if any. */
  open(): Pending | null {
    return this.#host.state().pending;
  }

  /**
   * A run's request: asked now, or once the open one closes; one already open or waiting is
   * ignored, and one it replaces (the run asking again) is dropped.
   */
  async askOrDefer(channel: ChatChannel, request: Awaited): Promise<void> {
    const open = this.open();
    if (!open || replaces(request, open)) return await this.openRequest(channel, request);
    // One request at a time, and the open one is not dropped: this one is asked when it closes.
    if (sameRequest(open, request)) return;
    const deferred = (this.#host.state().deferred ?? []).filter((waiting) => !replaces(request, waiting));
    if (deferred.some((waiting) => sameRequest(waiting, request))) return;
    this.#host.setState({ ...this.#host.state(), deferred: [...deferred, request] });
    await this.#host.tell(channel, deferredText(request));
  }

  /** The next deferred request, once none is open; one no longer needed (the value was set meanwhile) is dropped. */
  async askDeferred(channel: ChatChannel): Promise<void> {
    try {
      for (;;) {
        const [next, ...rest] = this.#host.state().deferred ?? [];
        if (!next || this.open()) return;
        this.#host.setState({ ...this.#host.state(), deferred: rest });
        const needed =
          next.kind !== "secret" ||
          (await missingSecrets(database(this.#host.env.DB), next.projectId, [next.name])).length > 0;
        if (needed) return await this.openRequest(channel, next);
      }
    } catch (err) {
      console.error(JSON.stringify({ event: "chat.deferred_not_asked", error: String(err) }));
    }
  }

  /**
   * Asks the user for something outside a model turn (no tool call waits for it). The user asked
   * for it (a command, a button), or the `cli` Product-Owner's turn `agentJob` did: an open request
   * is closed first, its tool call answered.
   */
  async openRequest(channel: ChatChannel, awaited: Awaited, agentJob?: string): Promise<void> {
    const open = this.open();
    if (open) this.closePending(open, SUPERSEDED_RESULT);
    const pending: Pending = {
      ...awaited,
      ...(agentJob ? { agentJob } : {}),
      toolUseId: null,
      results: [],
      askedAt: Date.now(),
      reminded: false,
    };
    await this.ask(channel, pending);
    this.setPending(pending);
  }

  /** Shows a request to the user: a secret prompt, a question (with its options as buttons). */
  async ask(channel: ChatChannel, pending: Pending): Promise<void> {
    if (pending.kind === "secret") {
      await channel.send(this.#host.chatId(), secretPrompt(pending));
      return;
    }
    if (pending.kind === "guidance") {
      await channel.sendText(this.#host.chatId(), pending.question);
      return;
    }
    if (pending.kind === "answers") {
      const prompt = answerPrompt(pending);
      await channel.send(this.#host.chatId(), prompt.html, prompt.keyboard);
      return;
    }
    const keyboard = pending.options.map((text, index) => [{ text, data: `ans:${index}` }]);
    await channel.sendText(this.#host.chatId(), pending.question, keyboard);
  }

  /** Reminds once, if the request asked at `askedAt` is still open. */
  async remind(payload: { askedAt: number }): Promise<void> {
    const pending = this.open();
    if (!pending || pending.askedAt !== payload.askedAt || pending.reminded) return;
    this.setPending({ ...pending, reminded: true }, false);
    await this.#host.tell(this.#host.channel(), reminderText(pending));
  }

  /** Closes the request asked at `askedAt` if nobody answered, and asks the next deferred one. */
  async expire(payload: { askedAt: number }): Promise<void> {
    const pending = this.open();
    if (!pending || pending.askedAt !== payload.askedAt) return;
    this.closePending(pending, EXPIRED_RESULT);
    await this.#host.tell(this.#host.channel(), expiryText(pending));
    await this.askDeferred(this.#host.channel());
  }

  /** Ends a paused turn without the model: the pausing call gets `result`, so the history stays valid. */
  closePending(pending: Pending, result: string): void {
    const content = closingContent(pending, result);
    if (content.length > 0) this.#host.history().append({ role: "user", content });
    this.setPending(null);
  }

  /** Sets (or clears) the open request; a new one gets its reminder and expiry scheduled. */
  setPending(pending: Pending | null, schedule = true): void {
    const state = this.#host.state();
    this.#host.setState({ ...state, pending, mode: modeOf(state.mode, pending) });
    if (pending && schedule) {
      const config = chatConfig(this.#host.env);
      // Scheduling writes the agent's own SQLite; a failure only costs the reminder, so it is logged.
      const logFailure = (err: unknown) =>
        console.error(JSON.stringify({ event: "chat.schedule_failed", error: String(err) }));
      const payload = { askedAt: pending.askedAt };
      this.#host.schedule(config.remindAfterS, "remindPending", payload).catch(logFailure);
      this.#host.schedule(config.expireAfterS, "expirePending", payload).catch(logFailure);
    }
  }

  /** PROCESSING while a handler runs; otherwise what the open request says. */
  setMode(mode: "PROCESSING" | null): void {
    const state = this.#host.state();
    const next = mode ?? modeOf("IDLE", state.pending);
    if (next !== state.mode) this.#host.setState({ ...state, mode: next });
  }

  /**
   * What the open question's button number `index` answers (undefined once the question is
   * closed); `question`: which of a run's template questions the button was under.
   */
  optionAnswer(index: number, question?: number): string | undefined {
    const pending = this.open();
    if (pending?.kind === "answers") return answerOption(pending, index, question ?? -1);
    return pending?.kind === "question" && question === undefined ? pending.options[index] : undefined;
  }

  /** A message answering a run's template question: the next question, or all answers to the run. */
  async takeAnswer(ctx: ChatContext, pending: AnswersPending, text: string): Promise<void> {
    const step = nextAnswer(pending, text);
    if ("closed" in step) return;
    if ("again" in step || "next" in step) {
      const next = "next" in step ? step.next : pending;
      this.setPending(next, false);
      const prompt = answerPrompt(next, "again" in step ? step.again : undefined);
      await ctx.channel.send(ctx.chatId, prompt.html, prompt.keyboard);
      return;
    }
    try {
      await answerRun(this.#host.env, ctx.db, ctx.actor, pending.runId, { answers: step.done });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      await ctx.channel.send(ctx.chatId, escapeHtml(err.message));
      return;
    }
    await ctx.channel.send(ctx.chatId, "🏗 Thank you: scaffolding again with your answers.");
  }

  /** The message answering an open secret request is its value: true once it is stored. */
  async storeSecret(
    ctx: ChatContext,
    pending: SecretPending,
    text: string,
    messageId: number,
  ): Promise<boolean> {
    this.setPending(null);
    // Until the value is stored, the request stays open (a failure leaves it for another try).
    const stored = await captureSecret(ctx, pending, text, messageId).catch((err: unknown) => {
      this.setPending(pending, false);
      throw err;
    });
    if (!stored) {
      this.setPending(pending, false);
      return false;
    }
    await secretStored(this.#host.env, ctx.db, pending.projectId, pending.name);
    return true;
  }

  /** The user's guidance goes to the waiting run as a "retry" decision. */
  async giveGuidance(ctx: ChatContext, runId: string, text: string): Promise<void> {
    const guidance = /^(none|no|-)$/i.test(text.trim()) ? undefined : text.trim().slice(0, 2000);
    try {
      await decideRun(this.#host.env, ctx.db, ctx.actor, runId, {
        choice: "retry",
        ...(guidance ? { guidance } : {}),
      });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      await ctx.channel.send(ctx.chatId, escapeHtml(err.message));
      return;
    }
    await ctx.channel.send(ctx.chatId, guidance ? "🔁 Retrying with your guidance." : "🔁 Retrying.");
  }

  /** The session's controls over the open request, for commands and buttons. */
  controls(
    channel: ChatChannel,
  ): Pick<SessionControls, "pending" | "closePending" | "awaitSecret" | "awaitGuidance"> {
    return {
      pending: () => this.open(),
      closePending: (result) => {
        const pending = this.open();
        if (pending) this.closePending(pending, result);
      },
      awaitSecret: (projectId, projectSlug, name) =>
        this.openRequest(channel, { kind: "secret", projectId, projectSlug, name, description: "" }),
      awaitGuidance: (runId) =>
        this.openRequest(channel, { kind: "guidance", runId, question: GUIDANCE_QUESTION }),
    };
  }
}
