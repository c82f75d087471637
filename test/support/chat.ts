/**
 * A Worker under `wrangler dev` wired to a fake Telegram Bot API and a fake Anthropic Messages API,
 * both on 127.0.0.1, with helpers to send updates through the real webhook and wait for replies.
 */
import { TELEGRAM_SECRET_HEADER, TELEGRAM_WEBHOOK_PATH } from "@codegen-orchestrator/shared";
import {
  type FakeAnthropic,
  type Responder,
  startFakeAnthropic,
} from "../../executor/test/support/fake-anthropic.ts";
import { adminCall, type Worker } from "../../scripts/local-stack.ts";
import { FakeTelegram } from "./fake-telegram.ts";
import { Fleet } from "./fleet.ts";

export const BOT_TOKEN = "4242:test-bot-token";
export const WEBHOOK_SECRET = "webhook-secret-for-tests-0123456789";
export const ADMIN_ID = 1000;

export interface Sender {
  id: number;
  first_name: string;
  username?: string;
}

export class ChatHarness {
  readonly telegram: FakeTelegram;
  readonly model: FakeAnthropic;
  /** The Worker (and executors, for tests that run pipelines). */
  readonly fleet: Fleet;
  #updateId = 1;
  #messageId = 1;

  private constructor(telegram: FakeTelegram, model: FakeAnthropic, fleet: Fleet) {
    this.telegram = telegram;
    this.model = model;
    this.fleet = fleet;
  }

  /** The Worker as it runs now (a restart replaces it). */
  get worker(): Worker {
    return this.fleet.worker;
  }

  /** The Worker's state directory and the executors' data. */
  get dir(): string {
    return this.fleet.dir;
  }

  static async start(
    vars: Record<string, string> = {},
    secrets: Record<string, string> = {},
  ): Promise<ChatHarness> {
    const telegram = await FakeTelegram.start(BOT_TOKEN);
    const model = await startFakeAnthropic(() => ({ text: "(no responder set)" }));
    const fleet = await Fleet.start(
      {
        TELEGRAM_API_ROOT: telegram.apiRoot,
        ANTHROPIC_BASE_URL: model.baseUrl,
        ADMIN_TELEGRAM_IDS: String(ADMIN_ID),
        PO_MAX_RETRIES: "2",
        STATUS_EDIT_INTERVAL_MS: "500",
        ...vars,
      },
      {
        TELEGRAM_BOT_TOKEN: BOT_TOKEN,
        TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
        ANTHROPIC_API_KEY: "sk-ant-test-key",
        ...secrets,
      },
      "pipe",
    );
    return new ChatHarness(telegram, model, fleet);
  }

  /** How the model answers from now on. */
  respond(responder: Responder): void {
    this.model.respond = responder;
  }

  nextUpdateId(): number {
    return this.#updateId++;
  }

  /** Posts a raw update to the webhook (with the right secret unless told otherwise). */
  post(update: Record<string, unknown>, secret: string | null = WEBHOOK_SECRET): Promise<Response> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (secret !== null) headers[TELEGRAM_SECRET_HEADER] = secret;
    return fetch(`${this.worker.origin}${TELEGRAM_WEBHOOK_PATH}`, {
      method: "POST",
      headers,
      body: JSON.stringify(update),
    });
  }

  /** A private-chat text message from `from`; returns the update (its message id included). */
  message(from: Sender, text: string, updateId = this.nextUpdateId()) {
    const update = {
      update_id: updateId,
      message: {
        message_id: this.#messageId++,
        date: Math.floor(Date.now() / 1000),
        chat: { id: from.id, type: "private", first_name: from.first_name },
        from: { ...from, is_bot: false },
        text,
        ...(text.startsWith("/")
          ? { entities: [{ type: "bot_command", offset: 0, length: text.split(" ")[0]?.length ?? 1 }] }
          : {}),
      },
    };
    return update;
  }

  /** Sends a text message and checks the webhook took it. */
  async say(from: Sender, text: string): Promise<{ messageId: number; updateId: number }> {
    const update = this.message(from, text);
    const response = await this.post(update);
    if (response.status !== 200)
      throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
    return { messageId: update.message.message_id, updateId: update.update_id };
  }

  /** Presses a button under a message the bot sent. */
  async press(from: Sender, data: string, messageId = 1): Promise<void> {
    const response = await this.post({
      update_id: this.nextUpdateId(),
      callback_query: {
        id: `cb-${this.#updateId}`,
        from: { ...from, is_bot: false },
        chat_instance: "1",
        data,
        message: { message_id: messageId, date: 0, chat: { id: from.id, type: "private" }, text: "…" },
      },
    });
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  }

  api<T = any>(route: string, body?: unknown, method?: string): Promise<T> {
    return adminCall<T>(this.worker, route, body, method);
  }

  async stop(): Promise<void> {
    await this.fleet.stop();
    await Promise.all([this.telegram.close(), this.model.close()]);
  }
}

/** Polls until `check` returns a value (not undefined/false), for at most `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The text of the last user message in a model request (the user's words or a tool result). */
export function lastUserText(request: { messages: { role: string; content: any }[] }): string {
  const last = request.messages.at(-1);
  if (!last) return "";
  if (typeof last.content === "string") return last.content;
  return last.content
    .map((block: any) =>
      block.type === "text" ? block.text : block.type === "tool_result" ? String(block.content) : "",
    )
    .join("\n");
}
