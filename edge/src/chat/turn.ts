/**
 * One model turn of the Product-Owner agent in a chat: the client and limits from the settings,
 * the tools bound to the chat's user, the words and questions sent through the chat's channel, the
 * usage booked. What the turn paused on (a question, a secret request) is kept by the caller.
 */
import type { RunRow } from "../domain/runs.ts";
import { modelClient } from "../models/client.ts";
import { usageRecorder } from "../models/costs.ts";
import { roleModel } from "../models/roles.ts";
import { chatConfig } from "./config.ts";
import type { ChatContext } from "./context.ts";
import type { ConversationDeps, Pending } from "./po/conversation.ts";
import type { History } from "./po/history.ts";

export interface TurnHost {
  history: History;
  /** The project the conversation is about; the turn may change it. */
  project: { current: string | null };
  runChanged(run: RunRow): Promise<void>;
  ask(pending: Pending): Promise<void>;
}

const NOT_CONFIGURED =
  "The Product-Owner agent is not configured here (no ANTHROPIC_API_KEY). Commands still work: /help.";

/** Runs `step` with the model; what it paused on, or null (also when no model is configured, said so). */
export async function modelTurn(
  ctx: ChatContext,
  host: TurnHost,
  step: (deps: ConversationDeps) => Promise<Pending | null>,
): Promise<Pending | null> {
  const settings = roleModel(ctx.env, "po");
  const client = modelClient(ctx.env, settings);
  if (!client) {
    await ctx.channel.send(ctx.chatId, NOT_CONFIGURED);
    return null;
  }
  await ctx.channel.typing(ctx.chatId).catch(() => {});
  return step({
    client,
    settings,
    limits: chatConfig(ctx.env),
    history: host.history,
    tools: { env: ctx.env, db: ctx.db, actor: ctx.actor, chatId: ctx.chatId, runChanged: host.runChanged },
    say: async (text) => {
      await ctx.channel.sendText(ctx.chatId, text);
    },
    ask: host.ask,
    recordUsage: usageRecorder(ctx.db, ctx.chatId, settings),
    project: host.project,
  });
}
