/** The Telegram bot (docs/telegram.md). */
import { z } from "zod";
import { defineSettings, httpOrigin, list, setting, text } from "./define.ts";

const telegramIds = list.pipe(z.array(z.coerce.number<string>().int().positive()));

export const telegramSettings = defineSettings("Telegram", {
  TELEGRAM_BOT_TOKEN: setting(text, {
    secret: true,
    doc: "The bot's token from @BotFather. Unset: the webhook answers 404.",
  }),
  TELEGRAM_WEBHOOK_SECRET: setting(text, {
    secret: true,
    doc: "What Telegram sends in `X-Telegram-Bot-Api-Secret-Token` (set with `npm run telegram:webhook`).",
  }),
  TELEGRAM_API_ROOT: setting(httpOrigin, {
    doc: "The Bot API origin; default Telegram's. Tests and local fakes point it at loopback.",
  }),
  ADMIN_TELEGRAM_IDS: setting(telegramIds, {
    default: [],
    doc: "Telegram user ids, comma-separated, of the bot's admins: they approve new users.",
  }),
});
