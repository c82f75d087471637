/**
 * The local polling bridge: a real bot without a public URL. It takes the bot's updates from
 * Telegram with `getUpdates` and posts each to the local Worker's webhook, with the webhook's
 * secret token, exactly as Telegram would. An update is confirmed to Telegram (the offset moves
 * past it) only once the webhook accepted it, so none is lost while the Worker restarts.
 *
 *   const bridge = startPollingBridge({ token, webhookUrl, secret });  …  await bridge.stop();
 */
import { TELEGRAM_SECRET_HEADER } from "@codegen-orchestrator/shared";
import { Api, GrammyError } from "grammy";

export interface BridgeOptions {
  token: string;
  /** The Bot API origin (default Telegram's). */
  apiRoot?: string | undefined;
  /** The local webhook, e.g. http://127.0.0.1:8787/telegram/webhook. */
  webhookUrl: string;
  secret: string;
  /** Long-poll duration in seconds (Telegram holds the request open until an update or this). */
  pollSeconds?: number;
  log?: (line: string) => void;
}

export interface Bridge {
  /** Updates handed to the webhook so far. */
  forwarded(): number;
  stop(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

export function startPollingBridge(options: BridgeOptions): Bridge {
  const api = new Api(options.token, options.apiRoot ? { apiRoot: options.apiRoot } : undefined);
  const log = options.log ?? ((line: string) => console.log(line));
  const stopping = new AbortController();
  let forwarded = 0;

  /** Posts one update until the webhook takes it (2xx) or refuses it for good (4xx). */
  async function forward(update: unknown): Promise<void> {
    for (let attempt = 0; !stopping.signal.aborted; attempt++) {
      try {
        const response = await fetch(options.webhookUrl, {
          method: "POST",
          headers: { "content-type": "application/json", [TELEGRAM_SECRET_HEADER]: options.secret },
          body: JSON.stringify(update),
        });
        if (response.ok) {
          forwarded++;
          return;
        }
        if (response.status < 500) {
          log(`telegram bridge: the webhook refused an update (${response.status}); skipped`);
          return;
        }
      } catch {
        // The Worker is restarting or not up yet: try again.
      }
      await sleep(Math.min(5_000, 250 * 2 ** attempt), stopping.signal);
    }
  }

  async function loop(): Promise<void> {
    // getUpdates is refused while a webhook is set: polling locally means no webhook.
    await api.deleteWebhook();
    let offset = 0;
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        const updates = await api.getUpdates(
          { offset, timeout: options.pollSeconds ?? 25, allowed_updates: ["message", "callback_query"] },
          // grammY's Node build types its signal with an AbortSignal shim; the platform's is what it gets.
          stopping.signal as unknown as Parameters<typeof api.getUpdates>[1],
        );
        failures = 0;
        for (const update of updates) {
          await forward(update);
          offset = update.update_id + 1;
        }
      } catch (err) {
        if (stopping.signal.aborted) break;
        const reason = err instanceof GrammyError ? err.description : (err as Error).message;
        log(`telegram bridge: getUpdates failed (${reason}); retrying`);
        await sleep(Math.min(30_000, 1_000 * 2 ** failures++), stopping.signal);
      }
    }
  }

  const running = loop().catch((err: Error) => log(`telegram bridge stopped: ${err.message}`));
  return {
    forwarded: () => forwarded,
    stop: async () => {
      stopping.abort();
      await running;
    },
  };
}
