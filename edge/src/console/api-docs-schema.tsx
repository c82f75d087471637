/**
 * JSON Schemas as readable trees: each property on a line with its type in words, whether it is
 * required, its description and constraints, and nested objects indented below it. A `$ref` is a
 * link to the schema's entry in the page's Schemas section. Text only goes through JSX (escaped).
 */
import type { Child } from "hono/jsx";
import { isRecord, type JsonSchema, schemaAnchor, schemaRefName } from "./api-docs-model.ts";
import { InlineText } from "./api-docs-text.tsx";

/** Deeper inline nesting than this is cut short (the document's schemas nest 3 or 4 levels). */
const MAX_DEPTH = 8;

type SchemaObject = Record<string, unknown>;

const asSchema = (schema: JsonSchema): SchemaObject => (isRecord(schema) ? schema : {});

function schemaList(value: unknown): SchemaObject[] {
  return Array.isArray(value) ? value.map(asSchema) : [];
}

function refLink(ref: string): Child {
  const name = schemaRefName(ref);
  return name ? <a href={`#${schemaAnchor(name)}`}>{name}</a> : <code>{ref}</code>;
}

function join(parts: Child[], separator: string): Child[] {
  return parts.flatMap((part, index) => (index === 0 ? [part] : [separator, part]));
}

/** The type in a few words: `string | null`, `array of Project`, `one of "a" | "b"`, `map of string`. */
export function typeSummary(schema: JsonSchema): Child {
  if (schema === true) return "any";
  if (schema === false) return "nothing";
  const s = asSchema(schema);
  if (typeof s.$ref === "string") return refLink(s.$ref);
  if ("const" in s) return <code>{JSON.stringify(s.const)}</code>;
  if (Array.isArray(s.enum)) {
    return [
      "one of ",
      ...join(
        s.enum.map((value) => <code>{JSON.stringify(value)}</code>),
        " | ",
      ),
    ];
  }
  const alternatives = schemaList(s.anyOf ?? s.oneOf);
  if (alternatives.length > 0) return join(alternatives.map(typeSummary), " | ");
  const types = Array.isArray(s.type) ? s.type.map(String) : typeof s.type === "string" ? [s.type] : [];
  if (types.length === 0) return s.properties ? "object" : "any";
  return join(
    types.map((type) => typeWord(s, type)),
    " | ",
  );
}

function typeWord(schema: SchemaObject, type: string): Child {
  if (type === "array" && schema.items !== undefined) return ["array of ", typeSummary(schema.items)];
  const values = schema.additionalProperties;
  if (type === "object" && !schema.properties && values !== undefined && typeof values !== "boolean") {
    return ["map of ", typeSummary(values)];
  }
  return type;
}

const CONSTRAINTS: [key: string, label: string][] = [
  ["format", "format"],
  ["minLength", "min length"],
  ["maxLength", "max length"],
  ["pattern", "pattern"],
  ["minimum", "≥"],
  ["exclusiveMinimum", ">"],
  ["maximum", "≤"],
  ["exclusiveMaximum", "<"],
  ["minItems", "min items"],
  ["maxItems", "max items"],
  ["maxProperties", "max keys"],
  ["default", "default"],
];

/** Constraints as `label value` pairs, e.g. `max length 100`, `pattern ^[a-z]+$`, `default []`. */
export function Constraints({ schema }: { schema: JsonSchema }) {
  const s = asSchema(schema);
  const keyPattern = asSchema(s.propertyNames).pattern;
  const shown = CONSTRAINTS.filter(([key]) => s[key] !== undefined).map(([key, label]) => [
    label,
    typeof s[key] === "string" && key !== "default" ? s[key] : JSON.stringify(s[key]),
  ]);
  if (typeof keyPattern === "string") shown.push(["key pattern", keyPattern]);
  if (s.additionalProperties === false && s.properties) shown.push(["other keys", "refused"]);
  if (shown.length === 0) return null;
  return (
    <span class="constraints">
      {shown.map(([label, value]) => (
        <span class="constraint">
          {label} <code>{value}</code>
        </span>
      ))}
    </span>
  );
}

/** The inline object schemas whose properties belong under this one (array items, map values, alternatives). */
function nestedObjects(schema: SchemaObject): SchemaObject[] {
  if (typeof schema.$ref === "string") return [];
  if (isRecord(schema.properties)) return [schema];
  const candidates = [schema.items, schema.additionalProperties, ...schemaList(schema.anyOf ?? schema.oneOf)];
  return candidates.filter(isRecord).flatMap(nestedObjects);
}

function Property(props: { name: string; schema: JsonSchema; required: boolean; depth: number }) {
  const s = asSchema(props.schema);
  return (
    <li>
      <code class="property">{props.name}</code> <span class="type">{typeSummary(s)}</span>
      {props.required ? <span class="required">required</span> : null}
      {typeof s.description === "string" ? (
        <span class="description">
          {" "}
          — <InlineText text={s.description} />
        </span>
      ) : null}{" "}
      <Constraints schema={s} />
      <Properties schema={s} depth={props.depth + 1} />
    </li>
  );
}

/** The properties of an inline object schema (or of the objects nested in it), as a tree. */
export function Properties({ schema, depth = 0 }: { schema: JsonSchema; depth?: number }) {
  if (depth > MAX_DEPTH) return null;
  const objects = nestedObjects(asSchema(schema));
  if (objects.length === 0) return null;
  return (
    <>
      {objects.map((object) => {
        const required = new Set(Array.isArray(object.required) ? object.required.map(String) : []);
        return (
          <ul class="tree">
            {Object.entries(asSchema(object.properties)).map(([name, property]) => (
              <Property name={name} schema={property} required={required.has(name)} depth={depth} />
            ))}
          </ul>
        );
      })}
    </>
  );
}

/**
 * A schema in full: its type line (and description, constraints), then its properties' tree.
 * `expand` resolves a top-level `$ref` once, so an operation's body shows its fields in place.
 */
export function SchemaView(props: { schema: JsonSchema; expand?: (name: string) => JsonSchema | undefined }) {
  const s = asSchema(props.schema);
  const refName = typeof s.$ref === "string" ? schemaRefName(s.$ref) : undefined;
  const expanded = refName !== undefined ? props.expand?.(refName) : undefined;
  const shown = asSchema(expanded ?? s);
  return (
    <div class="schema">
      <p class="type-line">
        <span class="type">{typeSummary(s)}</span>
        {typeof shown.description === "string" ? (
          <span class="description">
            {" "}
            — <InlineText text={shown.description} />
          </span>
        ) : null}{" "}
        <Constraints schema={shown} />
      </p>
      <Properties schema={shown} />
    </div>
  );
}
