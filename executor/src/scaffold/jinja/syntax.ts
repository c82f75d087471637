/**
 * A small scanner over Jinja source that rewrites it for MiniJinja:
 * - custom delimiters from `_envops` (e.g. Copier 5's `[[ ]]`) become the standard ones, with
 *   literal `{{`, `{%` and `{#` in the text escaped;
 * - every `{{ expr }}` becomes `{{ (expr)|__display }}`, so values print as Python prints them
 *   (`True`, `['a', 'b']`) rather than as Rust does (`true`, `["a", "b"]`).
 * The rewrite never adds or removes a newline, so line numbers in errors stay the template's own.
 */

export interface Delimiters {
  blockStart: string;
  blockEnd: string;
  variableStart: string;
  variableEnd: string;
  commentStart: string;
  commentEnd: string;
}

export const STANDARD_DELIMITERS: Delimiters = {
  blockStart: "{%",
  blockEnd: "%}",
  variableStart: "{{",
  variableEnd: "}}",
  commentStart: "{#",
  commentEnd: "#}",
};

/** The delimiters `_envops` asks for, the standard ones where it says nothing. */
export function delimitersOf(envops: Record<string, unknown>): Delimiters {
  const pick = (key: string, fallback: string) =>
    typeof envops[key] === "string" ? (envops[key] as string) : fallback;
  return {
    blockStart: pick("block_start_string", STANDARD_DELIMITERS.blockStart),
    blockEnd: pick("block_end_string", STANDARD_DELIMITERS.blockEnd),
    variableStart: pick("variable_start_string", STANDARD_DELIMITERS.variableStart),
    variableEnd: pick("variable_end_string", STANDARD_DELIMITERS.variableEnd),
    commentStart: pick("comment_start_string", STANDARD_DELIMITERS.commentStart),
    commentEnd: pick("comment_end_string", STANDARD_DELIMITERS.commentEnd),
  };
}

export const DISPLAY_FILTER = "__display";

export class SyntaxScanError extends Error {
  line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

/** The index just past the tag's end delimiter, skipping quoted strings inside the tag. */
function tagEnd(source: string, from: number, end: string): number {
  let quote: string | null = null;
  for (let i = from; i < source.length; i++) {
    const ch = source[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (source.startsWith(end, i)) {
      return i + end.length;
    }
  }
  return -1;
}

/** Whitespace-control markers stay attached to the delimiters. */
function splitMarkers(inner: string): { open: string; body: string; close: string } {
  const open = /^[-+]/.exec(inner)?.[0] ?? "";
  const close = /[-+]$/.exec(inner.slice(open.length))?.[0] ?? "";
  return { open, body: inner.slice(open.length, inner.length - close.length), close };
}

const escapeLiteral = (text: string) => text.replace(/\{[{%#]/g, (pair) => `{{ '${pair}' }}`);

export interface NameUse {
  name: string;
  line: number;
}

export interface RewrittenTemplate {
  source: string;
  /** Filters and tests the template names, so unknown ones fail at load as in Jinja2. */
  filters: NameUse[];
  tests: NameUse[];
}

const withoutStrings = (body: string) => body.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, "''");

function collectNames(body: string, line: number, into: RewrittenTemplate) {
  const code = withoutStrings(body);
  const name = (m: RegExpExecArray | RegExpMatchArray) => ({ name: m[1] ?? "", line });
  for (const m of code.matchAll(/\|\s*([A-Za-z_][A-Za-z0-9_]*)/g)) into.filters.push(name(m));
  const block = /^\s*filter\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(code);
  if (block) into.filters.push(name(block));
  for (const m of code.matchAll(/\bis\s+(?:not\s+)?([A-Za-z_][A-Za-z0-9_]*)/g)) into.tests.push(name(m));
}

/** Rewrites `source` (see the module comment). Raw blocks pass through untouched. */
export function rewriteTemplate(
  source: string,
  delimiters: Delimiters = STANDARD_DELIMITERS,
): RewrittenTemplate {
  const result: RewrittenTemplate = { source: "", filters: [], tests: [] };
  const standard = sameDelimiters(delimiters, STANDARD_DELIMITERS);
  const tags = [
    { kind: "variable", start: delimiters.variableStart, end: delimiters.variableEnd },
    { kind: "block", start: delimiters.blockStart, end: delimiters.blockEnd },
    { kind: "comment", start: delimiters.commentStart, end: delimiters.commentEnd },
  ] as const;
  const text = (from: number, to?: number) => {
    const literal = source.slice(from, to);
    return standard ? literal : escapeLiteral(literal);
  };
  let out = "";
  let pos = 0;
  // Lines are counted as the scan moves, so the whole scan stays linear.
  let line = 1;
  let counted = 0;
  const lineOf = (index: number) => {
    for (let i = source.indexOf("\n", counted); i !== -1 && i < index; i = source.indexOf("\n", i + 1))
      line++;
    counted = Math.max(counted, index);
    return line;
  };
  while (pos < source.length) {
    let next = -1;
    let tag: (typeof tags)[number] | undefined;
    for (const candidate of tags) {
      const at = source.indexOf(candidate.start, pos);
      if (at === -1) continue;
      if (next === -1 || at < next || (at === next && tag && candidate.start.length > tag.start.length)) {
        next = at;
        tag = candidate;
      }
    }
    if (!tag) {
      out += text(pos);
      break;
    }
    out += text(pos, next);
    const tagLine = lineOf(next);
    const innerStart = next + tag.start.length;
    if (tag.kind === "comment") {
      const close = source.indexOf(tag.end, innerStart);
      if (close === -1) throw new SyntaxScanError("unclosed comment", tagLine);
      // Comments vanish, but their newlines stay so that line numbers do not move.
      const inner = source.slice(innerStart, close);
      const { open, close: closeMarker } = splitMarkers(inner);
      out += `{#${open} ${inner.replace(/[^\n]/g, "")}${closeMarker}#}`;
      pos = close + tag.end.length;
      continue;
    }
    const stop = tagEnd(source, innerStart, tag.end);
    if (stop === -1) throw new SyntaxScanError(`unclosed \`${tag.start}\``, tagLine);
    const { open, body, close } = splitMarkers(source.slice(innerStart, stop - tag.end.length));
    collectNames(body, tagLine, result);
    pos = stop;
    if (tag.kind === "variable") {
      out +=
        body.trim() === ""
          ? `{{${open}${body}${close}}}`
          : `{{${open} (${body})|${DISPLAY_FILTER} ${close}}}`;
      continue;
    }
    out += `{%${open}${body}${close}%}`;
    if (body.trim() === "raw") {
      const endRaw = findEndRaw(source, pos, delimiters);
      if (!endRaw) throw new SyntaxScanError("`raw` block without `endraw`", tagLine);
      out += `${source.slice(pos, endRaw.at)}{%${endRaw.open}endraw${endRaw.close}%}`;
      pos = endRaw.stop;
    }
  }
  result.source = out;
  return result;
}

function findEndRaw(source: string, from: number, d: Delimiters) {
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(
    `${literal(d.blockStart)}([-+]?)\\s*endraw\\s*([-+]?)${literal(d.blockEnd)}`,
    "g",
  );
  pattern.lastIndex = from;
  const match = pattern.exec(source);
  if (!match) return null;
  return {
    at: match.index,
    stop: match.index + match[0].length,
    open: match[1] ?? "",
    close: match[2] ?? "",
  };
}

const sameDelimiters = (a: Delimiters, b: Delimiters) =>
  (Object.keys(a) as (keyof Delimiters)[]).every((key) => a[key] === b[key]);
