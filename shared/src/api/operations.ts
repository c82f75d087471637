/**
 * The API's operations as its clients call them, read from the OpenAPI document the routes
 * generate: each named by its `operationId`, described by its summary and description, its input
 * one object of its path and query parameters and (as `body`) its request body. The MCP server
 * makes each a tool, the `orchestrator` CLI a command; neither is written per route: a route added
 * to the API is a tool and a command the next time the document is read.
 *
 *   const operations = apiOperations(await (await fetch(`${api}/openapi.json`)).json());
 *   const { method, path, body } = operationRequest(operations.find(…), { id, body: {…} });
 */

type Json = Record<string, unknown>;
/** The parts of an OpenAPI 3.1 document read here (the generator's own type is wider). */
export interface OpenApiDocument {
  paths?: object;
  components?: { schemas?: object };
}

export interface ApiOperation {
  name: string;
  title: string;
  description: string;
  method: string;
  /** The path under the API's prefix, its parameters in braces (`/projects/{id}/runs`). */
  path: string;
  pathParams: string[];
  queryParams: string[];
  hasBody: boolean;
  inputSchema: Json;
  annotations: {
    readOnlyHint: boolean;
    destructiveHint: boolean;
    idempotentHint: boolean;
    openWorldHint: boolean;
  };
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Json;
}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
const COMPONENT_REF = "#/components/schemas/";

/** Every operation a tool can serve, in the document's order. */
export function apiOperations(document: OpenApiDocument): ApiOperation[] {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Json>;
  const operations: ApiOperation[] = [];
  for (const [path, item] of Object.entries(
    (document.paths ?? {}) as Record<string, Record<string, unknown>>,
  )) {
    for (const method of METHODS) {
      const operation = item[method] as Operation | undefined;
      if (!operation?.operationId || streams(operation)) continue;
      operations.push(toOperation(method, path, operation, schemas));
    }
  }
  return operations;
}

/** A WebSocket (101) or an event stream is not one request with one answer: left out. */
function streams(operation: Operation): boolean {
  return Object.entries(operation.responses ?? {}).some(
    ([status, response]) => status === "101" || "text/event-stream" in (response.content ?? {}),
  );
}

function toOperation(
  method: string,
  path: string,
  operation: Operation,
  schemas: Record<string, Json>,
): ApiOperation {
  const parameters = operation.parameters ?? [];
  const properties: Record<string, Json> = {};
  const required: string[] = [];
  for (const parameter of parameters) {
    if (parameter.in !== "path" && parameter.in !== "query") continue;
    properties[parameter.name] = {
      ...(parameter.schema ?? {}),
      ...(parameter.description ? { description: parameter.description } : {}),
    };
    if (parameter.in === "path" || parameter.required) required.push(parameter.name);
  }
  const bodySchema = operation.requestBody?.content?.["application/json"]?.schema;
  if (bodySchema) {
    properties.body = bodySchema;
    if (operation.requestBody?.required) required.push("body");
  }
  const inputSchema: Json = {
    type: "object",
    properties: rewriteRefs(properties),
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
  const defs = referencedSchemas(inputSchema, schemas);
  if (Object.keys(defs).length > 0) inputSchema.$defs = defs;
  const title = operation.summary ?? operation.operationId ?? `${method} ${path}`;
  return {
    name: operation.operationId as string,
    title,
    description: [title, operation.description, `(${method.toUpperCase()} /api/v1${path})`]
      .filter(Boolean)
      .join("\n\n"),
    method: method.toUpperCase(),
    path,
    pathParams: parameters.filter((p) => p.in === "path").map((p) => p.name),
    queryParams: parameters.filter((p) => p.in === "query").map((p) => p.name),
    hasBody: bodySchema !== undefined,
    inputSchema,
    annotations: {
      readOnlyHint: method === "get",
      destructiveHint: method === "delete",
      idempotentHint: method === "get" || method === "put" || method === "delete",
      openWorldHint: false,
    },
  };
}

/**
 * A tool's schema stands alone: `#/components/schemas/X` becomes `#/$defs/X`, in `$ref`s and in
 * a discriminator's mapping alike.
 */
function rewriteRefs<T>(value: T): T {
  if (typeof value === "string" && value.startsWith(COMPONENT_REF))
    return `#/$defs/${value.slice(COMPONENT_REF.length)}` as T;
  if (Array.isArray(value)) return value.map(rewriteRefs) as T;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rewriteRefs(inner)])) as T;
}

/** The component schemas a schema refers to, directly or through each other, refs rewritten. */
function referencedSchemas(schema: Json, schemas: Record<string, Json>): Record<string, Json> {
  const defs: Record<string, Json> = {};
  const pending = refsIn(schema);
  while (pending.length > 0) {
    const name = pending.pop() as string;
    const component = schemas[name];
    if (name in defs || !component) continue;
    defs[name] = rewriteRefs(component);
    pending.push(...refsIn(defs[name]));
  }
  return defs;
}

function refsIn(value: unknown): string[] {
  const text = JSON.stringify(value);
  return [...text.matchAll(/"\$ref":"#\/\$defs\/([^"]+)"/g)].map((match) => match[1] as string);
}

/** The HTTP request an operation's arguments make: its method, path (under the API's prefix) and JSON body. */
export interface OperationRequest {
  method: string;
  pathAndQuery: string;
  body: string | undefined;
}

/** The request for `args`, or the names of the path parameters missing from them. */
export function operationRequest(
  operation: ApiOperation,
  args: Record<string, unknown>,
): OperationRequest | { missing: string[] } {
  const missing = operation.pathParams.filter((name) => args[name] === undefined || args[name] === "");
  if (missing.length > 0) return { missing };
  const path = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) =>
    encodeURIComponent(String(args[name])),
  );
  const query = new URLSearchParams();
  for (const name of operation.queryParams) {
    const value = args[name];
    if (value !== undefined && value !== null) query.set(name, String(value));
  }
  return {
    method: operation.method,
    pathAndQuery: query.size > 0 ? `${path}?${query}` : path,
    body: operation.hasBody ? JSON.stringify(args.body ?? {}) : undefined,
  };
}
