/**
 * The bot pool in the DevOps graph. A variable that holds a Telegram bot token
 * (`TELEGRAM_BOT_TOKEN`, one whose comment in `.env.example` says `telegram-bot:`, or one the
 * manifest lists in `service.telegramBots`: env-analyzer.ts's `isBotVariable`) is filled
 * from the pool before anyone is asked: the bot is claimed, its token stored as the project's
 * secret, and it is named after the project (its spec's name and description) through the Bot
 * API. An empty pool leaves the variable to the user, as before. When a deleted project's service
 * is gone, its bots are reset (webhook, name) and free again.
 *
 * Tokens stay inside the steps: a step's value is the bot's username, never its token.
 */
import type { Db } from "../../db/client.ts";
import { claimBot, freeBot, releasingBots } from "../../domain/bot-pool.ts";
import { projectToBuild } from "../../domain/pipeline-projects.ts";
import { secretsKeyring } from "../../domain/secrets.ts";
import type { Env } from "../../env.ts";
import { telegramSettings } from "../../settings/telegram.ts";
import { profileBot, resetBot } from "../../telegram/pool-bots.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import { timelineStep } from "../steps/timeline.ts";

const apiRoot = (env: Env) => telegramSettings.read(env).TELEGRAM_API_ROOT;

/**
 * Fills each of these variables from the pool; returns those the pool could not fill (empty).
 * Owner: who the project's secret is written for.
 */
export async function fillFromPool(pipeline: Pipeline, names: string[], ownerId: string): Promise<string[]> {
  const left: string[] = [];
  for (const name of names) {
    const username = await timelineStep(pipeline, `bot ${name}`, async (db) => {
      const keyring = await secretsKeyring(pipeline.env);
      const bot = await claimBot(db, keyring, {
        projectId: pipeline.projectId,
        variable: name,
        actorId: ownerId,
      });
      if (!bot) return { status: "skipped", detail: { pool: "empty" }, value: null };
      const project = await projectToBuild(db, pipeline.projectId);
      const problem = project
        ? await profileBot(bot.token, apiRoot(pipeline.env), {
            name: project.spec?.name ?? project.name,
            description: project.spec?.description ?? project.description,
          })
        : null;
      // A bot that could not be renamed still works: the run goes on, the timeline says why.
      return {
        status: "succeeded",
        detail: { bot: bot.username, named: problem === null, ...(problem ? { problem } : {}) },
        value: bot.username,
      };
    });
    if (username) await pipeline.progress("secrets", `🤖 ${name}: @${username} from the bot pool.`);
    else left.push(name);
  }
  return left;
}

/**
 * Resets a deleted project's held bots and frees them. A bot Telegram did not answer for is freed
 * all the same (the next project's naming removes its webhook first); the problems are returned.
 */
export async function returnBots(
  env: Env,
  db: Db,
  projectId: string,
): Promise<{ returned: string[]; problems: string[] }> {
  const bots = await releasingBots(db, () => secretsKeyring(env), projectId);
  const returned: string[] = [];
  const problems: string[] = [];
  for (const bot of bots) {
    const problem = await resetBot(bot.token, apiRoot(env));
    if (problem) problems.push(`@${bot.username}: ${problem}`);
    await freeBot(db, bot, projectId);
    returned.push(bot.username);
  }
  if (problems.length > 0) console.warn(JSON.stringify({ event: "bot.reset_failed", projectId, problems }));
  return { returned, problems };
}
