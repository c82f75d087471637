/**
 * Admins' bot pool page: each pooled Telegram bot, what it serves, and a form that adds a token
 * (checked with getMe, as `POST /api/v1/bots` does, by the same operation: `addPoolBot`). The
 * token is never shown, not even back in the form after a refusal. A bot no project uses can be
 * taken out (`DELETE /api/v1/bots/{id}`'s operation). Both are audited like the API's.
 */
import { BotToken } from "@codegen-orchestrator/shared";
import type { Context } from "hono";
import { type BotRow, poolOverview, removeBot } from "../domain/bot-pool.ts";
import { ApiError } from "../domain/errors.ts";
import { addPoolBot } from "../telegram/pool-bots.ts";
import { assertMayChange } from "./changes.ts";
import { LocalTime, Notice, Page, Problem, type SignedIn } from "./layout.tsx";
import type { PageEnv } from "./page-env.ts";
import { Listing } from "./table.tsx";

type PageContext = Context<PageEnv>;
type PoolRow = BotRow & { projectName: string | null };

const SHOWN = 200;

async function botsPage(c: PageContext, status: 200 | 400 | 409 | 422 | 503, error?: string) {
  const bots = await poolOverview(c.get("db"), c.get("principal"), SHOWN);
  const notice = c.req.query("notice")?.slice(0, 200);
  return c.html(<BotsPage user={c.get("user")} bots={bots} notice={notice} error={error} />, status);
}

export const showBots = (c: PageContext) => botsPage(c, 200);

export async function addBotFromPage(c: PageContext) {
  assertMayChange(c);
  const token = BotToken.safeParse((await c.req.parseBody()).token);
  if (!token.success) return botsPage(c, 400, "Token: paste it as @BotFather gives it (<id>:<secret>).");
  try {
    const bot = await addPoolBot(c.env, c.get("db"), c.get("principal"), token.data);
    return c.redirect(`/admin/bots?notice=${encodeURIComponent(`@${bot.username} is in the pool.`)}`, 303);
  } catch (err) {
    // Said beside the form; Telegram's answer names no token.
    if (err instanceof ApiError && (err.status === 409 || err.status === 422 || err.status === 503)) {
      const reason = (err.details as { reason?: string } | undefined)?.reason;
      return botsPage(c, err.status, reason ? `${err.message} Telegram said: ${reason}.` : err.message);
    }
    throw err;
  }
}

export async function removeBotFromPage(c: PageContext) {
  assertMayChange(c);
  try {
    await removeBot(c.get("db"), c.get("principal"), c.req.param("id") ?? "");
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) return botsPage(c, 409, err.message);
    throw err;
  }
  return c.redirect(`/admin/bots?notice=${encodeURIComponent("The bot left the pool.")}`, 303);
}

function BotsPage(props: {
  user: SignedIn;
  bots: PoolRow[];
  notice?: string | undefined;
  error?: string | undefined;
}) {
  return (
    <Page title="Bot pool" user={props.user}>
      <h1>Telegram bot pool</h1>
      <p class="muted">
        A project whose environment asks for a bot token gets the first free bot, named after it; it comes
        back when the project is deleted.
      </p>
      <Notice text={props.notice} />
      <Listing
        id="bots-title"
        title="Bots"
        empty="No bot yet: add a token below."
        headers={["Bot", "Status", "Serves", "Since", ""]}
        rows={props.bots.map((bot) => [
          `@${bot.username}`,
          <span class={`state-${bot.status}`}>{bot.status}</span>,
          bot.projectId ? (
            <a
              href={`/projects/${bot.projectId}`}
            >{`${bot.projectName ?? bot.projectId} (${bot.variable})`}</a>
          ) : (
            "—"
          ),
          <LocalTime at={bot.updatedAt} />,
          bot.status === "assigned" ? null : (
            <form class="inline" method="post" action={`/admin/bots/${bot.id}/remove`}>
              <button class="secondary" type="submit" aria-label={`Take @${bot.username} out of the pool`}>
                Take out
              </button>
            </form>
          ),
        ])}
        stacked
      />
      <section aria-labelledby="add-bot-title">
        <h2 id="add-bot-title">Add a bot</h2>
        <Problem text={props.error} />
        <form class="stacked" method="post" action="/admin/bots">
          <label for="bot-token">Token from @BotFather</label>
          <input
            id="bot-token"
            name="token"
            type="password"
            required
            autocomplete="off"
            maxlength={230}
            aria-describedby="bot-token-hint"
          />
          <p class="hint" id="bot-token-hint">
            checked with Telegram (getMe), stored encrypted and never shown again
          </p>
          <p>
            <button type="submit">Add to the pool</button>
          </p>
        </form>
      </section>
    </Page>
  );
}
