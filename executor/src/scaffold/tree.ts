/**
 * Renders a template's file tree into a directory: paths rendered segment by segment (a segment
 * that renders empty drops the entry and everything under it), files with the suffix rendered and
 * stripped of it, every other file copied byte for byte, modes kept, excludes matched gitignore
 * style against the rendered path.
 */

import type { Stats } from "node:fs";
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import ignore from "ignore";
import { ScaffoldError } from "./errors.ts";
import { mapInOrder } from "./in-order.ts";
import type { TemplateRenderer } from "./jinja/renderer.ts";
import type { Delimiters } from "./jinja/syntax.ts";

export interface TreeOptions {
  /** The directory whose contents become the project (template root + `_subdirectory`). */
  copyRoot: string;
  /** For error messages: paths are named relative to the template root. */
  templateRoot: string;
  suffix: string;
  excludePatterns: string[];
  preserveSymlinks: boolean;
  keepTrailingNewline: boolean;
  delimiters: Delimiters;
  env: TemplateRenderer;
  context: Record<string, unknown>;
  signal?: AbortSignal;
  /**
   * Which entries are written, by their source (relative to the template root); the rest are
   * still planned (path rendered, excluded, deduplicated), so that the plan is the whole tree's.
   * Default: all.
   */
  only?: (source: string) => boolean;
}

export interface RenderedEntry {
  /** Path relative to the output root, POSIX separators. */
  path: string;
  kind: "directory" | "file" | "symlink";
  /** The template file or directory it comes from, relative to the template root (POSIX). */
  source?: string;
  /** Planned, not written (`only` left it out); its kind is then the walk's (a link as what it leads to). */
  skipped?: true;
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A file or directory of the template, found by `walk`. */
interface TemplateEntry {
  absolute: string;
  /** Relative to the copy root, POSIX separators. */
  relative: string;
  isDirectory: boolean;
  /** The names in its directory. */
  siblings: Set<string>;
}

async function* walk(dir: string, relative: string): AsyncGenerator<TemplateEntry> {
  const entries = await readdir(dir, { withFileTypes: true });
  const siblings = new Set(entries.map((e) => e.name));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const absolute = path.join(dir, entry.name);
    const rel = relative ? `${relative}/${entry.name}` : entry.name;
    const isDirectory =
      entry.isDirectory() ||
      (entry.isSymbolicLink() &&
        (await stat(absolute).then(
          (s) => s.isDirectory(),
          () => false,
        )));
    yield { absolute, relative: rel, isDirectory, siblings };
    if (isDirectory) yield* walk(absolute, rel);
  }
}

/** Renders and file writes in flight at once: the Jinja2 worker's round trips and the fs overlap. */
const IN_FLIGHT = 16;

export async function renderTree(outputRoot: string, options: TreeOptions): Promise<RenderedEntry[]> {
  const excluded = ignore().add(options.excludePatterns);
  const tree = treeWriter(outputRoot, options);
  const entries: TemplateEntry[] = [];
  for await (const entry of walk(options.copyRoot, "")) entries.push(entry);
  const paths = await mapInOrder(entries, IN_FLIGHT, (entry) => {
    options.signal?.throwIfAborted();
    return renderedPath(tree, entry);
  });
  // In the walk's order: the first entry that renders to a path is the one written there.
  const planned: { entry: TemplateEntry; target: string; isTemplate: boolean }[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const rendered = paths[index];
    if (!rendered) return;
    if (excluded.ignores(entry.isDirectory ? `${rendered.target}/` : rendered.target)) return;
    if (seen.has(rendered.target)) return;
    seen.add(rendered.target);
    planned.push({ entry, ...rendered });
  });
  return await mapInOrder(
    planned,
    IN_FLIGHT,
    async ({ entry, target, isTemplate }): Promise<RenderedEntry> => {
      options.signal?.throwIfAborted();
      const source = tree.origin(entry.relative).split(path.sep).join("/");
      if (options.only && !options.only(source))
        return { path: target, kind: entry.isDirectory ? "directory" : "file", source, skipped: true };
      return { path: target, kind: await writeEntry(tree, entry, target, isTemplate), source };
    },
  );
}

/** One rendering of a tree: its options, where it goes, and what it has made there. */
interface TreeWriter {
  outputRoot: string;
  options: TreeOptions;
  /** Whether a text has any of the template's tags (without, it is not rendered). */
  hasTags: (text: string) => boolean;
  /** For error messages: a path of the copy root, relative to the template root. */
  origin: (relative: string) => string;
  /** The directories known to exist. */
  made: Set<string>;
  umask: number;
}

