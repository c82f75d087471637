/**
 * Scaffold benchmark: the built-in Copier engine (`executor/src/scaffold`) rendering a generated
 * template of ~200 files, as a ratio to a plain recursive copy (`fs.promises.cp`) of the same tree
 * measured in the same run. Target: at most 3× the copy.
 *
 * The template is generated deterministically in a temporary directory: a copier.yml with seven
 * questions (str, int, bool, a multiselect) and a conditional `_exclude`; ~120 `.jinja` files of
 * 1–8 KiB with variables, filters (`lower`, `replace`, `tojson`), `{% if %}` and `{% for %}`;
 * ~70 plain files (text, and a few binary ones of 4–64 KiB); templated directory names, one
 * conditional path segment and the answers file. Both are warmed up, then run alternately, each
 * into a fresh destination. Then a breakdown: the renders timed apart from the file system, and
 * the `fs.promises` calls each side makes (counted in one more run of each, after the timed ones).
 *
 *   npm run bench:scaffold
 */
import fs from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import os from "node:os";
import path from "node:path";
import { JinjaEnvironment } from "../executor/src/scaffold/jinja/environment.ts";
import { rewriteTemplate } from "../executor/src/scaffold/jinja/syntax.ts";
import { scaffold } from "../executor/src/scaffold/scaffold.ts";

const ROUNDS = 15;
const WARMUP = 3;
const TARGET = 3;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

/**
 * `fs.promises` calls, counted with their awaited time while `counting` is on (a pass-through
 * otherwise). Installed before anything runs, so `cp`, which binds its functions on first use,
 * is counted too.
 */
const fsCalls = new Map<string, { calls: number; ms: number }>();
let counting = false;
const promisesApi = fs.promises as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
const COUNTED = `access chmod copyFile lstat mkdir mkdtemp open opendir readdir readFile readlink rename
  rm stat symlink unlink utimes writeFile`.split(/\s+/);
