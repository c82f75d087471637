/**
 * What an update needs to render of the old version: only what can render differently from the new
 * version. A file renders the same in both when its source is the same, every template it
 * includes or imports (in turn) is the same, and what it is rendered with is the same, which
 * leaves the files that:
 * - changed between the versions (`git diff`: content, mode or kind);
 * - name something that differs between the two renders by design (`_commit`, `_copier_conf`,
 *   `_copier_answers`, `_folder_name`) or a random value, in their text or their path;
 * - include or import a file of the above, or a name that is not a plain string;
 * and the whole tree when the settings or questions differ (rendered from the template's
 * configuration, they decide every path and answer). Everything else the two renders still plan
 * (paths rendered, excludes applied), and `sharedFiles` checks the plans line up and the answers
 * are the same before the new render is taken as the old one's for the files left out. When
 * nothing the old render includes or imports differs between the versions, it can load from the
 * new version's tree: both renders then share one renderer (one Jinja2 worker to start).
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { loadTemplateConfig, type Settings } from "./config.ts";
import { type Delimiters, delimitersOf } from "./jinja/syntax.ts";
import type { RenderedEntry } from "./tree.ts";
import type { CheckedOut } from "./update-source.ts";

/** Context values that differ between the two renders of an update whatever the answers. */
const PER_RENDER = ["_commit", "_copier_conf", "_copier_answers", "_folder_name"];
/** A tag that names one of them, or a random value, or dumps the context (MiniJinja's `debug()`). */
const NAMES_PER_RENDER = new RegExp(`\\b(?:${PER_RENDER.join("|")}|random|lipsum)\\b|\\bdebug\\s*\\(`);
/** A tag that includes, imports or extends; then what follows the keyword. */
const LOADS = /^[-+]?\s*(?:include|import|extends|from)\b([\s\S]*?)[-+]?$/;
/** What follows the keyword when the name is a plain string: the name, and what may come after it. */
const PLAIN_NAME =
  /^\s*(?:"([^"\\]*)"|'([^'\\]*)')(?:\s+(?:ignore\s+missing|with(?:out)?\s+context|as\s+[A-Za-z_]\w*|import\b[\s\S]*))*\s*$/;

export interface OldRender {
  /** The template's files (relative to its root) the old render writes. */
  sources: Set<string>;
  /**
   * Whether the old render can use the new version's renderer (one Jinja2 worker for both): all
   * it includes or imports is the same in both versions.
   */
  sharesRenderer: boolean;
}

/** What one file's tags (in its path and its text) do: name a per-render value, include or import. */
interface Scan {
  perRender: boolean;
  /** The names it includes or imports; null when one is not a plain string. */
  loads: string[] | null;
  /** Whether its path includes or imports. */
  pathLoads: boolean;
}

/**
 * What the old render must write and with which renderer; null: all of it, with its own (the
 * settings or questions differ, or the template has what this cannot follow: symbolic links,
 * line statements).
 */
export async function oldRenderOf(
  old: CheckedOut,
  updated: CheckedOut,
  changed: string[],
): Promise<OldRender | null> {
  const configs = [old.root, updated.root].map(renderedConfig);
  if (configs.includes(null) || !isDeepStrictEqual(configs[0], configs[1])) return null;
  const envops = configs[1]?.settings.envops ?? {};
  if (envops.line_statement_prefix) return null;
  const delimiters = delimitersOf(envops);
  const scan = (file: string, text: string): Scan => {
    const inPath = tagBodies(file, delimiters);
    const tags = [...inPath, ...tagBodies(text, delimiters)];
    return {
      perRender: tags.some((tag) => NAMES_PER_RENDER.test(tag)),
      loads: loadedNames(tags),
      pathLoads: inPath.some((tag) => LOADS.test(tag)),
    };
  };
  const [files, before] = await Promise.all([
    filesOf(updated.root),
    // The old versions of the changed files (those the old version has): what its render loads.
    Promise.all(changed.map(async (file) => [file, await oldScan(old.root, file, scan)] as const)),
  ]);
  if (files === null || before.some(([, scanned]) => scanned === "link")) return null;
  const oldScans = new Map<string, Scan>();
  for (const [file, scanned] of before)
    if (scanned !== null && scanned !== "link") oldScans.set(file, scanned);
  // Read: what renders as a template (the files with the suffix, and what is loaded, in turn);
  // of the rest only the path renders.
  const suffix = configs[1]?.settings.templates_suffix ?? ".jinja";
  const known = new Set(files);
  const scans = new Map<string, Scan>();
  const read = async (names: string[]): Promise<void> => {
    const next = [...new Set(names)].filter((name) => known.has(name) && !scans.has(name));
    for (const name of next) scans.set(name, scan(name, ""));
    await Promise.all(
      next.map(async (name) => {
        const scanned = scan(name, await readFile(path.join(updated.root, name), "utf8"));
        scans.set(name, scanned);
        await read(scanned.loads ?? []);
      }),
    );
  };
  const loadedByOld = [...oldScans.values()].flatMap((scanned) => scanned.loads ?? []);
  await read([...files.filter((file) => file.endsWith(suffix)), ...loadedByOld]);
  for (const file of files) if (!scans.has(file)) scans.set(file, scan(file, ""));
  // A file renders differently when what it loads does, and so on up; one that loads a name it
  // computes may load anything.
  const open = files.filter((file) => scans.get(file)?.loads === null);
  const sources = loadersOf(
    new Set([...changed, ...open, ...files.filter((file) => scans.get(file)?.perRender)]),
    scans,
  );
  // What reads a file that differs between the versions.
  const affected = loadersOf(new Set([...changed, ...open]), scans);
  const isChanged = new Set(changed);
  // The old render can load from the new version's tree when nothing it loads (in the settings,
  // in a path, in a file it renders, as the old version has it) reads a file that differs.
  const loadsAlike = (file: string) => {
    const scanned = isChanged.has(file) ? oldScans.get(file) : scans.get(file);
    // None: a file only the new version has, which the old render has not either.
    if (scanned === undefined) return true;
    return scanned.loads?.every((name) => !affected.has(name)) ?? false;
  };
  const sharesRenderer =
    !tagBodies(JSON.stringify(configs[1]), delimiters).some((tag) => LOADS.test(tag)) &&
    [...scans.values(), ...oldScans.values()].every((scanned) => !scanned.pathLoads) &&
    [...sources].every(loadsAlike);
  return { sources, sharesRenderer };
}

