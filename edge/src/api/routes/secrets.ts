/**
 * `/projects/{id}/secrets`: write-only. PUT seals a value (AES-256-GCM, bound to project + name);
 * GET lists names and times; no route ever returns a value.
 */

import { PutSecret, SecretInfo, SecretName, Ulid } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { secrets } from "../../db/schema.ts";
import { iso, newId } from "../../ids.ts";
import { type Keyring, KeyringError, loadKeyring, sealSecret } from "../../secrets/crypto.ts";
import { projectFor } from "../access.ts";
import { audited } from "../audit.ts";
import type { AppContext } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { bodyErrors, commonErrors, error, json, jsonBody, router, security } from "../openapi.ts";

type SecretRow = typeof secrets.$inferSelect;
const MAX_SECRETS_PER_PROJECT = 200;

const toSecretInfo = (row: Pick<SecretRow, "name" | "createdAt" | "updatedAt">): SecretInfo => ({
  name: row.name,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

async function keyring(c: AppContext): Promise<Keyring> {
  try {
    return await loadKeyring(c.env.SECRETS_KEY);
  } catch (err) {
    if (!(err instanceof KeyringError)) throw err;
    // The operator's mistake, not the caller's: say what to fix without echoing any key material.
    console.error(`secrets keyring unusable: ${err.message}`);
    throw new ApiError(
      503,
      "service_unavailable",
      "Secrets storage is not configured on the server (SECRETS_KEY).",
    );
  }
}

const ProjectParam = z.object({ id: Ulid });
const SecretParam = z.object({ id: Ulid, name: SecretName });
const tags = ["secrets"];

export const secretsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}/secrets",
      tags,
      security,
      summary: "List a project's secrets: names and times, never values",
      request: { params: ProjectParam },
      responses: {
        200: json(z.object({ items: z.array(SecretInfo) }), "The project's secrets"),
        ...commonErrors,
      },
    }),
    async (c) => {
      const project = await projectFor(c, c.req.valid("param").id);
      const rows = await c
        .get("db")
        .select({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt })
        .from(secrets)
        .where(eq(secrets.projectId, project.id))
        .orderBy(asc(secrets.name));
      return c.json({ items: rows.map(toSecretInfo) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/projects/{id}/secrets/{name}",
      tags,
      security,
      summary: "Set a secret's value (encrypted at rest; never readable through the API)",
      request: { params: SecretParam, body: jsonBody(PutSecret) },
      responses: {
        200: json(SecretInfo, "The secret's name and times"),
        ...bodyErrors,
        409: error("The project already holds the most secrets allowed"),
        503: error("Secrets storage is not configured on the server"),
      },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      const project = await projectFor(c, id);
      const sealed = await sealSecret(
        await keyring(c),
        { projectId: project.id, name },
        c.req.valid("json").value,
      );
      const db = c.get("db");
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
      await audited(
        c,
        { action: "secret.put", targetType: "project", targetId: project.id, details: { name } },
        db
          .insert(secrets)
          .values(row)
          .onConflictDoUpdate({
            target: [secrets.projectId, secrets.name],
            set: { ...sealed, updatedAt: now },
          }),
      );
      return c.json(toSecretInfo(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/projects/{id}/secrets/{name}",
      tags,
      security,
      summary: "Delete a secret",
      request: { params: SecretParam },
      responses: { 204: { description: "Deleted" }, ...commonErrors },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      const project = await projectFor(c, id);
      const db = c.get("db");
      const where = and(eq(secrets.projectId, project.id), eq(secrets.name, name));
      const [existing] = await db.select({ id: secrets.id }).from(secrets).where(where);
      if (!existing) throw notFound("secret");
      await audited(
        c,
        { action: "secret.delete", targetType: "project", targetId: project.id, details: { name } },
        db.delete(secrets).where(where),
      );
      return c.body(null, 204);
    },
  );
