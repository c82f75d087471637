/** Python `re` patterns and replacement strings, translated to JavaScript's. */

/** Leading inline flags (`(?i)`, `(?ms)`) become JavaScript flags; named groups change syntax. */
export function pyRegex(
  pattern: string,
  options: { ignorecase?: boolean; multiline?: boolean; global?: boolean },
) {
  let flags = options.global ? "gu" : "u";
  if (options.ignorecase) flags += "i";
  if (options.multiline) flags += "m";
  let source = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    for (const f of inline[1] ?? "") if ("ims".includes(f) && !flags.includes(f)) flags += f;
  }
  source = source
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, "(?<$1>")
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, "\\k<$1>")
    .replace(/\\A/g, "^")
    .replace(/\\Z/g, "$");
  return new RegExp(source, flags);
}

/** A Python replacement (`\1`, `\g<1>`, `\g<name>`, `\\`) applied to one match. */
export function pyExpand(
  replacement: string,
  match: RegExpExecArray | string[],
  groups?: Record<string, string>,
) {
  return replacement.replace(
    /\\(?:g<([^>]+)>|(\d{1,2})|(.))/g,
    (_all, named: string, num: string, other: string) => {
      if (named !== undefined) return (/^\d+$/.test(named) ? match[Number(named)] : groups?.[named]) ?? "";
      if (num !== undefined) return match[Number(num)] ?? "";
      return other === "n" ? "\n" : other === "t" ? "\t" : other === "\\" ? "\\" : `\\${other}`;
    },
  );
}
