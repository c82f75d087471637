/**
 * A command line as an operation's arguments, by the operation's own schema: positional words
 * fill its path parameters in order; `--name value` (or `name=value`) is a path or query parameter
 * of that name, else a field of its body (`--repo-url` is `repoUrl`); each value is read as its
 * schema's type (a number, a boolean, JSON for arrays and objects). `--body` gives the whole body.
 */
import type { ApiOperation } from "@codegen-orchestrator/shared";

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  $ref?: string;
  description?: string;
};

export class ArgumentError extends Error {}

/** The options an operation takes: its parameters, then its body's fields (when it has one). */
export function operationOptions(
  operation: ApiOperation,
): { name: string; schema: Schema; in: "path" | "query" | "body" }[] {
  const input = operation.inputSchema as Schema & { $defs?: Record<string, Schema> };
  const parameters = [...operation.pathParams, ...operation.queryParams].map((name) => ({
    name,
    schema: input.properties?.[name] ?? {},
    in: operation.pathParams.includes(name) ? ("path" as const) : ("query" as const),
  }));
  const body = resolve(input.properties?.body, input.$defs ?? {});
  const fields = Object.entries(body?.properties ?? {}).map(([name, schema]) => ({
    name,
    schema,
    in: "body" as const,
  }));
  return [...parameters, ...fields];
}

export function operationArgs(
  operation: ApiOperation,
  words: string[],
  body?: unknown,
): Record<string, unknown> {
  const options = operationOptions(operation);
  const args: Record<string, unknown> = {};
  const fields: Record<string, unknown> = {};
  const positional = [...operation.pathParams];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const pair = /^(?:--)?([A-Za-z][\w-]*)=(.*)$/s.exec(word);
    const flag = /^--([A-Za-z][\w-]*)$/.exec(word);
    if (!pair && !flag) {
      const name = positional.shift();
      if (!name)
        throw new ArgumentError(
          `Unexpected argument \`${word}\`: ${operation.name} takes ${usage(operation)}.`,
        );
      args[name] = word;
      continue;
    }
    const name = camel((pair ?? flag)?.[1] as string);
    const raw = pair ? (pair[2] as string) : words[++i];
    if (raw === undefined) throw new ArgumentError(`\`--${kebab(name)}\` needs a value.`);
    const option = options.find((candidate) => candidate.name === name);
    if (!option)
      throw new ArgumentError(
        `Unknown option \`--${kebab(name)}\`: ${operation.name} takes ${usage(operation)}.`,
      );
    const value = typed(raw, option.schema, name);
    if (option.in === "body") fields[name] = value;
    else args[name] = value;
    if (option.in === "path") positional.splice(positional.indexOf(name), 1);
  }
  if (operation.hasBody) args.body = { ...((body as object | undefined) ?? {}), ...fields };
  return args;
}

/** `<id> [--limit N] [--name …]`: what an operation takes, for messages and help. */
export function usage(operation: ApiOperation): string {
  const parts = operationOptions(operation).map((option) =>
    option.in === "path" ? `<${option.name}>` : `[--${kebab(option.name)} ${typeName(option.schema)}]`,
  );
  return parts.length > 0 ? parts.join(" ") : "no arguments";
}

function typed(raw: string, schema: Schema, name: string): unknown {
  const types = ([] as string[]).concat(schema.type ?? []);
  if (types.includes("string") || (types.length === 0 && !schema.$ref)) return raw;
  if (types.includes("integer") || types.includes("number")) {
    const number = Number(raw);
    if (raw.trim() === "" || Number.isNaN(number))
      throw new ArgumentError(`\`--${kebab(name)}\` takes a number.`);
    return number;
  }
  if (types.includes("boolean")) {
    if (raw !== "true" && raw !== "false")
      throw new ArgumentError(`\`--${kebab(name)}\` takes true or false.`);
    return raw === "true";
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ArgumentError(`\`--${kebab(name)}\` takes JSON (${typeName(schema)}).`);
  }
}

function resolve(schema: Schema | undefined, defs: Record<string, Schema>): Schema | undefined {
  const name = schema?.$ref?.split("/").pop();
  return name ? resolve(defs[name], defs) : schema;
}

const typeName = (schema: Schema) => ([] as string[]).concat(schema.type ?? "JSON").join("|");
const camel = (name: string) => name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
export const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
