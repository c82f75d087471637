import { z } from "zod";
import { Timestamp, Ulid } from "./common.ts";

/**
 * The Telegram bot pool: `free` bots wait for a project whose environment asks for a bot token;
 * `assigned` ones serve a project; `releasing` ones belonged to a deleted project and come back
 * once its service is gone (their webhook removed, name reset).
 */
export const BotStatus = z.enum(["free", "assigned", "releasing"]);
export type BotStatus = z.infer<typeof BotStatus>;

/** A pooled bot as the API shows it: never its token (write-only). */
export const Bot = z
  .object({
    id: Ulid,
    botId: z.number().int().describe("Telegram's id of the bot"),
    username: z.string(),
    status: BotStatus,
    projectId: Ulid.nullable().describe("the project it serves (assigned or releasing)"),
    variable: z.string().nullable().describe("the project's variable it fills"),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Bot" });
export type Bot = z.infer<typeof Bot>;

/** A bot token as @BotFather gives it: `<bot id>:<secret>`. */
export const BotToken = z
  .string()
  .regex(/^\d{1,20}:[A-Za-z0-9_-]{20,200}$/, "a bot token from @BotFather (<id>:<secret>)");

export const CreateBot = z
  .strictObject({ token: BotToken.describe("checked with getMe; stored sealed, never shown again") })
  .meta({ id: "CreateBot" });
export type CreateBot = z.infer<typeof CreateBot>;
