/**
 * The API's operations as MCP tools, read from the OpenAPI document the routes generate: one tool
 * per operation, named by its `operationId`, described by its summary and description, its input
 * schema made of its path and query parameters and (as `body`) its request body. Nothing here is
 * written per route: a route added to the API is a tool the next time the document is read.
 *
 *   const tools = mcpOperations(api.getOpenAPI31Document(config));
 */

type Json = Record<string, unknown>;
/** The parts of an OpenAPI 3.1 document read here (the generator's own type is wider). */
export interface OpenApiDocument {
  paths?: object;
  components?: { schemas?: object };
}

export interface McpOperation {
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
export function mcpOperations(document: OpenApiDocument): McpOperation[] {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Json>;
  const operations: McpOperation[] = [];
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

/** A WebSocket (101) or an event stream is no tool call: one request, one answer. */
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
): McpOperation {
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
