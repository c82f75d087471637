/**
 * One MCP server instance, made for one request of one caller: a tool per API operation, and two
 * resources (the OpenAPI document, a project's spec). Every read and write goes through `send`,
 * the API as that caller, so the session sees and may do exactly what the caller's key may.
 */

import type { ApiOperation } from "@codegen-orchestrator/shared";
import {
  fromJsonSchema,
  type JsonSchemaValidator,
  type jsonSchemaValidator,
  McpServer,
  ResourceTemplate,
} from "@modelcontextprotocol/server";
import { type ApiSender, callOperation } from "./tool-call.ts";

export const OPENAPI_URI = "orchestrator://openapi.json";
export const PROJECT_SPEC_URI = "orchestrator://projects/{id}/spec";

/**
 * The API validates every argument itself (and answers which field is wrong); the schemas here
 * describe the tools to clients, so the SDK passes arguments through unchanged.
 */
const validatedByTheApi: jsonSchemaValidator = {
  getValidator<T>(): JsonSchemaValidator<T> {
    return (input) => ({ valid: true, data: input as T, errorMessage: undefined });
  },
};

const INSTRUCTIONS = [
  "Codegen Orchestrator turns a described service into a tested, deployed one.",
  "Create a project (create_project), then start_run with kind `engineering`: it returns at once with the run's id.",
  "Follow it with get_run (`waitSeconds` waits for its status to change) and get_run_steps (its timeline).",
  "A run in status `waiting` needs its user: read its last step and answer with decide_run, answer_questions, answer_budget or answer_upgrade.",
  "Secret values are write-only: set_secret stores one; no tool ever returns a value.",
].join(" ");

export function mcpServer(operations: ApiOperation[], send: ApiSender): McpServer {
  const server = new McpServer(
    { name: "codegen-orchestrator", version: "1.0.0" },
    { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS },
  );
  for (const operation of operations) {
    server.registerTool(
      operation.name,
      {
        title: operation.title,
        description: operation.description,
        inputSchema: fromJsonSchema(operation.inputSchema, validatedByTheApi),
        annotations: operation.annotations,
      },
      (args: unknown) => callOperation(operation, (args ?? {}) as Record<string, unknown>, send),
    );
  }
  server.registerResource(
    "openapi",
    OPENAPI_URI,
    { title: "The API's OpenAPI 3.1 document", mimeType: "application/json" },
    async (uri) => ({
      contents: [
        { uri: uri.href, mimeType: "application/json", text: await readText(send, "/openapi.json") },
      ],
    }),
  );
  server.registerResource(
    "project-spec",
    new ResourceTemplate(PROJECT_SPEC_URI, { list: undefined }),
    { title: "A project's spec (what the Architect wrote down)", mimeType: "application/json" },
    async (uri, variables) => {
      const project = JSON.parse(
        await readText(send, `/projects/${encodeURIComponent(String(variables.id))}`),
      ) as {
        spec: unknown;
      };
      return {
        contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(project.spec) }],
      };
    },
  );
  return server;
}

/** A resource's text, or the API's error as the read's failure. */
async function readText(send: ApiSender, path: string): Promise<string> {
  const response = await send("GET", path, undefined);
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${text}`);
  return text;
}
