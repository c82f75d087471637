/**
 * The JSON error envelope `{ error: { code, message, details } }` of every HTTP failure (the API's
 * and the Telegram webhook's): the 400s of request validation, and the single handler that turns
 * the domain's `ApiError` (or anything else thrown) into the envelope.
 *
 *   throw invalidRequest(parsed.error, "body");
 */
import type { ErrorBody, ErrorCode } from "@codegen-orchestrator/shared";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { violatedConstraint } from "../db/constraints.ts";
import { ApiError } from "../domain/errors.ts";

/** A zod failure as a 400 listing every failing field by its dotted path. */
export function invalidRequest(error: z.ZodError, where: string): ApiError {
  const issues = error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  return invalidFields(where, issues);
}

/** The same 400 for checks zod cannot make (e.g. against the database); paths are full: `body.x.y`. */
export function invalidFields(where: string, issues: { path: string; message: string }[]): ApiError {
  return new ApiError(400, "invalid_request", `Invalid ${where}: see details.issues.`, { issues });
}

export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

const codeForStatus: Partial<Record<number, ErrorCode>> = {
  400: "invalid_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json(errorBody(err.code, err.message, err.details), err.status);
  }
  if (err instanceof HTTPException) {
    // Middleware such as bearerAuth attaches a finished (JSON envelope) response.
    if (err.res) return err.getResponse();
    const status = err.status as ContentfulStatusCode;
    return c.json(errorBody(codeForStatus[status] ?? "internal", err.message), status);
  }
  const constraint = violatedConstraint(err);
  if (constraint) {
    // Another request got there first (the checks before the write passed for both).
    const what =
      constraint === "unique" ? "a unique value is taken" : "a referenced row is missing or still used";
    return c.json(errorBody("conflict", `Conflicts with existing data (${what}); reload and retry.`), 409);
  }
  // Unexpected: log the error for the operator, tell the caller nothing about internals.
  console.error("unhandled error", err);
  return c.json(errorBody("internal", "Internal error; it has been logged."), 500);
}
