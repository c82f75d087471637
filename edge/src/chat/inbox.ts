/**
 * Queued messages are sealed at rest: a message's text may turn out to be a secret (the answer to
 * a secret request, when an earlier message is still being worked on), so it is encrypted with the
 * secrets keyring before it enters the Durable Object's queue, and opened when its turn comes.
 * Without a keyring (SECRETS_KEY unset) texts queue as they are, and secrets cannot be stored at all.
 */
import { type Keyring, loadKeyring, openSecret, type SealedSecret, sealSecret } from "../secrets/crypto.ts";
import type { Inbound } from "../telegram/update.ts";

export type Handled = Exclude<Inbound, { kind: "ignored" }>;
type TextInbound = Extract<Handled, { kind: "text" }>;

/** A text message with its text sealed; every other kind as it is. */
export type Queued =
  | Exclude<Handled, { kind: "text" }>
  | (Omit<TextInbound, "text"> & { sealed: SealedSecret })
  | TextInbound;

const addressOf = (inbound: TextInbound | Omit<TextInbound, "text">) => ({
  projectId: `chat:${inbound.chatId}`,
  name: `update:${inbound.updateId}`,
});

export async function inboxKeyring(spec: string | undefined): Promise<Keyring | null> {
  return spec ? loadKeyring(spec).catch(() => null) : null;
}

export async function sealInbound(keyring: Keyring | null, inbound: Handled): Promise<Queued> {
  if (inbound.kind !== "text" || !keyring) return inbound;
  const { text, ...rest } = inbound;
  return { ...rest, sealed: await sealSecret(keyring, addressOf(inbound), text) };
}

export async function openInbound(keyring: Keyring | null, queued: Queued): Promise<Handled> {
  if (!("sealed" in queued)) return queued;
  if (!keyring) throw new Error("a sealed message and no SECRETS_KEY to open it");
  const { sealed, ...rest } = queued;
  return { ...rest, text: await openSecret(keyring, addressOf(rest), sealed) };
}