/** `files` and every file that loads one of them, in turn. */
function loadersOf(files: Set<string>, scans: Map<string, Scan>): Set<string> {
  for (let grew = true; grew; ) {
    grew = false;
    for (const [file, scanned] of scans) {
      if (files.has(file) || !scanned.loads?.some((name) => files.has(name))) continue;
      files.add(file);
      grew = true;
    }
  }
  return files;
}

/** The old version of a changed file, scanned; null when the old version has none, "link" for a symbolic link. */
async function oldScan(root: string, file: string, scan: (file: string, text: string) => Scan) {
  const info = await lstat(path.join(root, file)).catch(() => null);
  if (info === null || info.isDirectory()) return null;
  if (info.isSymbolicLink()) return "link";
  return scan(file, await readFile(path.join(root, file), "utf8"));
}

/** What a render is given of a template's configuration (not what only an update's stages read). */
function renderedConfig(root: string): { settings: Partial<Settings>; questions: unknown[] } | null {
  try {
    const { settings, questions } = loadTemplateConfig(root);
    const {
      migrations: _migrations,
      tasks: _tasks,
      message_before_update: _before,
      message_after_update: _after,
      ...rendered
    } = settings;
    return { settings: rendered, questions };
  } catch {
    // The render reports it.
    return null;
  }
}

/** Every file under `root` (relative, POSIX); null when there is a symbolic link. */
async function filesOf(root: string): Promise<string[] | null> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  if (entries.some((entry) => entry.isSymbolicLink())) return null;
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"));
}

/**
 * The insides of the `{{ }}` and `{% %}` tags of `text` (an end delimiter in a quoted string does
 * not end a tag, as Jinja lexes it); an unclosed tag runs to the end. Tags in comments and raw
 * blocks count too: that only renders more than needed.
 */
function tagBodies(text: string, delimiters: Delimiters): string[] {
  const kinds = [
    [delimiters.variableStart, delimiters.variableEnd],
    [delimiters.blockStart, delimiters.blockEnd],
  ] as const;
  const bodies: string[] = [];
  for (let pos = 0; ; ) {
    let at = -1;
    let kind: (typeof kinds)[number] = kinds[0];
    for (const candidate of kinds) {
      const found = text.indexOf(candidate[0], pos);
      if (found !== -1 && (at === -1 || found < at)) [at, kind] = [found, candidate];
    }
    if (at === -1) return bodies;
    const start = at + kind[0].length;
    const end = tagEnd(text, start, kind[1]);
    bodies.push(text.slice(start, end));
    pos = end + kind[1].length;
  }
}

/** Where the tag opened before `from` ends (`end` outside quotes), else the text's end. */
function tagEnd(text: string, from: number, end: string): number {
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (text.startsWith(end, i)) return i;
  }
  return text.length;
}

/** The names the tags include or import, as the loader finds them; null when one is not a plain string. */
function loadedNames(tags: string[]): string[] | null {
  const names: string[] = [];
  for (const tag of tags) {
    const loads = LOADS.exec(tag);
    if (!loads) continue;
    const plain = PLAIN_NAME.exec(loads[1] ?? "");
    if (!plain) return null;
    // Jinja's loader skips empty and `.` segments.
    names.push(path.posix.normalize(plain[1] ?? plain[2] ?? "").replace(/^(\.?\/)+/, ""));
  }
  return names;
}

export interface RenderPlan {
  entries: RenderedEntry[];
  context: Record<string, unknown>;
}

/**
 * The project files whose old render is the new render (both come from the same unchanged source,
 * rendered with the same answers), which the old render left out; null when the renders do not
 * line up that way (another source takes a path in one of them, an answer differs): the old
 * version must then be rendered whole.
 */
export function sharedFiles(old: RenderPlan, updated: RenderPlan, dirty: Set<string>): Set<string> | null {
  const answers = (plan: RenderPlan) =>
    Object.fromEntries(Object.entries(plan.context).filter(([key]) => !PER_RENDER.includes(key)));
  if (!isDeepStrictEqual(answers(old), answers(updated))) return null;
  const sources = (plan: RenderPlan) =>
    new Map(
      plan.entries.filter((entry) => entry.kind !== "directory").map((entry) => [entry.path, entry.source]),
    );
  const before = sources(old);
  const after = sources(updated);
  const shared = new Set<string>();
  for (const file of new Set([...before.keys(), ...after.keys()])) {
    const source = before.get(file);
    const same = (name: string | undefined) => name !== undefined && !dirty.has(name);
    if (!same(source) && !same(after.get(file))) continue; // Rendered on both sides (or absent).
    if (source !== after.get(file)) return null;
    shared.add(file);
  }
  return shared;
}
