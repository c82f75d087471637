/**
 * What the user's words go to: the open request they answer (a question's option, a secret's
 * value, a run's guidance or template answers), else a turn of the Product-Owner: a model turn here
 * (PO_ENGINE=sdk), whose pause is kept as the open request, or the `cli` engine's agent job.
 *
 * Kept apart from `ChatSession`, which receives and queues updates; this works on the session's own
 * state, requests and history, through accessors the session lends.
 */
import type { RunRow } from "../domain/runs.ts";
import { isWebChat } from "../domain/web-chats.ts";
import type { Env } from "../env.ts";
import { chatSettings } from "../settings/chat.ts";
import { escapeHtml } from "../telegram/format.ts";
import type { ChatContext } from "./context.ts";
import type { ChatState } from "./pending.ts";
import { answerPrompt, secretSetPrompt } from "./po/cli-job.ts";
import type { CliTurns } from "./po/cli-turns.ts";
import { type ConversationDeps, converse, type Pending, resume } from "./po/conversation.ts";
import type { History } from "./po/history.ts";
import type { ChatRequests } from "./requests.ts";
import { modelTurn } from "./turn.ts";

const NO_SECRET_ASKED =
  "No secret was asked for, so I did not keep that value. To set one, use /secret, or ask me.";

/** What the session lends: its state, requests, history and agent turns, and how to show an answer. */
export interface ReplyHost {
  env: Env;
  state(): ChatState;
  setState(state: ChatState): void;
  requests: ChatRequests;
  agentTurns(): CliTurns;
  history(): History;
  /** A run a model turn started or cancelled. */
  runChanged(run: RunRow): Promise<void>;
  /** Shows a pressed option's text in the web chat (a Telegram chat gets it as a message). */
  showAnswer(answer: string): void;
}

export class ChatReplies {
  readonly #host: ReplyHost;

  constructor(host: ReplyHost) {
    this.#host = host;
  }

  /**
   * A press of one of the open question's option buttons (`ans:<index>`, or `ans:<index>:<question>`
   * under a run's template question): its text is the answer.
   */
  async option(ctx: ChatContext, data: string, callbackId: string): Promise<void> {
    await ctx.channel.answerCallback(callbackId);
    const [index, question] = data.slice("ans:".length).split(":").map(Number);
    const answer = this.#host.requests.optionAnswer(index ?? -1, question);
    if (answer === undefined) {
      await ctx.channel.send(ctx.chatId, "That question is closed already.");
      return;
    }
    if (isWebChat(ctx.chatId)) this.#host.showAnswer(answer);
    else await ctx.channel.send(ctx.chatId, `➡️ ${escapeHtml(answer)}`);
    await this.text(ctx, answer, null);
  }

  async text(ctx: ChatContext, text: string, messageId: number | null): Promise<void> {
    const pending = this.#host.state().pending;
    if (pending?.kind === "secret" && messageId !== null) return this.secret(ctx, text, messageId);
    this.#host.requests.setPending(null);
    if (pending?.kind === "guidance") return this.#host.requests.giveGuidance(ctx, pending.runId, text);
    if (pending?.kind === "answers") return this.#host.requests.takeAnswer(ctx, pending, text);
    if (pending?.toolUseId || pending?.agentJob) return this.#turn(ctx, { text, answers: pending });
    await this.#turn(ctx, { text });
  }

  /** The answer to the open secret request, stored; a value nobody asked for is dropped. */
  async secret(ctx: ChatContext, value: string, messageId: number): Promise<void> {
    const pending = this.#host.state().pending;
    if (pending?.kind !== "secret") {
      await ctx.channel.delete(ctx.chatId, messageId);
      await ctx.channel.send(ctx.chatId, NO_SECRET_ASKED);
      return;
    }
    if (!(await this.#host.requests.storeSecret(ctx, pending, value, messageId))) return;
    if (pending.toolUseId === null && !pending.agentJob) return;
    await this.#turn(ctx, { text: secretSetPrompt(pending.name, pending.projectSlug), answers: pending });
  }

  /**
   * The Product-Owner's turn on the user's words (`answers`: the request they answer): an `agent`
   * job's (PO_ENGINE=cli), or a model turn here, whose pause is kept.
   */
  async #turn(ctx: ChatContext, input: { text: string; answers?: Pending }): Promise<void> {
    const { text, answers } = input;
    if (chatSettings.read(this.#host.env).PO_ENGINE === "cli") {
      const prompt = answers?.agentJob ? answerPrompt(answers, text) : text;
      return await this.#host.agentTurns().start(ctx.actor.userId, prompt);
    }
    // A request the `cli` engine asked has no paused call to answer: its answer is a new message.
    const step = (deps: ConversationDeps) =>
      answers?.toolUseId ? resume(deps, answers, text) : converse(deps, text);
    const project = { current: this.#host.state().projectId };
    try {
      const pending = await modelTurn(
        ctx,
        {
          history: this.#host.history(),
          project,
          runChanged: this.#host.runChanged,
          ask: (pending) => this.#host.requests.ask(ctx.channel, pending),
        },
        step,
      );
      if (pending) this.#host.requests.setPending(pending);
    } finally {
      if (project.current !== this.#host.state().projectId)
        this.#host.setState({ ...this.#host.state(), projectId: project.current });
    }
  }
}
