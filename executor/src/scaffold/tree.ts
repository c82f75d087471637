/**
 * Renders a template's file tree into a directory: paths rendered segment by segment (a segment
 * that renders empty drops the entry and everything under it), files with the suffix rendered and
 * stripped of it, every other file copied byte for byte, modes kept, excludes matched gitignore
 * style against the rendered path.
 */
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
import type { JinjaEnvironment } from "./jinja/environment.ts";
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
  env: JinjaEnvironment;
  context: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface RenderedEntry {
  /** Path relative to the output root, POSIX separators. */
  path: string;
  kind: "directory" | "file" | "symlink";
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

async function* walk(
  dir: string,
  relative: string,
): AsyncGenerator<{ absolute: string; relative: string; isDirectory: boolean; siblings: Set<string> }> {
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

export async function renderTree(outputRoot: string, options: TreeOptions): Promise<RenderedEntry[]> {
  const { env, context, suffix } = options;
  const excluded = ignore().add(options.excludePatterns);
  const hasTags = (text: string) =>
    text.includes(options.delimiters.variableStart) ||
    text.includes(options.delimiters.blockStart) ||
    text.includes(options.delimiters.commentStart);
  const origin = (relative: string) =>
    path.relative(options.templateRoot, path.join(options.copyRoot, relative));
  const written: RenderedEntry[] = [];
  const seen = new Set<string>();
  const made = new Set<string>([outputRoot]);
  const umask = process.umask();

  for await (const entry of walk(options.copyRoot, "")) {
    options.signal?.throwIfAborted();
    const name = path.posix.basename(entry.relative);
    const isTemplate = suffix !== "" && name.endsWith(suffix);
    // A templated twin wins: README.md is ignored when README.md.jinja exists.
    if (suffix !== "" && !isTemplate && entry.siblings.has(`${name}${suffix}`)) continue;
    const stripped = isTemplate ? entry.relative.slice(0, -suffix.length) : entry.relative;
    const segments: string[] = [];
    for (const segment of stripped.split("/")) {
      segments.push(
        hasTags(segment) ? env.render(segment, context, `${origin(entry.relative)} (path)`) : segment,
      );
    }
    if (segments.some((segment) => segment === "")) continue;
    const target = path.posix.normalize(segments.join("/"));
    if (target.startsWith("../") || target === ".." || path.posix.isAbsolute(target)) {
      throw new ScaffoldError("template_error", `path renders outside the project: ${target}`, {
        file: origin(entry.relative),
      });
    }
    if (excluded.ignores(entry.isDirectory ? `${target}/` : target)) continue;
    if (seen.has(target)) continue;
    seen.add(target);
    const destination = path.join(outputRoot, target);
    const info = await lstat(entry.absolute);
    if (info.isSymbolicLink() && options.preserveSymlinks) {
      await mkdir(path.dirname(destination), { recursive: true });
      const linkTarget = await readlink(entry.absolute);
      await symlink(
        isTemplate ? env.render(linkTarget, context, origin(entry.relative)) : linkTarget,
        destination,
      );
      written.push({ path: target, kind: "symlink" });
      continue;
    }
    if (entry.isDirectory) {
      await mkdir(destination, { recursive: true });
      made.add(destination);
      written.push({ path: target, kind: "directory" });
      continue;
    }
    const parent = path.dirname(destination);
    if (!made.has(parent)) {
      await mkdir(parent, { recursive: true });
      made.add(parent);
    }
    if (suffix !== "" && !isTemplate) {
      await copyFile(entry.absolute, destination);
    } else {
      const bytes = await readFile(entry.absolute);
      let source: string | null;
      try {
        source = fatalUtf8.decode(bytes);
      } catch {
        // With an empty suffix every file is a template, but binary ones are copied as they are.
        if (isTemplate)
          throw new ScaffoldError("template_error", "a template must be UTF-8 text", {
            file: origin(entry.relative),
          });
        source = null;
      }
      if (source === null) await writeFile(destination, bytes);
      else if (!hasTags(source))
        await writeFile(destination, options.keepTrailingNewline ? source : source.replace(/\n$/, ""));
      else await writeFile(destination, env.render(source, context, origin(entry.relative)));
    }
    // copyFile keeps the mode; a written file has 0o666 & ~umask.
    // A followed symlink takes its target's mode.
    const mode = (info.isSymbolicLink() ? await stat(entry.absolute) : info).mode & 0o7777;
    if (!(suffix !== "" && !isTemplate) && mode !== (0o666 & ~umask)) await chmod(destination, mode);
    written.push({ path: target, kind: "file" });
  }
  return written;
}
