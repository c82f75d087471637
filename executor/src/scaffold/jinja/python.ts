/**
 * Values as Python prints them. MiniJinja hands JavaScript `undefined` for both `none` and an
 * undefined variable, Maps for dicts and plain numbers for ints and floats alike.
 */

/** Maps (MiniJinja's dicts) become plain objects, recursively; `undefined` becomes `null`. */
export function toPlain(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toPlain(v)]));
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}

/** Python's `repr()` of a string: single quotes unless the text has one and no double quote. */
export function pyStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "\\" || ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

const pyNumber = (n: number) =>
  Number.isNaN(n) ? "nan" : n === Infinity ? "inf" : n === -Infinity ? "-inf" : String(n);

/** Python's `repr()`, as `str()` of a container shows its items. */
export function pyRepr(value: unknown): string {
  if (value === undefined || value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pyNumber(value);
  if (typeof value === "string") return pyStringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(", ")}}`;
  if (typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyStringRepr(k)}: ${pyRepr(v)}`)
      .join(", ")}}`;
  }
  return String(value);
}

/** Python's `str()`, which is what `{{ value }}` prints. Top-level `none` prints as nothing. */
export function pyDisplay(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  return pyRepr(value);
}

/**
 * Python's `json.dumps` with Jinja's `tojson` settings: sorted keys, `", "` and `": "` separators
 * (or `indent`), non-ASCII escaped.
 */
export function pyJsonDumps(value: unknown, options: { indent?: number; sortKeys?: boolean } = {}): string {
  const sortKeys = options.sortKeys ?? true;
  const indent = options.indent;
  const encode = (v: unknown, depth: number): string => {
    if (v === undefined || v === null) return "null";
    if (typeof v === "boolean" || typeof v === "number")
      return Number.isFinite(v) || typeof v === "boolean" ? String(v) : pyNumber(v as number);
    if (typeof v === "string") return asciiJson(v);
    const inner = indent === undefined ? "" : `\n${" ".repeat(indent * (depth + 1))}`;
    const outer = indent === undefined ? "" : `\n${" ".repeat(indent * depth)}`;
    const sep = indent === undefined ? ", " : ",";
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      return `[${inner}${v.map((item) => encode(item, depth + 1)).join(sep + inner)}${outer}]`;
    }
    const entries = Object.entries(toPlain(v) as Record<string, unknown>);
    if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.length === 0) return "{}";
    return `{${inner}${entries.map(([k, item]) => `${asciiJson(k)}: ${encode(item, depth + 1)}`).join(sep + inner)}${outer}}`;
  };
  return encode(value, 0);
}

const asciiJson = (text: string) =>
  JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

/** Python's truthiness. */
export function pyTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}
