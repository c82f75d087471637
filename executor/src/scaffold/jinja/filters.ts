/**
 * Filters, tests and globals that Copier templates expect beyond MiniJinja's built-ins: the Jinja2
 * built-ins MiniJinja lacks or prints differently, and the `jinja2_ansible_filters` Copier loads.
 * Each function gets MiniJinja values (Maps for dicts, `undefined` for none) and keyword arguments
 * as a trailing plain object.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { parse as yamlParse } from "yaml";
import { pyDisplay, pyJsonDumps, pyTruthy } from "./python.ts";
import { pyExpand, pyRegex } from "./regex.ts";
import { pyYamlDump } from "./yaml-dump.ts";

type Filter = (value: unknown, ...args: unknown[]) => unknown;

/** Splits positional arguments from the trailing keyword object MiniJinja passes. */
function params(args: unknown[], names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let positional = args;
  const last = args.at(-1);
  if (last !== null && typeof last === "object" && !Array.isArray(last) && !(last instanceof Map)) {
    positional = args.slice(0, -1);
    Object.assign(out, last);
  }
  names.forEach((name, i) => {
    if (i < positional.length && !(name in out)) out[name] = positional[i];
  });
  return out;
}

const str = (value: unknown) => (typeof value === "string" ? value : pyDisplay(value));

const md5 = (v: unknown) => createHash("md5").update(str(v)).digest("hex");
const sha1 = (v: unknown) => createHash("sha1").update(str(v)).digest("hex");

function regexSearch(value: unknown, pattern: unknown, ...rest: unknown[]) {
  const { ignorecase, multiline } = params(rest, []);
  const backrefs = rest.filter((arg) => typeof arg === "string") as string[];
  const match = pyRegex(String(pattern), {
    ignorecase: Boolean(ignorecase),
    multiline: Boolean(multiline),
  }).exec(str(value));
  if (!match) return undefined;
  if (backrefs.length === 0) return match[0];
  return backrefs.map((ref) => pyExpand(ref, match, match.groups));
}

function comment(value: unknown, ...rest: unknown[]) {
  const { style = "plain", decoration, prefix, postfix } = params(rest, ["style"]);
  const styles: Record<string, { decoration: string; prefix?: string; postfix?: string }> = {
    plain: { decoration: "# " },
    erlang: { decoration: "% " },
    c: { decoration: "// " },
    cblock: { prefix: "/*", decoration: " * ", postfix: " */" },
    xml: { prefix: "<!--", decoration: " - ", postfix: "-->" },
  };
  const chosen = styles[String(style)] ?? { decoration: "# " };
  const deco = String(decoration ?? chosen.decoration);
  const first = String(prefix ?? chosen.prefix ?? deco.trimEnd());
  const last = String(postfix ?? chosen.postfix ?? deco.trimEnd());
  const body = str(value)
    .split("\n")
    .map((line) => `${deco}${line}`.trimEnd());
  return [first, ...body, last].join("\n");
}

function flatten(value: unknown, ...rest: unknown[]): unknown[] {
  const { levels, skip_nulls = true } = params(rest, ["levels", "skip_nulls"]);
  const walk = (items: unknown[], depth: number): unknown[] =>
    items.flatMap((item) => {
      if (item === undefined || item === null) return skip_nulls ? [] : [item];
      if (Array.isArray(item) && (levels === undefined || depth < Number(levels)))
        return walk(item, depth + 1);
      return [item];
    });
  return walk(Array.isArray(value) ? value : [value], 0);
}

/** uuid5 in Ansible's namespace. */
function toUuid(value: unknown) {
  const namespace = Buffer.from("361E6D51FAEC444A9079341386DA8E2E", "hex");
  const hash = createHash("sha1").update(namespace).update(str(value)).digest();
  hash.writeUInt8(((hash[6] ?? 0) & 0x0f) | 0x50, 6);
  hash.writeUInt8(((hash[8] ?? 0) & 0x3f) | 0x80, 8);
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function pyFormat(template: unknown, ...args: unknown[]) {
  let i = 0;
  return str(template).replace(
    /%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdifr%])/g,
    (_all, _flags, width: string, precision, type) => {
      if (type === "%") return "%";
      const arg = args[i++];
      let text: string;
      if (type === "d" || type === "i") text = String(Math.trunc(Number(arg)));
      else if (type === "f") text = Number(arg).toFixed(precision === undefined ? 6 : Number(precision));
      else text = str(arg);
      return width ? text.padStart(Number(width)) : text;
    },
  );
}

