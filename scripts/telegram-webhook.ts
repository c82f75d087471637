/**
 * `npm run telegram:webhook`: points the bot at the deployed Worker's webhook, with its secret.
 *
 * Environment: TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET (the same value the Worker has, set with
 * `wrangler secret put TELEGRAM_WEBHOOK_SECRET`), PUBLIC_URL (the Worker's origin, https), and
 * optionally TELEGRAM_API_ROOT. `--delete` removes the webhook instead (for polling).
 */
import { TELEGRAM_WEBHOOK_PATH } from "@codegen-orchestrator/shared";
import { Api, GrammyError } from "grammy";

/** What Telegram accepts as a secret token. */
const SECRET_TOKEN = /^[A-Za-z0-9_-]{16,256}$/;

function fail(message: string): never {
  console.error(`telegram:webhook: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const token = process.env.TELEGRAM_BOT_TOKEN;
  if (!token) fail("set TELEGRAM_BOT_TOKEN (from @BotFather) in the environment.");
  const apiRoot = process.env.TELEGRAM_API_ROOT;
  const api = new Api(token, apiRoot ? { apiRoot } : undefined);
  if (process.argv.includes("--delete")) {
    await api.deleteWebhook();
    console.log("Webhook removed: the bot can be polled now (npm start's local bridge).");
    return;
  }
  const secret = process.env.TELEGRAM_WEBHOOK_SECRET;
  if (!secret || !SECRET_TOKEN.test(secret)) {
    fail(
      "set TELEGRAM_WEBHOOK_SECRET to 16–256 characters of A–Z, a–z, 0–9, _ or - (e.g. `openssl rand -hex 32`), give the Worker the same value with `wrangler secret put TELEGRAM_WEBHOOK_SECRET`, and run again.",
    );
  }
  let url: URL;
  try {
    url = new URL(TELEGRAM_WEBHOOK_PATH, process.env.PUBLIC_URL);
  } catch {
    fail("set PUBLIC_URL to the Worker's public origin, e.g. https://orchestrator.example.workers.dev");
  }
  if (url.protocol !== "https:" && !apiRoot)
    fail(`Telegram only calls https webhooks; PUBLIC_URL is ${url.origin}.`);
  await api.setWebhook(url.href, {
    secret_token: secret,
    allowed_updates: ["message", "callback_query"],
    max_connections: 40,
  });
  const info = await api.getWebhookInfo();
  console.log(`Webhook set: ${url.href} (pending updates: ${info.pending_update_count}).`);
}

main().catch((err: unknown) => {
  fail(err instanceof GrammyError ? `Telegram refused: ${err.description}` : (err as Error).message);
});
