/**
 * One tool call as one API request: the arguments fill the operation's path, query and body, the
 * request goes through the API itself (its validation, access rules and audit), and its answer
 * becomes the tool's result: JSON as text and as structured content, an error status as a tool
 * error carrying the API's own error body.
 */

import { type ApiOperation, operationRequest } from "@codegen-orchestrator/shared";
import type { CallToolResult } from "@modelcontextprotocol/server";

/** Sends a request to this Worker's API as the MCP session's caller. */
export type ApiSender = (method: string, pathAndQuery: string, body: string | undefined) => Promise<Response>;

export async function callOperation(
  operation: ApiOperation,
  args: Record<string, unknown>,
  send: ApiSender,
): Promise<CallToolResult> {
  const request = operationRequest(operation, args);
  if ("missing" in request)
    return toolError(`Missing ${request.missing.map((name) => `\`${name}\``).join(", ")}.`);
  return toResult(await send(request.method, request.pathAndQuery, request.body));
}

async function toResult(response: Response): Promise<CallToolResult> {
  const text = await response.text();
  const isJson = (response.headers.get("content-type") ?? "").includes("json");
  const value = isJson && text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) return toolError(`HTTP ${response.status}: ${text}`);
  const shown = text.length > 0 ? text : `HTTP ${response.status}`;
  return {
    content: [{ type: "text", text: shown }],
    ...(isPlainObject(value) ? { structuredContent: value } : {}),
  };
}

const toolError = (text: string): CallToolResult => ({ content: [{ type: "text", text }], isError: true });

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
