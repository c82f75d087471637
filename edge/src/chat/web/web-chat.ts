/**
 * The web side of a chat session whose chat is a web chat: its log, its channel, what the page
 * reads (`feed`) and what open tabs are sent live. The user's own messages are shown when their
 * turn comes, so a text that answers a secret request is never written down: it shows as a
 * placeholder, which the secret flow then deletes as it deletes a Telegram message.
 */
import type { ChatFeed, ChatLiveFrame, ChatRequest } from "@codegen-orchestrator/shared";
import { escapeHtml } from "../../telegram/format.ts";
import type { ChatChannel } from "../channel.ts";
import type { Handled } from "../inbox.ts";
import type { ChatState } from "../pending.ts";
import type { Pending } from "../po/conversation.ts";
import { webChannel } from "./channel.ts";
import { WebChatLog } from "./log.ts";

export interface WebChatHost {
  sql: SqlStorage;
  chatId: number;
  state(): ChatState;
  /** Sends a text frame to every open tab. */
  broadcast(text: string): void;
  elsewhere(): ChatChannel | null;
}

const SECRET_PLACEHOLDER = "🔒 <i>a secret value (not shown)</i>";

export function requestOf(pending: Pending | null): ChatRequest | null {
  if (!pending) return null;
  if (pending.kind === "secret") return { kind: "secret", name: pending.name, project: pending.projectSlug };
  if (pending.kind === "guidance") return { kind: "guidance", runId: pending.runId };
  if (pending.kind === "answers") {
    const question = pending.questions[pending.index];
    return question ? { kind: "answer", runId: pending.runId, question } : null;
  }
  return { kind: "question", question: pending.question, options: pending.options };
}

export class WebChat {
  readonly #host: WebChatHost;
  readonly #log: WebChatLog;
  readonly #channel: ChatChannel;

  constructor(host: WebChatHost) {
    this.#host = host;
    this.#log = new WebChatLog(host.sql);
    this.#channel = webChannel({
      chatId: host.chatId,
      log: this.#log,
      push: (frame) => this.push(frame),
      elsewhere: host.elsewhere,
    });
  }

  channel(): ChatChannel {
    return this.#channel;
  }

  push(frame: ChatLiveFrame): void {
    this.#host.broadcast(JSON.stringify(frame));
  }

  /** Shows the user's side of a message whose turn has come (never a secret) and gives it its id. */
  show(inbound: Handled): Handled {
    if (inbound.kind === "callback") return inbound;
    const secret = inbound.kind === "secret" || this.#host.state().pending?.kind === "secret";
    const html =
      inbound.kind === "command"
        ? escapeHtml(`/${inbound.command}${inbound.args ? ` ${inbound.args}` : ""}`)
        : secret
          ? SECRET_PLACEHOLDER
          : escapeHtml(inbound.text);
    const change = this.#log.append("you", html);
    this.push({ type: "message", message: change.message, cursor: change.version });
    return { ...inbound, messageId: change.message.id };
  }

  /** The user's answer by button, shown as theirs (Telegram's chat shows it as the bot's "➡️ …"). */
  showAnswer(text: string): void {
    const change = this.#log.append("you", escapeHtml(text));
    this.push({ type: "message", message: change.message, cursor: change.version });
  }

  /** A press of a button the chat really shows (a page can send anything). */
  hasButton(messageId: number, data: string): boolean {
    return this.#log.hasButton(messageId, data);
  }

  feed(after: number): ChatFeed {
    return { ...this.#log.changedAfter(after), ...this.#status() };
  }

  stateFrame(): ChatLiveFrame {
    return { type: "state", ...this.#status() };
  }

  #status() {
    const state = this.#host.state();
    // The `cli` Product-Owner works between the chat's handlers: while its turn's job runs.
    const agentAtWork = Boolean(state.agentTurns?.jobId);
    return { request: requestOf(state.pending), busy: state.mode === "PROCESSING" || agentAtWork };
  }
}
