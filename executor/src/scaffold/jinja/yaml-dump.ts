/**
 * PyYAML's `yaml.dump` for plain data, as Ansible's `to_yaml` / `to_nice_yaml` call it: sorted
 * keys, sequences not indented under their key, `-   key: value` items padded to the indent,
 * strings quoted when YAML 1.1 would read them back as something else. Copier writes the answers
 * file with it, so the output must match byte for byte. Long lines are not folded (PyYAML folds at
 * 80 columns); both read back the same.
 */
import { stringify } from "yaml";
import { toPlain } from "./python.ts";

export interface DumpOptions {
  indent: number;
  /** `default_flow_style=None`: collections of scalars only are written inline. */
  flowLeaves: boolean;
}

const isScalar = (value: unknown) => value === null || typeof value !== "object";
const isEmpty = (value: object) =>
  Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;

export function scalar(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return ".nan";
    if (!Number.isFinite(value)) return value > 0 ? ".inf" : "-.inf";
    return String(value);
  }
  return stringify(String(value), { version: "1.1", singleQuote: true, lineWidth: 0 }).trimEnd();
}

function flow(value: object): string {
  if (Array.isArray(value)) return `[${value.map(scalar).join(", ")}]`;
  return `{${sortedEntries(value)
    .map(([k, v]) => `${scalar(k)}: ${scalar(v)}`)
    .join(", ")}}`;
}

const sortedEntries = (value: object) =>
  Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Lines of a collection whose first line starts at `column` (already written by the caller). */
function block(value: object, column: number, options: DumpOptions): string[] {
  const pad = " ".repeat(column);
  const lines: string[] = [];
  const inline = (item: unknown) =>
    isScalar(item)
      ? scalar(item)
      : isEmpty(item as object) || (options.flowLeaves && isLeaf(item as object))
        ? flow(item as object)
        : null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const simple = inline(item);
      if (simple !== null) {
        lines.push(`${pad}- ${simple}`);
        continue;
      }
      // PyYAML pads the item's first line to the indent: "-   key: value".
      const nested = block(item as object, column + options.indent, options);
      const first = (nested[0] ?? "").slice(column + options.indent);
      lines.push(`${pad}-${" ".repeat(options.indent - 1)}${first}`, ...nested.slice(1));
    }
    return lines;
  }
  for (const [key, item] of sortedEntries(value)) {
    const simple = inline(item);
    if (simple !== null) lines.push(`${pad}${scalar(key)}: ${simple}`);
    else if (Array.isArray(item)) lines.push(`${pad}${scalar(key)}:`, ...block(item, column, options));
    else lines.push(`${pad}${scalar(key)}:`, ...block(item as object, column + options.indent, options));
  }
  return lines;
}

const isLeaf = (value: object) => Object.values(value).every(isScalar);

export function pyYamlDump(value: unknown, options: DumpOptions): string {
  const plain = toPlain(value);
  if (isScalar(plain)) return `${scalar(plain)}\n...\n`;
  if (isEmpty(plain as object) || (options.flowLeaves && isLeaf(plain as object)))
    return `${flow(plain as object)}\n`;
  return `${block(plain as object, 0, options).join("\n")}\n`;
}
