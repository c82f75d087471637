/**
 * Masks a project's secret values in text the Worker hands back from its host (its service's
 * logs): each value, and each line of a multi-line value, becomes `***`. The values are opened
 * here, in the Worker, for this only: never returned, never logged.
 *
 *   const mask = await projectSecretMasker(env, db, projectId);
 *   mask("token is s3cr3t") // "token is ***"
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { secrets } from "../db/schema.ts";
import { openSecret } from "../secrets/crypto.ts";
import type { SettingSource } from "../settings/define.ts";
import type { SecretSettings } from "../settings/secrets.ts";
import { secretsKeyring } from "./secrets.ts";

export const MASK = "***";
/** Shorter values (and lines of values) are not masked: they would hide ordinary words everywhere. */
const MIN_MASKED_CHARS = 4;

/** What to mask for these values, longest first (a value containing another is masked whole). */
export function maskNeedles(values: readonly string[]): string[] {
  const needles = new Set<string>();
  for (const value of values) {
    for (const part of [value, ...value.split(/\r?\n/).map((line) => line.trim())])
      if (part.length >= MIN_MASKED_CHARS) needles.add(part);
  }
  return [...needles].sort((a, b) => b.length - a.length);
}

export const maskText = (text: string, needles: readonly string[]) =>
  needles.reduce((masked, needle) => masked.replaceAll(needle, MASK), text);

/** A function masking every secret value the project holds now. */
export async function projectSecretMasker(
  env: SettingSource<SecretSettings>,
  db: Db,
  projectId: string,
): Promise<(text: string) => string> {
  const rows = await db
    .select({
      name: secrets.name,
      ciphertext: secrets.ciphertext,
      iv: secrets.iv,
      keyVersion: secrets.keyVersion,
    })
    .from(secrets)
    .where(eq(secrets.projectId, projectId));
  if (rows.length === 0) return (text) => text;
  const keyring = await secretsKeyring(env);
  const values = await Promise.all(
    rows.map((row) => openSecret(keyring, { projectId, name: row.name }, row)),
  );
  const needles = maskNeedles(values);
  return (text) => maskText(text, needles);
}
