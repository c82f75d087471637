/**
 * The API as the CLI calls it: operations by their `operationId`, read from the server's own
 * OpenAPI document (so the client always matches the server it talks to), requests built by
 * `operationRequest` from shared/. A failure is an `ApiError` carrying the API's message and a
 * hint of what to do next.
 */
import {
  type ApiOperation,
  apiOperations,
  type OpenApiDocument,
  operationRequest,
} from "@codegen-orchestrator/shared";

const API_PREFIX = "/api/v1";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, hint: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.hint = hint;
    this.details = details;
  }
}

export class ApiClient {
  readonly url: string;
  readonly #key: string | null;
  readonly #fetch: typeof fetch;
  #operations: Promise<ApiOperation[]> | undefined;

  constructor(url: string, key: string | null, fetcher: typeof fetch = fetch) {
    this.url = url;
    this.#key = key;
    this.#fetch = fetcher;
  }

  /** One request under `/api/v1`, with the key; a network failure is an ApiError with status 0. */
  async request(
    method: string,
    pathAndQuery: string,
    body?: string,
    signal?: AbortSignal,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#key) headers.authorization = `Bearer ${this.#key}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      return await this.#fetch(`${this.url}${API_PREFIX}${pathAndQuery}`, {
        method,
        headers,
        body,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(
        0,
        "unreachable",
        `Cannot reach ${this.url}: ${(error as Error).message}`,
        "Is the server running? Point the CLI at it with `orchestrator login --url URL` or ORCHESTRATOR_URL.",
      );
    }
  }

  /** The server's operations (its OpenAPI document, read once per process). */
  operations(): Promise<ApiOperation[]> {
    this.#operations ??= this.request("GET", "/openapi.json").then(async (response) =>
      apiOperations((await answer(response)) as OpenApiDocument),
    );
    return this.#operations;
  }

  async operation(operationId: string): Promise<ApiOperation> {
    const operations = await this.operations();
    const found = operations.find((operation) => operation.name === operationId);
    if (found) return found;
    const near = operations.filter((operation) => operation.name.includes(operationId.split("_")[0] ?? ""));
    throw new ApiError(
      0,
      "unknown_operation",
      `The server has no operation \`${operationId}\`.`,
      near.length > 0
        ? `Did you mean ${near.map((operation) => `\`${operation.name}\``).join(", ")}? \`orchestrator api\` lists them all.`
        : "`orchestrator api` lists the server's operations.",
    );
  }

  /** Calls an operation: its JSON answer (or text, for a text route). */
  async call<T = unknown>(operationId: string, args: Record<string, unknown> = {}): Promise<T> {
    const operation = await this.operation(operationId);
    const request = operationRequest(operation, args);
    if ("missing" in request)
      throw new ApiError(
        0,
        "missing_argument",
        `${operationId} needs ${request.missing.map((name) => `\`${name}\``).join(", ")}.`,
        `See \`orchestrator api ${operationId} --help\`.`,
      );
    return (await answer(await this.request(request.method, request.pathAndQuery, request.body))) as T;
  }
}

/** A response's JSON (or text), or the API's error as an ApiError with a hint. */
export async function answer(response: Response): Promise<unknown> {
  const text = await response.text();
  const isJson = (response.headers.get("content-type") ?? "").includes("json");
  const value = isJson && text.length > 0 ? (JSON.parse(text) as unknown) : text;
  if (response.ok) return value;
  const error = (value as { error?: { code?: string; message?: string; details?: unknown } })?.error;
  throw new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? (text || `HTTP ${response.status}`),
    hintFor(response.status),
    error?.details,
  );
}

export function hintFor(status: number): string {
  if (status === 400) return "Fix the fields named above and try again.";
  if (status === 401) return "Sign in again: `orchestrator login` (or set ORCHESTRATOR_API_KEY).";
  if (status === 403)
    return "Your key's role or scopes do not allow this: ask an admin, or use a key with the `write` scope.";
  if (status === 404) return "Check the id: nothing by that id exists, or it is not yours.";
  if (status === 409) return "It conflicts with what is there now: read the message, then try again.";
  if (status === 413) return "The body is too large: send less.";
  if (status === 429) return "Too many requests: wait a moment and try again.";
  if (status >= 500) return "The server failed: try again; if it goes on, tell an admin.";
  return "See the message above.";
}