export const extraFilters: Record<string, Filter> = {
  // Jinja2 built-ins MiniJinja lacks, or prints unlike Jinja2.
  tojson: (value, ...rest) => {
    const { indent } = params(rest, ["indent"]);
    return pyJsonDumps(value, { indent: indent === undefined ? undefined : Number(indent) })
      .replace(/</g, "\\u003c")
      .replace(/>/g, "\\u003e")
      .replace(/&/g, "\\u0026")
      .replace(/'/g, "\\u0027");
  },
  center: (value, width = 80) => {
    const text = str(value);
    const total = Math.max(0, Number(width) - text.length);
    const left = Math.floor(total / 2) + (total % 2 && Number(width) % 2 ? 1 : 0);
    return " ".repeat(left) + text + " ".repeat(total - left);
  },
  format: (value, ...args) => pyFormat(value, ...args),
  urlencode: (value) =>
    encodeURIComponent(str(value)).replace(
      /[!'()*]/g,
      (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
    ),
  string: (value) => str(value),
  truncate: (value, ...rest) => {
    const {
      length = 255,
      killwords = false,
      end = "...",
      leeway = 5,
    } = params(rest, ["length", "killwords", "end", "leeway"]);
    const text = str(value);
    const max = Number(length);
    if (text.length <= max + Number(leeway)) return text;
    const head = text.slice(0, Math.max(0, max - str(end).length));
    if (killwords) return head + str(end);
    const cut = head.lastIndexOf(" ");
    return (cut === -1 ? head : head.slice(0, cut)) + str(end);
  },
  wordcount: (value) => (str(value).match(/\w+/gu) ?? []).length,
  replace: (value, old, replacement, count) => {
    const text = str(value);
    const needle = str(old);
    const parts = text.split(needle);
    const limit = count === undefined || count === null ? parts.length - 1 : Number(count);
    return parts.reduce(
      (acc, part, i) => (i === 0 ? part : acc + (i <= limit ? str(replacement) : needle) + part),
      "",
    );
  },
  // jinja2_ansible_filters.
  to_json: (value) => pyJsonDumps(value, { sortKeys: false }),
  to_nice_json: (value, ...rest) => {
    const { indent = 4 } = params(rest, ["indent"]);
    return pyJsonDumps(value, { indent: Number(indent) });
  },
  to_yaml: (value, ...rest) =>
    pyYamlDump(value, { indent: Number(params(rest, ["indent"]).indent ?? 2), flowLeaves: true }),
  to_nice_yaml: (value, ...rest) =>
    pyYamlDump(value, { indent: Number(params(rest, ["indent"]).indent ?? 4), flowLeaves: false }),
  from_json: (value) => JSON.parse(str(value)),
  from_yaml: (value) => yamlParse(str(value)),
  regex_search: regexSearch,
  regex_replace: (value, pattern = "", replacement = "", ...rest) => {
    const { ignorecase, multiline } = params(rest, ["ignorecase", "multiline"]);
    const regex = pyRegex(str(pattern), {
      ignorecase: Boolean(ignorecase),
      multiline: Boolean(multiline),
      global: true,
    });
    return str(value ?? "").replace(regex, (...m) => {
      const groups = typeof m.at(-1) === "object" ? (m.at(-1) as Record<string, string>) : undefined;
      return pyExpand(str(replacement), m as string[], groups);
    });
  },
  regex_findall: (value, pattern, ...rest) => {
    const { ignorecase, multiline } = params(rest, ["ignorecase", "multiline"]);
    const regex = pyRegex(str(pattern), {
      ignorecase: Boolean(ignorecase),
      multiline: Boolean(multiline),
      global: true,
    });
    return [...str(value).matchAll(regex)].map((m) => (m.length > 2 ? m.slice(1) : (m[1] ?? m[0])));
  },
  regex_escape: (value) => str(value).replace(/[^A-Za-z0-9_]/g, "\\$&"),
  bool: (value) => {
    if (value === undefined || value === null || typeof value === "boolean") return value;
    return ["yes", "on", "1", "true"].includes(str(value).toLowerCase());
  },
  ternary: (value, whenTrue, whenFalse, ...rest) => {
    const { none_val } = params(rest, ["none_val"]);
    if ((value === undefined || value === null) && none_val !== undefined) return none_val;
    return pyTruthy(value) ? whenTrue : whenFalse;
  },
  b64encode: (value) => Buffer.from(str(value), "utf8").toString("base64"),
  b64decode: (value) => Buffer.from(str(value), "base64").toString("utf8"),
  hash: (value, type = "sha1") => createHash(String(type)).update(str(value)).digest("hex"),
  md5,
  sha1,
  checksum: sha1,
  quote: (value) => {
    const text = value === undefined || value === null ? "" : str(value);
    if (text === "") return "''";
    return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\"'\"'")}'`;
  },
  comment,
  // MiniJinja passes `none` and undefined alike, so `mandatory` refuses both.
  mandatory: (value, message) => {
    if (value === undefined)
      throw new Error(message === undefined ? "Mandatory variable not defined." : str(message));
    return value;
  },
  basename: (value) => path.posix.basename(str(value)),
  dirname: (value) => path.posix.dirname(str(value)),
  splitext: (value) => {
    const text = str(value);
    const ext = path.posix.extname(text);
    return [text.slice(0, text.length - ext.length), ext];
  },
  flatten,
  to_uuid: toUuid,
  type_debug: (value) =>
    value === undefined || value === null
      ? "NoneType"
      : typeof value === "boolean"
        ? "bool"
        : typeof value === "number"
          ? Number.isInteger(value)
            ? "int"
            : "float"
          : typeof value === "string"
            ? "str"
            : Array.isArray(value)
              ? "list"
              : "dict",
};

export const extraTests: Record<string, (value: unknown, ...args: unknown[]) => boolean> = {
  callable: () => false,
};

export const extraGlobals = {
  pathjoin: (...parts: unknown[]) => path.posix.join(...parts.filter((p) => typeof p === "string")),
};
