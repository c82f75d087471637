/**
 * The secret flow's last step: the user's message is the value. It is deleted from the chat first,
 * then sealed and stored; the confirmation names the secret, never its value. The value goes
 * nowhere else: not to the model, not to a log line, not into state.
 */
import { putSecret, secretsKeyring } from "../domain/secrets.ts";
import { code, escapeHtml } from "../telegram/format.ts";
import type { ChatContext } from "./context.ts";
import type { Pending } from "./po/conversation.ts";

type SecretPending = Extract<Pending, { kind: "secret" }>;

const MAX_SECRET_CHARS = 32_768;

export function secretPrompt(pending: SecretPending): string {
  return [
    `🔑 Please send the value of ${code(pending.name)} for ${code(pending.projectSlug)}.`,
    pending.description ? escapeHtml(pending.description) : "",
    "I store it encrypted and delete your message at once; nobody (me included) will see it again. /cancel to skip.",
  ]
    .filter(Boolean)
    .join("\n");
}

/** Stores the message's text as the secret; false (with the reason told) when it could not. */
export async function captureSecret(
  ctx: ChatContext,
  pending: SecretPending,
  text: string,
  messageId: number,
): Promise<boolean> {
  const deleted = await ctx.channel.delete(ctx.chatId, messageId);
  const value = text.trim();
  if (value.length === 0 || value.length > MAX_SECRET_CHARS) {
    await ctx.channel.send(
      ctx.chatId,
      "That is not a usable value (empty, or longer than 32 KB). Send it again, or /cancel.",
    );
    return false;
  }
  const keyring = await secretsKeyring(ctx.env);
  await putSecret(ctx.db, keyring, ctx.actor, pending.projectId, pending.name, value);
  const where = deleted
    ? "I deleted your message."
    : "I could not delete your message: please delete it yourself.";
  await ctx.channel.send(
    ctx.chatId,
    `🔒 Stored ${code(pending.name)} for ${code(pending.projectSlug)}, encrypted. ${where}`,
  );
  return true;
}