function treeWriter(outputRoot: string, options: TreeOptions): TreeWriter {
  return {
    outputRoot,
    options,
    hasTags: (text) =>
      text.includes(options.delimiters.variableStart) ||
      text.includes(options.delimiters.blockStart) ||
      text.includes(options.delimiters.commentStart),
    origin: (relative) => path.relative(options.templateRoot, path.join(options.copyRoot, relative)),
    made: new Set<string>([outputRoot]),
    umask: process.umask(),
  };
}

/**
 * The entry's path in the project (suffix stripped, segments rendered); null when it has none: a
 * templated twin exists, or a segment renders empty.
 */
async function renderedPath(
  tree: TreeWriter,
  entry: TemplateEntry,
): Promise<{ target: string; isTemplate: boolean } | null> {
  const { env, context, suffix } = tree.options;
  const name = path.posix.basename(entry.relative);
  const isTemplate = suffix !== "" && name.endsWith(suffix);
  // A templated twin wins: README.md is ignored when README.md.jinja exists.
  if (suffix !== "" && !isTemplate && entry.siblings.has(`${name}${suffix}`)) return null;
  const stripped = isTemplate ? entry.relative.slice(0, -suffix.length) : entry.relative;
  const segments: string[] = [];
  for (const segment of stripped.split("/")) {
    segments.push(
      tree.hasTags(segment)
        ? await env.render(segment, context, `${tree.origin(entry.relative)} (path)`)
        : segment,
    );
  }
  if (segments.some((segment) => segment === "")) return null;
  const target = path.posix.normalize(segments.join("/"));
  if (target.startsWith("../") || target === ".." || path.posix.isAbsolute(target)) {
    throw new ScaffoldError("template_error", `path renders outside the project: ${target}`, {
      file: tree.origin(entry.relative),
    });
  }
  return { target, isTemplate };
}

/** Writes the entry at `target`: a preserved symlink, a directory or a file; says which it wrote. */
async function writeEntry(
  tree: TreeWriter,
  entry: TemplateEntry,
  target: string,
  isTemplate: boolean,
): Promise<RenderedEntry["kind"]> {
  const destination = path.join(tree.outputRoot, target);
  const info = await lstat(entry.absolute);
  if (info.isSymbolicLink() && tree.options.preserveSymlinks) {
    await writeSymlink(tree, entry, destination, isTemplate);
    return "symlink";
  }
  if (entry.isDirectory) {
    await mkdir(destination, { recursive: true });
    tree.made.add(destination);
    return "directory";
  }
  await writeProjectFile(tree, entry, destination, { isTemplate, info });
  return "file";
}

/** The symlink as it is, its target rendered when it is a template. */
async function writeSymlink(
  tree: TreeWriter,
  entry: TemplateEntry,
  destination: string,
  isTemplate: boolean,
) {
  const { env, context } = tree.options;
  await mkdir(path.dirname(destination), { recursive: true });
  const linkTarget = await readlink(entry.absolute);
  await symlink(
    isTemplate ? await env.render(linkTarget, context, tree.origin(entry.relative)) : linkTarget,
    destination,
  );
}

/** A file copied (a plain file beside templates) or written, with its mode. */
async function writeProjectFile(
  tree: TreeWriter,
  entry: TemplateEntry,
  destination: string,
  source: { isTemplate: boolean; info: Stats },
) {
  const copied = tree.options.suffix !== "" && !source.isTemplate;
  const parent = path.dirname(destination);
  if (!tree.made.has(parent)) {
    await mkdir(parent, { recursive: true });
    tree.made.add(parent);
  }
  if (copied) {
    await copyFile(entry.absolute, destination);
  } else {
    await writeRendered(tree, entry, destination, source.isTemplate);
  }
  // copyFile keeps the mode; a written file has 0o666 & ~umask.
  // A followed symlink takes its target's mode.
  const mode = (source.info.isSymbolicLink() ? await stat(entry.absolute) : source.info).mode & 0o7777;
  if (!copied && mode !== (0o666 & ~tree.umask)) await chmod(destination, mode);
}

/** The file rendered when it has tags, else as it is; a binary one copied byte for byte. */
async function writeRendered(
  tree: TreeWriter,
  entry: TemplateEntry,
  destination: string,
  isTemplate: boolean,
) {
  const { env, context, keepTrailingNewline } = tree.options;
  const bytes = await readFile(entry.absolute);
  let source: string | null;
  try {
    source = fatalUtf8.decode(bytes);
  } catch {
    // With an empty suffix every file is a template, but binary ones are copied as they are.
    if (isTemplate)
      throw new ScaffoldError("template_error", "a template must be UTF-8 text", {
        file: tree.origin(entry.relative),
      });
    source = null;
  }
  if (source === null) await writeFile(destination, bytes);
  else if (!tree.hasTags(source))
    await writeFile(destination, keepTrailingNewline ? source : source.replace(/\n$/, ""));
  else await writeFile(destination, await env.render(source, context, tree.origin(entry.relative)));
}
