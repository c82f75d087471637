/**
 * One tool call as one API request: the arguments fill the operation's path, query and body, the
 * request goes through the API itself (its validation, access rules and audit), and its answer
 * becomes the tool's result: JSON as text and as structured content, an error status as a tool
 * error carrying the API's own error body.
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { McpOperation } from "./operations.ts";

/** Sends a request to this Worker's API as the MCP session's caller. */
export type ApiSender = (method: string, pathAndQuery: string, body: string | undefined) => Promise<Response>;

export async function callOperation(
  operation: McpOperation,
  args: Record<string, unknown>,
  send: ApiSender,
): Promise<CallToolResult> {
  const missing = operation.pathParams.filter((name) => args[name] === undefined || args[name] === "");
  if (missing.length > 0) return toolError(`Missing ${missing.map((name) => `\`${name}\``).join(", ")}.`);
  const path = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) =>
    encodeURIComponent(String(args[name])),
  );
  const query = new URLSearchParams();
  for (const name of operation.queryParams) {
    const value = args[name];
    if (value !== undefined && value !== null) query.set(name, String(value));
  }
  const search = query.size > 0 ? `?${query}` : "";
  const body = operation.hasBody ? JSON.stringify(args.body ?? {}) : undefined;
  return toResult(await send(operation.method, `${path}${search}`, body));
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
