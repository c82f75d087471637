/**
 * The one typed failure of the control plane's operations. The HTTP API turns it into the JSON
 * error envelope; the chat turns its message into a reply. Messages are written for people.
 *
 *   throw new ApiError(404, "not_found", "No project with this id.");
 */
import type { ErrorCode } from "@codegen-orchestrator/shared";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(status: ContentfulStatusCode, code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const notFound = (what: string) => new ApiError(404, "not_found", `No ${what} with this id.`);
export const forbidden = (message: string) => new ApiError(403, "forbidden", message);
export const invalid = (message: string) => new ApiError(400, "invalid_request", message);
export const conflict = (message: string, details?: unknown) =>
  new ApiError(409, "conflict", message, details);
