/** What a command, button or message handler gets: the chat, who wrote, and the session's controls. */

import type { Db } from "../db/client.ts";
import type { Actor } from "../domain/actor.ts";
import type { RunRow } from "../domain/runs.ts";
import type { UserRow } from "../domain/users.ts";
import type { Env } from "../env.ts";
import type { ChatChannel } from "./channel.ts";
import type { Pending } from "./po/conversation.ts";

export interface SessionControls {
  pending(): Pending | null;
  /** Ends the paused turn with this as the pausing tool's result, without calling the model. */
  closePending(result: string): void;
  /** Waits for a secret the user asked to set (`/secret`), outside any model turn. */
  awaitSecret(projectId: string, projectSlug: string, name: string): Promise<void>;
  /** Asks for guidance for a waiting run's next fix iteration; the next message is the answer. */
  awaitGuidance(runId: string): Promise<void>;
  /** Forgets the conversation (history, pending question, current project). */
  newConversation(): void;
  /** A run was started or cancelled: its workflow launched or stopped, its status message shown. */
  runChanged(run: RunRow): Promise<void>;
}

export interface ChatContext {
  env: Env;
  db: Db;
  channel: ChatChannel;
  chatId: number;
  actor: Actor;
  user: UserRow;
  admins: number[];
  session: SessionControls;
}

export const isAdminChat = (ctx: ChatContext) => ctx.actor.role === "admin";
