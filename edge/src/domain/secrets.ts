/**
 * Project secrets as operations on D1, shared by the HTTP API and the chat's secret capture:
 * values are sealed (AES-256-GCM, bound to project + name) before they reach the database, and
 * nothing here returns a value.
 *
 *   await putSecret(db, await secretsKeyring(env.SECRETS_KEY), actor, projectId, "API_TOKEN", value);
 */
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { secrets } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { type Keyring, KeyringError, loadKeyring, sealSecret } from "../secrets/crypto.ts";
import type { Actor } from "./actor.ts";
import { auditedBy } from "./audit.ts";
import { ApiError } from "./errors.ts";
import { findProject } from "./projects.ts";

export type SecretRow = typeof secrets.$inferSelect;
export type SecretMeta = Pick<SecretRow, "name" | "createdAt" | "updatedAt">;
const MAX_SECRETS_PER_PROJECT = 200;

/** The keyring, or a 503 that tells the operator what to fix without echoing key material. */
export async function secretsKeyring(spec: string | undefined): Promise<Keyring> {
  try {
    return await loadKeyring(spec);
  } catch (err) {
    if (!(err instanceof KeyringError)) throw err;
    console.error(`secrets keyring unusable: ${err.message}`);
    throw new ApiError(
      503,
      "service_unavailable",
      "Secrets storage is not configured on the server (SECRETS_KEY).",
    );
  }
}

/** Names and times of a project's secrets, by name. */
export async function listSecrets(db: Db, actor: Actor, projectId: string): Promise<SecretMeta[]> {
  const project = await findProject(db, actor, projectId);
  return db
    .select({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt })
    .from(secrets)
    .where(eq(secrets.projectId, project.id))
    .orderBy(asc(secrets.name));
}

/** Seals and stores (or replaces) a secret's value. */
export async function putSecret(
  db: Db,
  keyring: Keyring,
  actor: Actor,
  projectId: string,
  name: string,
  value: string,
): Promise<SecretMeta & Pick<SecretRow, "projectId">> {
  const project = await findProject(db, actor, projectId);
  const sealed = await sealSecret(keyring, { projectId: project.id, name }, value);
  const [existing] = await db
    .select({ id: secrets.id, createdAt: secrets.createdAt })
    .from(secrets)
    .where(and(eq(secrets.projectId, project.id), eq(secrets.name, name)));
  if (!existing) {
    const count = await db.$count(secrets, eq(secrets.projectId, project.id));
    if (count >= MAX_SECRETS_PER_PROJECT) {
      throw new ApiError(409, "conflict", `A project holds at most ${MAX_SECRETS_PER_PROJECT} secrets.`);
    }
  }
  const now = new Date();
  const row: SecretRow = {
    id: existing?.id ?? newId(),
    projectId: project.id,
    name,
    ...sealed,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await auditedBy(
    db,
    actor.userId,
    { action: "secret.put", targetType: "project", targetId: project.id, details: { name } },
    db
      .insert(secrets)
      .values(row)
      .onConflictDoUpdate({ target: [secrets.projectId, secrets.name], set: { ...sealed, updatedAt: now } }),
  );
  return row;
}
