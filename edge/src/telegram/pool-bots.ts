/**
 * The Bot API as the bot pool uses it, each call with the pooled bot's own token (grammY's `Api`
 * on the configured origin): `getMe` checks a token at registration, `profileBot` names a bot
 * after the project it now serves, `resetBot` clears what a project left (webhook, name,
 * descriptions). Failures come back as Telegram's description or "unreachable": never a URL,
 * since grammY's request URLs carry the token.
 *
 *   const me = await botIdentity(token, apiRoot); // { ok: true, id, username } or { ok: false, reason }
 *   const row = await addPoolBot(env, db, actor, token); // the API's and the console's way in
 */
import { autoRetry } from "@grammyjs/auto-retry";
import { Api, GrammyError } from "grammy/web";
import type { Db } from "../db/client.ts";
import type { Actor } from "../domain/actor.ts";
import { assertAdminActor } from "../domain/actor.ts";
import { type BotRow, registerBot } from "../domain/bot-pool.ts";
import { ApiError } from "../domain/errors.ts";
import { secretsKeyring } from "../domain/secrets.ts";
import type { Env } from "../env.ts";
import { telegramSettings } from "../settings/telegram.ts";

export type Identity = { ok: true; id: number; username: string } | { ok: false; reason: string };

/** Telegram's limits for a bot's name, description and short description. */
const NAME_MAX = 64;
const DESCRIPTION_MAX = 512;
const SHORT_DESCRIPTION_MAX = 120;

/**
 * Renaming is rate-limited: a short 429 is waited out, a long one gives up (the bot works
 * unnamed). An unreachable Bot API fails at once (the step or the admin tries again).
 */
function api(token: string, apiRoot: string | undefined): Api {
  // A Bot API that never answers does not hold a request or a step for grammY's default 500 s.
  const bot = new Api(token, { ...(apiRoot ? { apiRoot } : {}), timeoutSeconds: 20 });
  bot.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 10, rethrowHttpErrors: true }));
  return bot;
}

/** What went wrong, safe to log and show: Telegram's own words, or that it could not be reached. */
const reasonOf = (err: unknown) =>
  err instanceof GrammyError ? `${err.error_code}: ${err.description}`.slice(0, 200) : "unreachable";

export async function botIdentity(token: string, apiRoot: string | undefined): Promise<Identity> {
  try {
    const me = await api(token, apiRoot).getMe();
    if (!me.is_bot || !me.username) return { ok: false, reason: "not a bot with a username" };
    return { ok: true, id: me.id, username: me.username };
  } catch (err) {
    return { ok: false, reason: reasonOf(err) };
  }
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export interface BotProfile {
  name: string;
  description: string;
}

/**
 * Names the bot after its project: a webhook left by an earlier holder is removed first, so the
 * new service starts from a clean bot. The reason it failed, or null.
 */
export async function profileBot(
  token: string,
  apiRoot: string | undefined,
  profile: BotProfile,
): Promise<string | null> {
  const bot = api(token, apiRoot);
  try {
    await bot.deleteWebhook({ drop_pending_updates: true });
    await bot.setMyName(clip(profile.name.trim(), NAME_MAX));
    const description = profile.description.trim();
    await bot.setMyDescription(clip(description, DESCRIPTION_MAX));
    await bot.setMyShortDescription(clip(description, SHORT_DESCRIPTION_MAX));
    return null;
  } catch (err) {
    return reasonOf(err);
  }
}

/** Back to the pool: no webhook, no pending updates, the name and descriptions BotFather's again. */
export async function resetBot(token: string, apiRoot: string | undefined): Promise<string | null> {
  const bot = api(token, apiRoot);
  try {
    await bot.deleteWebhook({ drop_pending_updates: true });
    // An empty string removes the dedicated value (Bot API), leaving the one set in BotFather.
    await bot.setMyName("");
    await bot.setMyDescription("");
    await bot.setMyShortDescription("");
    return null;
  } catch (err) {
    return reasonOf(err);
  }
}

/**
 * An admin's token, checked with getMe and put in the pool: 422 when Telegram refuses it, 503
 * when it cannot be reached (neither says the token), 409 when the bot is in the pool already or
 * is the orchestrator's own (a project would take over its chat).
 */
export async function addPoolBot(env: Env, db: Db, actor: Actor, token: string): Promise<BotRow> {
  // Admins only, before the token goes anywhere.
  assertAdminActor(actor);
  const own = telegramSettings.read(env).TELEGRAM_BOT_TOKEN;
  if (own && botIdOf(own) === botIdOf(token))
    throw new ApiError(409, "conflict", "This is the orchestrator's own bot: it cannot serve a project.");
  const keyring = await secretsKeyring(env);
  const identity = await botIdentity(token, telegramSettings.read(env).TELEGRAM_API_ROOT);
  if (!identity.ok) {
    if (identity.reason === "unreachable")
      throw new ApiError(503, "service_unavailable", "Telegram could not be reached to check the token.");
    throw new ApiError(422, "invalid_request", "Telegram refused this token (getMe).", {
      reason: identity.reason,
    });
  }
  return registerBot(db, keyring, actor, identity, token);
}

/** The bot's id: a token's part before the colon. */
const botIdOf = (token: string) => token.slice(0, token.indexOf(":"));
