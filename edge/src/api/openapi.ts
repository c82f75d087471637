/** Shared pieces of route definitions: the router factory, JSON bodies, standard error responses. */

import { ErrorBody, JsonValue, Ulid } from "@codegen-orchestrator/shared";
import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "../http/context.ts";
import { invalidRequest } from "../http/errors.ts";

// z.json() refers to itself: named on that very instance (`.meta()` would name a copy), the
// document holds its recursion as a `$ref` instead of expanding it forever.
JsonValue.openapi("JsonValue", { description: "any JSON value" });

const targetNames: Record<string, string> = { json: "body", param: "path", query: "query" };

/** A router whose validation failures become 400s listing every failing field. */
export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw invalidRequest(result.error, targetNames[result.target] ?? result.target);
    },
  });
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const error = (description: string) => json(ErrorBody, description);

/** The failures any authenticated route can answer with. */
export const commonErrors = {
  400: error("Invalid input: `error.details.issues` lists each failing field"),
  401: error("Missing, malformed, unknown, revoked or expired API key"),
  403: error("The key's role or scopes do not allow this"),
  404: error("No such resource, or not yours"),
} as const;

/** Extra failures of routes that take a JSON body. */
export const bodyErrors = {
  ...commonErrors,
  413: error("The body is larger than the limit"),
  415: error("The body is not `application/json`"),
} as const;

export const conflictError = { 409: error("Conflicts with existing state") } as const;

/** For routes that create what a member's quota counts (see domain/quotas.ts). */
export const quotaError = {
  409: error("Conflicts with existing state, or the caller's quota is reached (`quota_exceeded`)"),
} as const;

export const IdParam = z.object({ id: Ulid });

export const security = [{ bearer: [] }];
