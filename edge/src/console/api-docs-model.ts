/**
 * What the API reference page shows, read from the OpenAPI 3.1 document the API serves at
 * `/openapi.json`: its operations grouped by tag, in the document's order, and its named schemas.
 * Pure data, no markup: api-docs.tsx renders it.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";

/** The document `getOpenAPI31Document` builds (and `/openapi.json` serves). */
export type OpenAPIDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

/** A JSON Schema as the document has it: an object (maybe a `$ref`) or a boolean. */
export type JsonSchema = unknown;

export interface Parameter {
  name: string;
  location: string;
  required: boolean;
  description: string | undefined;
  schema: JsonSchema;
}

/** A request or response body in one media type. */
export interface Content {
  mediaType: string;
  schema: JsonSchema;
}

export interface RequestBody {
  required: boolean;
  description: string | undefined;
  contents: Content[];
}

export interface Response {
  status: string;
  description: string;
  contents: Content[];
}

export interface Operation {
  /** The page's anchor for it, e.g. `op-post-projects`. */
  anchor: string;
  method: string;
  /** The full path a client calls, server URL included (`/api/v1/projects/{id}`). */
  path: string;
  summary: string | undefined;
  description: string | undefined;
  /** Names of the security schemes it needs; empty for public operations. */
  security: string[];
  parameters: Parameter[];
  requestBody: RequestBody | undefined;
  responses: Response[];
}

export interface TagGroup {
  tag: string;
  anchor: string;
  description: string | undefined;
  operations: Operation[];
}

export interface NamedSchema {
  name: string;
  anchor: string;
  schema: JsonSchema;
}

export interface ApiReference {
  title: string;
  version: string;
  description: string | undefined;
  /** The servers' base URL (`/api/v1`): operations' paths are relative to it. */
  baseUrl: string;
  /** How to authenticate, from the security schemes' descriptions. */
  securitySchemes: { name: string; description: string | undefined }[];
  groups: TagGroup[];
  schemas: NamedSchema[];
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
const UNTAGGED = "other";
const SCHEMA_REF_PREFIX = "#/components/schemas/";

/** `Create Project!` → `create-project`: ids safe in an `href="#…"` and stable across renders. */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "x"
  );
}

export const schemaAnchor = (name: string) => `schema-${slug(name)}`;

/** The schema name a `$ref` points at (`#/components/schemas/Project` → `Project`), if it is one. */
export function schemaRefName(ref: string): string | undefined {
  return ref.startsWith(SCHEMA_REF_PREFIX)
    ? decodeURIComponent(ref.slice(SCHEMA_REF_PREFIX.length))
    : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Follows a local `$ref` (`#/components/…`) through the document; anything else comes back as is. */
function deref(document: OpenAPIDocument, value: unknown): unknown {
  if (!isRecord(value) || typeof value.$ref !== "string" || !value.$ref.startsWith("#/")) return value;
  let target: unknown = document;
  for (const part of value.$ref.slice(2).split("/")) {
    const key = decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~");
    target = isRecord(target) ? target[key] : undefined;
  }
  return target ?? value;
}

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

function contentsOf(content: unknown): Content[] {
  if (!isRecord(content)) return [];
  return Object.entries(content).map(([mediaType, media]) => ({
    mediaType,
    schema: isRecord(media) ? media.schema : undefined,
  }));
}

function parametersOf(document: OpenAPIDocument, parameters: unknown): Parameter[] {
  if (!Array.isArray(parameters)) return [];
  return parameters
    .map((entry) => deref(document, entry))
    .filter(isRecord)
    .map((parameter) => ({
      name: String(parameter.name),
      location: String(parameter.in),
      required: parameter.required === true,
      description:
        text(parameter.description) ?? text(isRecord(parameter.schema) && parameter.schema.description),
      schema: parameter.schema,
    }));
}

function requestBodyOf(document: OpenAPIDocument, body: unknown): RequestBody | undefined {
  const resolved = deref(document, body);
  if (!isRecord(resolved)) return undefined;
  return {
    required: resolved.required === true,
    description: text(resolved.description),
    contents: contentsOf(resolved.content),
  };
}

function responsesOf(document: OpenAPIDocument, responses: unknown): Response[] {
  if (!isRecord(responses)) return [];
  return Object.entries(responses).flatMap(([status, entry]) => {
    const response = deref(document, entry);
    if (!isRecord(response)) return [];
    return [
      { status, description: String(response.description ?? ""), contents: contentsOf(response.content) },
    ];
  });
}

function securityOf(security: unknown): string[] {
  if (!Array.isArray(security)) return [];
  return security.filter(isRecord).flatMap((requirement) => Object.keys(requirement));
}

function operationsOf(document: OpenAPIDocument, baseUrl: string): { tag: string; operation: Operation }[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation: unknown = isRecord(item) ? item[method] : undefined;
      if (!isRecord(operation)) return [];
      const tags = Array.isArray(operation.tags)
        ? operation.tags.filter((tag) => typeof tag === "string")
        : [];
      return [
        {
          tag: tags[0] ?? UNTAGGED,
          operation: {
            anchor: `op-${method}-${slug(path)}`,
            method,
            path: `${baseUrl}${path}`,
            summary: text(operation.summary),
            description: text(operation.description),
            security: securityOf(operation.security ?? document.security),
            parameters: parametersOf(document, operation.parameters),
            requestBody: requestBodyOf(document, operation.requestBody),
            responses: responsesOf(document, operation.responses),
          },
        },
      ];
    }),
  );
}

/** Operations grouped by their first tag: tags the document declares first, then as they appear. */
function groupsOf(document: OpenAPIDocument, baseUrl: string): TagGroup[] {
  const groups = new Map<string, TagGroup>();
  const groupFor = (tag: string, description?: string) => {
    let group = groups.get(tag);
    if (!group) {
      group = { tag, anchor: `tag-${slug(tag)}`, description, operations: [] };
      groups.set(tag, group);
    }
    return group;
  };
  for (const declared of document.tags ?? []) groupFor(declared.name, text(declared.description));
  for (const { tag, operation } of operationsOf(document, baseUrl)) groupFor(tag).operations.push(operation);
  return [...groups.values()].filter((group) => group.operations.length > 0);
}

export function readApiReference(document: OpenAPIDocument): ApiReference {
  const baseUrl = (document.servers?.[0]?.url ?? "").replace(/\/$/, "");
  const components = document.components ?? {};
  return {
    title: document.info.title,
    version: document.info.version,
    description: text(document.info.description),
    baseUrl,
    securitySchemes: Object.entries(components.securitySchemes ?? {}).map(([name, scheme]) => ({
      name,
      description: text(isRecord(scheme) ? scheme.description : undefined),
    })),
    groups: groupsOf(document, baseUrl),
    schemas: Object.entries(components.schemas ?? {}).map(([name, schema]) => ({
      name,
      anchor: schemaAnchor(name),
      schema,
    })),
  };
}
