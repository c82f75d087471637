/**
 * Queued messages are sealed at rest: a message's text may turn out to be a secret (the answer to
 * a secret request, when an earlier message is still being worked on), so it is encrypted with the
 * secrets keyring before it enters the Durable Object's queue, and opened when its turn comes.
 * Without a keyring (SECRETS_KEY unset) texts queue as they are, and secrets cannot be stored at all
 * (the web chat's secret field refuses a value before it is queued).
 *
 * Also here: the record of updates already seen, so Telegram's retries are handled once.
 */

import { type Keyring, loadKeyring, openSecret, type SealedSecret, sealSecret } from "../secrets/crypto.ts";
import type { SettingSource } from "../settings/define.ts";
import { type SecretSettings, secretSettings } from "../settings/secrets.ts";
import type { Inbound } from "../telegram/update.ts";

type TextInbound = Extract<Inbound, { kind: "text" }>;
/** A value sent through the web chat's write-only secret field: only ever a secret request's answer. */
export type SecretInbound = Omit<TextInbound, "kind"> & { kind: "secret" };
export type Handled = Exclude<Inbound, { kind: "ignored" }> | SecretInbound;
type Readable = TextInbound | SecretInbound;

/** A text (or secret) with its text sealed; every other kind as it is. */
export type Queued =
  | Exclude<Handled, Readable>
  | (Omit<TextInbound, "text"> & { sealed: SealedSecret })
  | (Omit<SecretInbound, "text"> & { sealed: SealedSecret })
  | Readable;

const addressOf = (inbound: { chatId: number; updateId: number }) => ({
  projectId: `chat:${inbound.chatId}`,
  name: `update:${inbound.updateId}`,
});

export async function inboxKeyring(env: SettingSource<SecretSettings>): Promise<Keyring | null> {
  const spec = secretSettings.read(env).SECRETS_KEY;
  return spec ? loadKeyring(spec).catch(() => null) : null;
}

export async function sealInbound(keyring: Keyring | null, inbound: Handled): Promise<Queued> {
  if ((inbound.kind !== "text" && inbound.kind !== "secret") || !keyring) return inbound;
  const { text, ...rest } = inbound;
  return { ...rest, sealed: await sealSecret(keyring, addressOf(inbound), text) };
}

export async function openInbound(keyring: Keyring | null, queued: Queued): Promise<Handled> {
  if (!("sealed" in queued)) return queued;
  if (!keyring) throw new Error("a sealed message and no SECRETS_KEY to open it");
  const { sealed, ...rest } = queued;
  const text = await openSecret(keyring, addressOf(rest), sealed);
  return rest.kind === "secret" ? { ...rest, text } : { ...rest, text };
}

const SEEN_UPDATES_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

/** `update_id`s already received, kept a week (Telegram gives up on an update long before). */
export class SeenUpdates {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS seen_updates (update_id INTEGER PRIMARY KEY, seen_at INTEGER NOT NULL)",
    );
  }

  /** True the first time an update id is offered; false for every repeat. */
  firstTime(updateId: number): boolean {
    const now = Date.now();
    const fresh =
      this.#sql.exec("INSERT OR IGNORE INTO seen_updates VALUES (?, ?)", updateId, now).rowsWritten > 0;
    if (fresh && updateId % 100 === 0) {
      this.#sql.exec("DELETE FROM seen_updates WHERE seen_at < ?", now - SEEN_UPDATES_KEPT_MS);
    }
    return fresh;
  }
}
