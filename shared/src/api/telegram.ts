/** Where the Worker takes Telegram's calls, and the header that proves they are Telegram's. */
export const TELEGRAM_WEBHOOK_PATH = "/telegram/webhook";
export const TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token";
