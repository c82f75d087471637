/**
 * `/projects/{id}/secrets`: write-only. PUT seals a value (AES-256-GCM, bound to project + name);
 * GET lists names, times and the production-only mark (such a secret never reaches a preview); no
 * route ever returns a value.
 */

import { PutSecret, SecretInfo, SecretName, Ulid } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  deleteSecret,
  listSecrets,
  putSecret,
  type SecretMeta,
  secretsKeyring,
} from "../../domain/secrets.ts";
import { iso } from "../../ids.ts";
import { secretStored } from "../../pipelines/steps/secret-wait.ts";
import { bodyErrors, commonErrors, error, json, jsonBody, router, security } from "../openapi.ts";

const toSecretInfo = (row: SecretMeta): SecretInfo => ({
  name: row.name,
  productionOnly: row.productionOnly,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

const ProjectParam = z.object({ id: Ulid });
const SecretParam = z.object({ id: Ulid, name: SecretName });
const tags = ["secrets"];

export const secretsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}/secrets",
      operationId: "list_secrets",
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
      const rows = await listSecrets(c.get("db"), c.get("principal"), c.req.valid("param").id);
      return c.json({ items: rows.map(toSecretInfo) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/projects/{id}/secrets/{name}",
      operationId: "set_secret",
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
      const keyring = await secretsKeyring(c.env);
      const meta = await putSecret(
        c.get("db"),
        keyring,
        c.get("principal"),
        id,
        name,
        c.req.valid("json").value,
        c.req.valid("json").productionOnly,
      );
      // A DevOps run of the project may be waiting for this value.
      await secretStored(c.env, c.get("db"), meta.projectId, name);
      return c.json(toSecretInfo(meta), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/projects/{id}/secrets/{name}",
      operationId: "delete_secret",
      tags,
      security,
      summary: "Delete a secret",
      request: { params: SecretParam },
      responses: { 204: { description: "Deleted" }, ...commonErrors },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      await deleteSecret(c.get("db"), c.get("principal"), id, name);
      return c.body(null, 204);
    },
  );
