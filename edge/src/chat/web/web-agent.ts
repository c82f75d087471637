/**
 * What a chat agent does when its chat is a web chat (`ChatSession` extends it): it takes the
 * console's messages, button presses and secrets onto the same queue as Telegram updates, answers
 * the page's reads, and keeps its open tabs live. A tab connects through `/api/v1/chat/live`, which
 * has checked who it is; it gets this chat's frames only: no SDK protocol (state, identity) and no
 * writes over the socket.
 */
import type { ChatFeed } from "@codegen-orchestrator/shared";
import { Agent, type Connection } from "agents";
import { isWebChat } from "../../domain/web-chats.ts";
import type { Env } from "../../env.ts";
import { telegramSettings } from "../../settings/telegram.ts";
import { telegramChannel } from "../../telegram/channel.ts";
import type { ChatChannel } from "../channel.ts";
import { inboxKeyring, type Queued, SeenUpdates, sealInbound } from "../inbox.ts";
import type { ChatState } from "../pending.ts";
import { type WebInput, webInbound } from "./inbound.ts";
import { WebChat } from "./web-chat.ts";

/**
 * `no_keyring`: a secret, and no SECRETS_KEY to keep it; `no_button`: no such button on that
 * message; `duplicate`: its client id was taken before.
 */
export type WebReceiveOutcome = "queued" | "no_keyring" | "no_button" | "duplicate";

/** A client's id as a 48-bit update id (a web chat's agent receives no Telegram update ids). */
async function updateIdOf(clientId: string): Promise<number> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(clientId)));
  return digest.slice(0, 6).reduce((value, byte) => value * 256 + byte, 0);
}

const randomUpdateId = () => crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;

export abstract class WebChatAgent extends Agent<Env, ChatState> {
  #web: WebChat | undefined;

  /** The queue's worker (`ChatSession`): one message at a time, in arrival order. */
  abstract handle(queued: Queued): Promise<void>;

  /**
   * Called by `/api/v1/chat` for this web chat: queues a message, a button press or a secret, as
   * `receive` does a Telegram update. `userName`: how the chat greets its user.
   */
  async receiveWeb(input: WebInput, userName: string, clientId?: string): Promise<WebReceiveOutcome> {
    const keyring = await inboxKeyring(this.env);
    if (input.kind === "secret" && !keyring) return "no_keyring";
    if (input.kind === "button" && !this.webChat().hasButton(input.messageId, input.data)) return "no_button";
    // A client's id becomes the update's, so a retry is a duplicate as Telegram's retries are.
    const updateId = clientId ? await updateIdOf(clientId) : randomUpdateId();
    if (clientId && !new SeenUpdates(this.ctx.storage.sql).firstTime(updateId)) return "duplicate";
    const inbound = webInbound(this.chatId(), updateId, userName, input);
    // One attempt, as for Telegram: a handler never throws, and a replay could repeat effects.
    await this.queue("handle", await sealInbound(keyring, inbound), { retry: { maxAttempts: 1 } });
    return "queued";
  }

  /** This web chat's messages changed after `after`, and what the agent waits for. */
  async webFeed(after: number): Promise<ChatFeed> {
    return this.webChat().feed(after);
  }

  override shouldSendProtocolMessages(): boolean {
    return false;
  }

  override shouldConnectionBeReadonly(): boolean {
    return true;
  }

  override onConnect(connection: Connection): void {
    if (isWebChat(this.chatId())) connection.send(JSON.stringify(this.webChat().stateFrame()));
  }

  override onMessage(): void {}

  override onStateChanged(): void {
    if (isWebChat(this.chatId())) this.webChat().push(this.webChat().stateFrame());
  }

  /** The agent's name is the chat id (see the webhook and `/api/v1/chat`). */
  protected chatId(): number {
    return Number(this.name);
  }

  /** The chat's own channel: the web chat's, or the Telegram bot's. */
  protected channel(): ChatChannel {
    if (isWebChat(this.chatId())) return this.webChat().channel();
    const telegram = this.telegramChannel();
    if (!telegram) throw new Error("TELEGRAM_BOT_TOKEN is not set");
    return telegram;
  }

  protected telegram() {
    return telegramSettings.read(this.env);
  }

  /** A web chat's page and live tabs (only a web chat's agent has them). */
  protected webChat(): WebChat {
    if (!isWebChat(this.chatId())) throw new Error("not a web chat");
    this.#web ??= new WebChat({
      sql: this.ctx.storage.sql,
      chatId: this.chatId(),
      state: () => this.state,
      broadcast: (text) => this.broadcast(text),
      elsewhere: () => this.telegramChannel(),
    });
    return this.#web;
  }

  private telegramChannel(): ChatChannel | null {
    const { TELEGRAM_BOT_TOKEN, TELEGRAM_API_ROOT } = this.telegram();
    return TELEGRAM_BOT_TOKEN
      ? telegramChannel({ token: TELEGRAM_BOT_TOKEN, apiRoot: TELEGRAM_API_ROOT })
      : null;
  }
}
