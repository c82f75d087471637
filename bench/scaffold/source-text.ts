/**
 * The text of the benchmark's template, generated deterministically: plain source blocks in a few
 * languages, and blocks with Jinja in them (variables, filters, `{% if %}`, `{% for %}`).
 */

/** mulberry32: the same template on every run. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const random = prng(20261125);
export const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
export const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

export const WORDS = `account order invoice session token user report cache queue event
  payment profile record widget schedule metric notice export import batch`.split(/\s+/);
export const VERBS = "load save build parse check render fetch update remove merge".split(" ");

export type Lang = "py" | "ts" | "md" | "yaml" | "toml" | "sh";

/** A plain block of source text in `lang`, a few lines long. */
function plainBlock(lang: Lang): string {
  const noun = pick(WORDS);
  const verb = pick(VERBS);
  const other = pick(WORDS);
  switch (lang) {
    case "py":
      return `def ${verb}_${noun}(${other}, *, limit=${int(1, 500)}):
    """${verb[0]?.toUpperCase()}${verb.slice(1)} the ${noun} for a given ${other}."""
    if ${other} is None:
        raise ValueError("${other} is required")
    items = [item for item in ${other}.${noun}s if item.active][:limit]
    for index, item in enumerate(items):
        item.position = index
    return {"${noun}": items, "count": len(items)}

`;
    case "ts":
      return `export async function ${verb}${noun[0]?.toUpperCase()}${noun.slice(1)}(${other}: ${other[0]?.toUpperCase()}${other.slice(1)}, limit = ${int(1, 500)}): Promise<Result> {
  if (!${other}) throw new Error("${other} is required");
  const items = ${other}.${noun}s.filter((item) => item.active).slice(0, limit);
  for (const [index, item] of items.entries()) item.position = index;
  return { ${noun}: items, count: items.length };
}

`;
    case "md":
      return `## ${verb[0]?.toUpperCase()}${verb.slice(1)} a ${noun}

The service can ${verb} a ${noun} for any ${other}. Pass \`limit\` (at most ${int(1, 500)}) to bound
the result; inactive items are skipped, and the rest keep their order. See \`${noun}.${verb}\`.

`;
    case "yaml":
      return `${noun}_${verb}:
  enabled: true
  limit: ${int(1, 500)}
  depends_on: [${other}, ${pick(WORDS)}]
  retry: { attempts: ${int(1, 9)}, backoff_ms: ${int(10, 900)} }
`;
    case "toml":
      return `[tool.${noun}.${verb}]
limit = ${int(1, 500)}
depends-on = ["${other}", "${pick(WORDS)}"]
retries = ${int(1, 9)}

`;
    case "sh":
      return `${verb}_${noun}() {
  local ${other}="$1"
  [ -n "$${other}" ] || { echo "${other} is required" >&2; return 1; }
  echo "${verb} ${noun} for $${other} (limit ${int(1, 500)})"
}

`;
  }
}

/** A line or block with Jinja in it, in `lang`'s syntax. */
function templatedBlock(lang: Lang): string {
  const comment = lang === "ts" ? "//" : lang === "md" ? ">" : "#";
  const choice = int(0, 5);
  if (choice === 0) return `${comment} ${"{{ project_name }}"}: ${"{{ description }}"}\n`;
  if (choice === 1)
    return lang === "ts"
      ? `const SERVICE = "{{ project_name | lower }}";\nconst MODULE = "{{ project_name | replace('-', '_') }}";\n`
      : `${comment} service {{ project_name | lower }}, module {{ project_name | replace('-', '_') }}, port {{ port }}\n`;
  if (choice === 2)
    return lang === "ts"
      ? `export const FEATURES: string[] = {{ features | tojson }};\n`
      : `${comment} features: {{ features | tojson }}\n`;
  if (choice === 3)
    return `{% if use_docker %}${comment} runs in the {{ package_name }} container on port {{ port }}
{% else %}${comment} runs on the host on port {{ port }}
{% endif %}`;
  if (choice === 4)
    return `{% for feature in features %}${comment} feature {{ loop.index }}: {{ feature | upper }} ({{ package_name }}.{{ feature }})
{% endfor %}`;
  return `${comment} workers: {{ workers }}, docker: {{ use_docker }}, author: {{ author | lower }}\n`;
}

/** Source text of about `size` bytes; a template block every few plain ones when `templated`. */
export function sourceText(lang: Lang, size: number, templated: boolean): string {
  let text = templated ? templatedBlock(lang) : "";
  while (text.length < size) {
    text += plainBlock(lang);
    if (templated && random() < 0.35) text += templatedBlock(lang);
  }
  return text;
}
