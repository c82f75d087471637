/**
 * Project secrets as operations on D1, shared by the HTTP API and the chat's secret capture:
 * values are sealed (AES-256-GCM, bound to project + name) before they reach the database, and
 * nothing here returns a value. Jobs get values by reference: `sealedSecrets` reads what the hub
 * opens when it sends a job, `secretHolders` what a submitted job's references may name.
 *
 *   await putSecret(db, await secretsKeyring(env), actor, projectId, "API_TOKEN", value);
 */
import { and, asc, eq, inArray, isNull, or } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projects, secrets } from "../db/schema.ts";
import { newId } from "../ids.ts";
import {
  type Keyring,
  KeyringError,
  loadKeyring,
  type SealedSecret,
  type SecretAddress,
  sealSecret,
} from "../secrets/crypto.ts";
import type { SettingSource } from "../settings/define.ts";
import { type SecretSettings, secretSettings } from "../settings/secrets.ts";
import type { Actor } from "./actor.ts";
import { auditedBy } from "./audit.ts";
import { ApiError, notFound } from "./errors.ts";
import { findProject } from "./projects.ts";

export type SecretRow = typeof secrets.$inferSelect;
export type SecretMeta = Pick<SecretRow, "name" | "productionOnly" | "createdAt" | "updatedAt">;
const MAX_SECRETS_PER_PROJECT = 200;

/** The keyring, or a 503 that tells the operator what to fix without echoing key material. */
export async function secretsKeyring(env: SettingSource<SecretSettings>): Promise<Keyring> {
  try {
    return await loadKeyring(secretSettings.read(env).SECRETS_KEY);
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
    .select({
      name: secrets.name,
      productionOnly: secrets.productionOnly,
      createdAt: secrets.createdAt,
      updatedAt: secrets.updatedAt,
    })
    .from(secrets)
    .where(eq(secrets.projectId, project.id))
    .orderBy(asc(secrets.name));
}

/** Of these secret names, the project's that only its production release gets (for the system). */
export async function productionOnlySecrets(db: Db, projectId: string, names: readonly string[]) {
  if (names.length === 0) return new Set<string>();
  const rows = await db
    .select({ name: secrets.name })
    .from(secrets)
    .where(
      and(
        eq(secrets.projectId, projectId),
        eq(secrets.productionOnly, true),
        inArray(secrets.name, [...names]),
      ),
    );
  return new Set(rows.map((row) => row.name));
}

/**
 * Seals and stores (or replaces) a secret's value. `productionOnly`: given to the production
 * release only; undefined keeps an existing secret's mark (a new one: false).
 */
export async function putSecret(
  db: Db,
  keyring: Keyring,
  actor: Actor,
  projectId: string,
  name: string,
  value: string,
  productionOnly?: boolean,
): Promise<SecretMeta & Pick<SecretRow, "projectId">> {
  const project = await findProject(db, actor, projectId);
  const sealed = await sealSecret(keyring, { projectId: project.id, name }, value);
  const [existing] = await db
    .select({ id: secrets.id, createdAt: secrets.createdAt, productionOnly: secrets.productionOnly })
    .from(secrets)
    .where(and(eq(secrets.projectId, project.id), eq(secrets.name, name)));
  if (!existing) {
    const count = await db.$count(secrets, eq(secrets.projectId, project.id));
    if (count >= MAX_SECRETS_PER_PROJECT) {
      throw new ApiError(409, "conflict", `A project holds at most ${MAX_SECRETS_PER_PROJECT} secrets.`);
    }
  }
  const now = new Date();
  const marked = productionOnly ?? existing?.productionOnly ?? false;
  const row: SecretRow = {
    id: existing?.id ?? newId(),
    projectId: project.id,
    name,
    ...sealed,
    productionOnly: marked,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await auditedBy(
    db,
    actor.userId,
    {
      action: "secret.put",
      targetType: "project",
      targetId: project.id,
      details: { name, ...(marked ? { productionOnly: true } : {}) },
    },
    db
      .insert(secrets)
      .values(row)
      .onConflictDoUpdate({
        target: [secrets.projectId, secrets.name],
        set: { ...sealed, productionOnly: marked, updatedAt: now },
      }),
  );
  return row;
}

/** Deletes a secret of a project the actor may act on. */
export async function deleteSecret(db: Db, actor: Actor, projectId: string, name: string): Promise<void> {
  const project = await findProject(db, actor, projectId);
  const where = and(eq(secrets.projectId, project.id), eq(secrets.name, name));
  const [existing] = await db.select({ id: secrets.id }).from(secrets).where(where);
  if (!existing) throw notFound("secret");
  await auditedBy(
    db,
    actor.userId,
    { action: "secret.delete", targetType: "project", targetId: project.id, details: { name } },
    db.delete(secrets).where(where),
  );
}

/** A sealed secret of a live project, with the project's pool (its value goes to that pool only). */
export type PooledSecret = SecretAddress & SealedSecret & { pool: string };

/** D1 binds at most 100 parameters per statement; each secret address takes two. */
const ADDRESSES_PER_QUERY = 45;

/** The sealed secrets at these addresses that still exist, in live projects (for the system, no actor). */
export async function sealedSecrets(db: Db, addresses: readonly SecretAddress[]): Promise<PooledSecret[]> {
  const chunks: SecretAddress[][] = [];
  for (let i = 0; i < addresses.length; i += ADDRESSES_PER_QUERY)
    chunks.push(addresses.slice(i, i + ADDRESSES_PER_QUERY));
  const read = chunks.map((chunk) =>
    db
      .select({
        projectId: secrets.projectId,
        name: secrets.name,
        ciphertext: secrets.ciphertext,
        iv: secrets.iv,
        keyVersion: secrets.keyVersion,
        pool: projects.pool,
      })
      .from(secrets)
      .innerJoin(projects, eq(projects.id, secrets.projectId))
      .where(
        and(
          isNull(projects.deletedAt),
          or(...chunk.map((at) => and(eq(secrets.projectId, at.projectId), eq(secrets.name, at.name)))),
        ),
      ),
  );
  return (await Promise.all(read)).flat();
}

/** D1 binds at most 100 parameters per statement. */
const PROJECTS_PER_QUERY = 90;

/**
 * Of these projects, the live ones (`live`: ids) and the secrets they hold (`held`:
 * `projectId/name`). Reads names only.
 */
export async function secretHolders(
  db: Db,
  projectIds: readonly string[],
): Promise<{ live: Set<string>; held: Set<string> }> {
  const live = new Set<string>();
  const held = new Set<string>();
  for (let i = 0; i < projectIds.length; i += PROJECTS_PER_QUERY) {
    const ids = projectIds.slice(i, i + PROJECTS_PER_QUERY);
    const [liveRows, secretRows] = await db.batch([
      db
        .select({ id: projects.id })
        .from(projects)
        .where(and(inArray(projects.id, ids), isNull(projects.deletedAt))),
      db
        .select({ projectId: secrets.projectId, name: secrets.name })
        .from(secrets)
        .where(inArray(secrets.projectId, ids)),
    ]);
    for (const row of liveRows) live.add(row.id);
    for (const row of secretRows) held.add(`${row.projectId}/${row.name}`);
  }
  return { live, held };
}
