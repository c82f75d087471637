/**
 * A loopback server speaking the Telegram Bot API (`POST /bot<token>/<method>`, JSON in and out)
 * for grammY's `apiRoot`: it answers the methods the bot uses, records every call, can be told to
 * answer the next calls of a method with an error (e.g. 429 with `retry_after`), and queues
 * updates for `getUpdates` (the local polling bridge). Other bots can be added (`addBot`: the
 * bot pool's): each answers for its own token and keeps its profile and webhook as Telegram does.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface BotCall {
  method: string;
  payload: Record<string, any>;
  at: number;
  /** The error this call was answered with, if it was scripted to fail. */
  failed?: number;
  /** What it answered (e.g. the sent message, with its `message_id`). */
  result?: any;
}

export interface BotError {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number };
}

/** A further bot this server answers for: what Telegram keeps of it, and the calls it got. */
export interface OtherBot {
  id: number;
  username: string;
  /** Its name as set with setMyName ("" when none is set: BotFather's name shows). */
  name: string;
  description: string;
  shortDescription: string;
  webhookUrl: string;
  calls: BotCall[];
  /** The next calls of a method answer these errors, in order (e.g. 429 with `retry_after`). */
  failures: Map<string, BotError[]>;
}

export class FakeTelegram {
  readonly calls: BotCall[] = [];
  apiRoot = "";
  readonly #token: string;
  readonly #failures = new Map<string, BotError[]>();
  readonly #updates: Record<string, unknown>[] = [];
  readonly #bots = new Map<string, OtherBot>();
  #messageId = 1000;
  #close: () => Promise<void> = async () => {};

  private constructor(token: string) {
    this.#token = token;
  }

  static async start(token: string): Promise<FakeTelegram> {
    const fake = new FakeTelegram(token);
    const server = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? "");
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      const other = match ? fake.#bots.get(match[1] as string) : undefined;
      if (!match || (match[1] !== fake.#token && !other))
        return reply(401, { ok: false, error_code: 401, description: "Unauthorized" });
      const method = match[2] as string;
      const payload = body ? (JSON.parse(body) as Record<string, any>) : {};
      if (other) {
        const failure = other.failures.get(method)?.shift();
        if (failure) {
          other.calls.push({ method, payload, at: Date.now(), failed: failure.error_code });
          return reply(failure.error_code, { ok: false, ...failure });
        }
        const result = answerOther(other, method, payload);
        other.calls.push({ method, payload, at: Date.now(), result });
        return reply(200, { ok: true, result });
      }
      const call: BotCall = { method, payload, at: Date.now() };
      fake.calls.push(call);
      const failure = fake.#failures.get(method)?.shift();
      if (failure) {
        call.failed = failure.error_code;
        return reply(failure.error_code, { ok: false, ...failure });
      }
      call.result = fake.#answer(method, payload);
      // Like Telegram's long poll, briefly: an empty getUpdates answers after a pause, not at once.
      if (method === "getUpdates" && Array.isArray(call.result) && call.result.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      reply(200, { ok: true, result: call.result });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    fake.apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fake.#close = () => new Promise((resolve) => server.close(() => resolve()));
    return fake;
  }

  /** The next `count` calls of `method` answer `error`. */
  failNext(method: string, error: BotError, count = 1): void {
    const list = this.#failures.get(method) ?? [];
    for (let i = 0; i < count; i++) list.push(error);
    this.#failures.set(method, list);
  }

  /** Another bot, answering for `token` from now on (e.g. one an admin puts in the bot pool). */
  addBot(token: string, bot: { id: number; username: string }): OtherBot {
    const added: OtherBot = {
      ...bot,
      name: "",
      description: "",
      shortDescription: "",
      webhookUrl: "",
      calls: [],
      failures: new Map(),
    };
    this.#bots.set(token, added);
    return added;
  }

  /** An update for the next `getUpdates` call. */
  pushUpdate(update: Record<string, unknown>): void {
    this.#updates.push(update);
  }

  /** Successful calls to `method` for `chatId` (all chats when omitted). */
  sent(method: string, chatId?: number): BotCall[] {
    return this.calls.filter(
      (call) =>
        call.method === method && !call.failed && (chatId === undefined || call.payload.chat_id === chatId),
    );
  }

  /** The texts this chat was sent, in order. */
  texts(chatId: number): string[] {
    return this.sent("sendMessage", chatId).map((call) => String(call.payload.text));
  }

  close(): Promise<void> {
    return this.#close();
  }

  #answer(method: string, payload: Record<string, any>): unknown {
    const date = Math.floor(Date.now() / 1000);
    switch (method) {
      case "sendMessage":
        return {
          message_id: ++this.#messageId,
          date,
          chat: { id: payload.chat_id, type: "private" },
          text: payload.text,
        };
      case "editMessageText":
        return {
          message_id: payload.message_id,
          date,
          chat: { id: payload.chat_id, type: "private" },
          text: payload.text,
        };
      case "getMe":
        return { id: 42, is_bot: true, first_name: "Orchestrator", username: "orchestrator_test_bot" };
      case "getUpdates": {
        const offset = Number(payload.offset ?? 0);
        const ready = this.#updates.filter((update) => Number(update.update_id) >= offset);
        this.#updates.splice(0, this.#updates.length, ...ready);
        return ready.slice(0, Number(payload.limit ?? 100));
      }
      case "getWebhookInfo":
        return { url: "", has_custom_certificate: false, pending_update_count: 0 };
      default:
        return true;
    }
  }
}

/** The Bot API methods a pooled bot gets, answered from (and changing) what Telegram keeps of it. */
function answerOther(bot: OtherBot, method: string, payload: Record<string, any>): unknown {
  switch (method) {
    case "getMe":
      return { id: bot.id, is_bot: true, first_name: bot.name || bot.username, username: bot.username };
    case "setMyName":
      bot.name = String(payload.name ?? "");
      return true;
    case "getMyName":
      return { name: bot.name || bot.username };
    case "setMyDescription":
      bot.description = String(payload.description ?? "");
      return true;
    case "getMyDescription":
      return { description: bot.description };
    case "setMyShortDescription":
      bot.shortDescription = String(payload.short_description ?? "");
      return true;
    case "setWebhook":
      bot.webhookUrl = String(payload.url ?? "");
      return true;
    case "deleteWebhook":
      bot.webhookUrl = "";
      return true;
    case "getWebhookInfo":
      return { url: bot.webhookUrl, has_custom_certificate: false, pending_update_count: 0 };
    default:
      return true;
  }
}