for (const name of COUNTED) {
  const original = promisesApi[name];
  if (!original) continue;
  promisesApi[name] = (...args: unknown[]) => {
    if (!counting) return original(...args);
    const started = performance.now();
    return original(...args).finally(() => {
      const entry = fsCalls.get(name) ?? { calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += performance.now() - started;
      fsCalls.set(name, entry);
    });
  };
}
syncBuiltinESMExports();

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
const random = prng(20261125);
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const WORDS = `account order invoice session token user report cache queue event
  payment profile record widget schedule metric notice export import batch`.split(/\s+/);
const VERBS = "load save build parse check render fetch update remove merge".split(" ");

type Lang = "py" | "ts" | "md" | "yaml" | "toml" | "sh";

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
function sourceText(lang: Lang, size: number, templated: boolean): string {
  let text = templated ? templatedBlock(lang) : "";
  while (text.length < size) {
    text += plainBlock(lang);
    if (templated && random() < 0.35) text += templatedBlock(lang);
  }
  return text;
}

interface Group {
  dir: string;
  count: number;
  lang: Lang;
  ext: string;
  templated: boolean;
}

/** ~120 templates and ~70 plain files, spread as in a service repository. */
const GROUPS: Group[] = [
  { dir: "{{ package_name }}", count: 4, lang: "py", ext: "py", templated: true },
  { dir: "{{ package_name }}/core", count: 15, lang: "py", ext: "py", templated: true },
  { dir: "{{ package_name }}/api", count: 14, lang: "py", ext: "py", templated: true },
  { dir: "{{ package_name }}/models", count: 12, lang: "py", ext: "py", templated: true },
  { dir: "{{ package_name }}/services", count: 12, lang: "py", ext: "py", templated: true },
  { dir: "{{ package_name }}/utils", count: 11, lang: "py", ext: "py", templated: false },
  { dir: "{{ package_name }}/grpc", count: 5, lang: "py", ext: "py", templated: true },
  { dir: "tests", count: 16, lang: "py", ext: "py", templated: true },
  { dir: "tests/fixtures", count: 10, lang: "yaml", ext: "yaml", templated: false },
  { dir: "web/src", count: 16, lang: "ts", ext: "ts", templated: true },
  { dir: "web/src/components", count: 16, lang: "ts", ext: "ts", templated: false },
  { dir: "docs", count: 10, lang: "md", ext: "md", templated: true },
  { dir: "docs/guides", count: 10, lang: "md", ext: "md", templated: false },
  { dir: "config", count: 6, lang: "yaml", ext: "yaml", templated: true },
  { dir: "config/defaults", count: 8, lang: "yaml", ext: "yaml", templated: false },
  { dir: "{% if use_docker %}docker{% endif %}", count: 4, lang: "sh", ext: "sh", templated: true },
  { dir: "scripts", count: 6, lang: "sh", ext: "sh", templated: false },
];

const COPIER_YML = `# Generated by bench/scaffold.ts
_min_copier_version: "9.0.0"
_subdirectory: template
_answers_file: .copier-answers.yml
_exclude:
  - "{% if 'grpc' not in features %}{{ package_name }}/grpc{% endif %}"
  - "*.pyc"
_message_after_copy: "{{ project_name }} is ready."

project_name:
  type: str
  default: acme-widgets
package_name:
  type: str
  default: "{{ project_name | replace('-', '_') }}"
description:
  type: str
  default: "{{ project_name | replace('-', ' ') | title }}, an HTTP service"
author:
  type: str
  default: Codegen Orchestrator
port:
  type: int
  default: 8080
  validator: "{% if port < 1024 %}use a port from 1024{% endif %}"
workers:
  type: int
  default: 4
use_docker:
  type: bool
  default: true
features:
  type: str
  multiselect: true
  choices:
    HTTP API: http
    Command line: cli
    gRPC: grpc
    Metrics: metrics
    Authentication: auth
  default: [http, metrics, auth]
`;

/** Writes the template; returns its root and the count of templates and plain files. */
async function generateTemplate(root: string) {
  const template = path.join(root, "template");
  const write = async (relative: string, content: string | Uint8Array) => {
    await mkdir(path.dirname(path.join(template, relative)), { recursive: true });
    await writeFile(path.join(template, relative), content);
  };
  await mkdir(root, { recursive: true });
  await writeFile(path.join(root, "copier.yml"), COPIER_YML);
  let templates = 0;
  let plain = 0;
  for (const group of GROUPS) {
    for (let i = 0; i < group.count; i++) {
      const name = `${pick(VERBS)}_${pick(WORDS)}_${i}.${group.ext}`;
      const text = sourceText(group.lang, int(1024, 8192), group.templated);
      await write(`${group.dir}/${name}${group.templated ? ".jinja" : ""}`, text);
      if (group.templated) templates++;
      else plain++;
    }
  }
  const top: [string, string][] = [
    [
      "{{ _copier_conf.answers_file }}.jinja",
      "# Changes here will be overwritten by Copier\n{{ _copier_answers|to_nice_yaml -}}\n",
    ],
    ["README.md.jinja", sourceText("md", 4096, true)],
    ["pyproject.toml.jinja", sourceText("toml", 3072, true)],
    ["tests/test_{{ package_name }}.py.jinja", sourceText("py", 2048, true)],
    ["{% if use_docker %}docker{% endif %}/compose.yaml.jinja", sourceText("yaml", 2048, true)],
    ["{% if use_docker %}docker{% endif %}/Dockerfile.jinja", sourceText("sh", 1536, true)],
  ];
  for (const [relative, content] of top) {
    await write(relative, content);
    templates++;
  }
  for (const [relative, content] of [
    [".gitignore", "node_modules/\n__pycache__/\n*.pyc\n.env\ndist/\n"],
    [".editorconfig", "root = true\n\n[*]\nindent_style = space\nindent_size = 4\n"],
    ["LICENSE", sourceText("md", 1100, false)],
  ] as const) {
    await write(relative, content);
    plain++;
  }
  // Binary assets: bytes that are not UTF-8, 4–64 KiB.
  for (const name of ["logo.png", "favicon.ico", "hero.jpg", "font.woff2", "icons.png", "banner.webp"]) {
    const bytes = new Uint8Array(int(4, 64) * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    bytes[0] = 0xff;
    await write(`{{ package_name }}/static/${name}`, bytes);
    plain++;
  }
  return { templates, plain };
}

async function countFiles(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += (await readFile(path.join(entry.parentPath, entry.name))).length;
  }
  return { files, bytes };
}

const work = await mkdtemp(path.join(os.tmpdir(), "bench-scaffold-"));
try {
  const templateRoot = path.join(work, "template-root");
  const counts = await generateTemplate(templateRoot);
  const source = await countFiles(templateRoot);

  let serial = 0;
  /** Runs `fn` into a fresh destination (removed afterwards, untimed); returns the elapsed ms. */
  const timed = async (fn: (destination: string) => Promise<unknown>, countFs = false) => {
    const destination = path.join(work, `out-${serial++}`, "acme-widgets");
    counting = countFs;
    const started = performance.now();
    await fn(destination);
    const elapsed = performance.now() - started;
    counting = false;
    await rm(path.dirname(destination), { recursive: true, force: true });
    return elapsed;
  };
  const copyOnce = (countFs?: boolean) =>
    timed((destination) => cp(templateRoot, destination, { recursive: true }), countFs);
  let written = 0;
  const scaffoldOnce = (countFs?: boolean) =>
    timed(async (destination) => {
      const report = await scaffold({
        templateRoot,
        srcPath: templateRoot,
        commit: null,
        destination,
        data: {},
        defaults: true,
        trust: false,
        taskEnv: {},
        log: () => {},
      });
      written = report.files.length;
    }, countFs);

  for (let i = 0; i < WARMUP; i++) {
    await copyOnce();
    await scaffoldOnce();
  }
  const copies: number[] = [];
  const scaffolds: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    copies.push(await copyOnce());
    scaffolds.push(await scaffoldOnce());
  }

  const fsProfile = async (run: (countFs: boolean) => Promise<number>) => {
    fsCalls.clear();
    const elapsed = await run(true);
    const calls = [...fsCalls].sort((a, b) => b[1].ms - a[1].ms);
    return { elapsed, total: calls.reduce((sum, [, entry]) => sum + entry.calls, 0), calls };
  };
  const copyFs = await fsProfile(copyOnce);
  const scaffoldFs = await fsProfile(scaffoldOnce);

  // Where the engine's time goes: the same renders it makes (file contents and templated path
  // segments), outside the file system, timed per part.
  const env = new JinjaEnvironment();
  const answers = {
    project_name: "acme-widgets",
    package_name: "acme_widgets",
    description: "Acme Widgets, an HTTP service",
    author: "Codegen Orchestrator",
    port: 8080,
    workers: 4,
    use_docker: true,
    features: ["http", "metrics", "auth"],
  };
  const conf = { src_path: templateRoot, dst_path: "acme-widgets", answers_file: ".copier-answers.yml" };
  const context = {
    _src_path: templateRoot,
    _copier_conf: conf,
    _folder_name: "acme-widgets",
    _copier_python: "python3",
    _copier_operation: "copy",
    ...answers,
    _copier_answers: { _src_path: templateRoot, ...answers },
  };
  const sources: string[] = [];
  const segments: string[] = [];
  for (const entry of await readdir(path.join(templateRoot, "template"), {
    withFileTypes: true,
    recursive: true,
  })) {
    const relative = path.relative(
      path.join(templateRoot, "template"),
      path.join(entry.parentPath, entry.name),
    );
    for (const segment of relative.split(path.sep)) if (segment.includes("{")) segments.push(segment);
    if (entry.isFile() && entry.name.endsWith(".jinja"))
      sources.push(await readFile(path.join(entry.parentPath, entry.name), "utf8"));
  }
  const tags = sources.reduce((sum, text) => sum + (text.match(/\{\{|\{%/g)?.length ?? 0), 0);
  const outputs = sources.reduce((sum, text) => sum + (text.match(/\{\{/g)?.length ?? 0), 0);
  const timeMedian = (fn: () => void) => {
    const runs: number[] = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      fn();
      runs.push(performance.now() - started);
    }
    return percentile(runs, 50);
  };
  const rewrite = timeMedian(() => {
    for (const text of sources) rewriteTemplate(text);
  });
  const renderFiles = timeMedian(() => {
    for (const text of sources) env.render(text, context, "bench");
  });
  const renderPaths = timeMedian(() => {
    for (const segment of segments) env.render(segment, context, "bench");
  });
  const emptyRenders = timeMedian(() => {
    for (let i = 0; i < sources.length; i++) env.render("x", context, "bench");
  });
  const emptyNoContext = timeMedian(() => {
    for (let i = 0; i < sources.length; i++) env.render("x", {}, "bench");
  });
  const newEnvironment = timeMedian(() => {
    new JinjaEnvironment();
  });

  const copyMedian = percentile(copies, 50);
  const scaffoldMedian = percentile(scaffolds, 50);
  const ratio = scaffoldMedian / copyMedian;
  console.log(`\nScaffold benchmark (${new Date().toISOString()}, Node ${process.version})\n`);
  console.log(
    `template: ${source.files} files, ${(source.bytes / 1024).toFixed(0)} KiB (${counts.templates} .jinja, ` +
      `${counts.plain} plain incl. 6 binary, copier.yml); scaffold writes ${written} files; ${ROUNDS} rounds each, alternating\n`,
  );
  const rows = [
    ["", "median", "p90", ""],
    ["plain copy, fs.promises.cp (baseline)", ms(copyMedian), ms(percentile(copies, 90)), ""],
    [
      "scaffold (built-in Copier engine)",
      ms(scaffoldMedian),
      ms(percentile(scaffolds, 90)),
      `${ratio.toFixed(2)}× the copy (target ≤ ${TARGET}×): ${ratio <= TARGET ? "met" : "missed"}`,
    ],
  ];
  for (const [what = "", median = "", p90 = "", note = ""] of rows)
    console.log(`${what.padEnd(40)} ${median.padStart(9)} ${p90.padStart(9)}  ${note}`);

  const perFile = (n: number, count: number) => `${((n / count) * 1000).toFixed(0)} µs each`;
  console.log(`\nWhere the scaffold's time goes (medians of 7, outside the file system):`);
  const parts = [
    [
      `render ${sources.length} file templates (${tags} tags, ${outputs} outputs)`,
      ms(renderFiles),
      perFile(renderFiles, sources.length),
    ],
    ["  of which rewriteTemplate (syntax.ts)", ms(rewrite), perFile(rewrite, sources.length)],
    [
      `  of which the fixed cost of a render call ("x", same context)`,
      ms(emptyRenders),
      `${perFile(emptyRenders, sources.length)} (empty context: ${perFile(emptyNoContext, sources.length)})`,
    ],
    [
      `render ${segments.length} templated path segments`,
      ms(renderPaths),
      perFile(renderPaths, segments.length),
    ],
    ["new JinjaEnvironment (once per scaffold)", ms(newEnvironment), ""],
    [
      "the rest: fs, config, questions, staging and move",
      ms(scaffoldMedian - renderFiles - renderPaths - newEnvironment),
      `(copy: ${ms(copyMedian)})`,
    ],
  ];
  for (const [what = "", figure = "", note = ""] of parts)
    console.log(`  ${what.padEnd(62)} ${figure.padStart(9)}  ${note}`);

  console.log(`\nfs.promises calls of one more run each (count, awaited time; the copy overlaps some):`);
  for (const [what, profile] of [
    ["copy", copyFs],
    ["scaffold", scaffoldFs],
  ] as const) {
    console.log(
      `  ${what.padEnd(9)} ${profile.total} calls, ${(profile.total / source.files).toFixed(1)} per file of the template, ` +
        `in a ${ms(profile.elapsed)} run: ` +
        profile.calls.map(([name, entry]) => `${name} ${entry.calls} (${ms(entry.ms)})`).join(", "),
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
