/**
 * `POST /telegram/webhook`: Telegram's calls. The secret token header is checked first (401, and
 * nothing read or stored, when it is missing or wrong); the update is validated, handed to its
 * chat's `ChatSession`, which only records and queues it, and the 200 goes back at once: a slow
 * model never makes Telegram retry.
 *
 *   app.route("/", telegramRoutes);
 */
import { TELEGRAM_SECRET_HEADER, TELEGRAM_WEBHOOK_PATH } from "@codegen-orchestrator/shared";
import { getAgentByName } from "agents";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { sha256Hex } from "../auth/keys.ts";
import type { AppEnv } from "../http/context.ts";
import { errorBody, invalidRequest } from "../http/errors.ts";
import { jsonBody } from "../http/json-body.ts";
import { telegramSettings } from "../settings/telegram.ts";
import { chatIdOf, TelegramUpdate } from "./update.ts";

/** Equal-time comparison: both sides hashed first, so neither length nor prefix leaks. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([sha256Hex(given), sha256Hex(expected)]);
  return crypto.subtle.timingSafeEqual(encoder.encode(a), encoder.encode(b));
}

const verifySecretToken = createMiddleware<AppEnv>(async (c, next) => {
  const { TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET: expected } = telegramSettings.read(c.env);
  if (!TELEGRAM_BOT_TOKEN || !expected) {
    return c.json(errorBody("not_found", "The Telegram bot is not configured on this server."), 404);
  }
  const given = c.req.header(TELEGRAM_SECRET_HEADER);
  if (!given || !(await sameSecret(given, expected))) {
    return c.json(errorBody("unauthorized", "Missing or wrong X-Telegram-Bot-Api-Secret-Token."), 401);
  }
  await next();
});

export const telegramRoutes = new Hono<AppEnv>().post(
  TELEGRAM_WEBHOOK_PATH,
  verifySecretToken,
  jsonBody(),
  async (c) => {
    const parsed = TelegramUpdate.safeParse(await c.req.json());
    if (!parsed.success) throw invalidRequest(parsed.error, "body");
    const chatId = chatIdOf(parsed.data);
    if (chatId === null) return c.json({ ok: true, outcome: "ignored" }, 200);
    const session = await getAgentByName(c.env.CHAT_SESSION, String(chatId));
    const outcome = await session.receive(parsed.data);
    return c.json({ ok: true, outcome }, 200);
  },
);
