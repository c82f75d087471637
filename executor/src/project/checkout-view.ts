/**
 * A checkout as the profile sees it (profile.ts): its paths two levels deep and the text of the
 * manifest and the convention files at its root. The checkout is untrusted: nothing is followed
 * through a symlink (the daemon reads it, maybe as root), every read is bounded, and a file that
 * cannot be read as text is noted rather than guessed at; only an unusable manifest is an error.
 *
 *   const profile = await profileOfCheckout(path.join(workdir, "repo"));
 */
import { constants } from "node:fs";
import { lstat, open, readdir } from "node:fs/promises";
import path from "node:path";
import { type CatalogManifest, PROJECT_MANIFEST, type ProjectProfile } from "@codegen-orchestrator/shared";
import { readAtMost } from "../files/bounded-read.ts";
import { CONVENTION_FILES, type RepositoryView } from "./conventions.ts";
import { MAX_MANIFEST_BYTES, manifestError } from "./manifest.ts";
import { profileOf } from "./profile.ts";

/** The largest convention file read (a Makefile, a compose file): larger ones are noted, not read. */
const MAX_CONVENTION_BYTES = 256 * 1024;
/** The most paths listed: enough for any root and its directories' first level. */
const MAX_PATHS = 5000;
/** Directories whose contents say nothing about how the project is run, and may be huge. */
const SKIPPED_DIRS = new Set([".git", "node_modules"]);

/**
 * The profile of the checkout at `root`, with the template catalog's manifest for a repository
 * without one. Throws a ManifestError for an unusable manifest.
 */
export async function profileOfCheckout(root: string, catalog?: CatalogManifest): Promise<ProjectProfile> {
  return profileOf(await viewCheckout(root), catalog);
}

export async function viewCheckout(root: string): Promise<RepositoryView> {
  const unread: string[] = [];
  const contents: Record<string, string> = {};
  const manifest = await readText(root, PROJECT_MANIFEST, MAX_MANIFEST_BYTES);
  if (typeof manifest === "string") contents[PROJECT_MANIFEST] = manifest;
  else if (manifest) throw manifestError(manifest.problem);
  for (const name of CONVENTION_FILES) {
    const text = await readText(root, name, MAX_CONVENTION_BYTES);
    if (typeof text === "string") contents[name] = text;
    else if (text) unread.push(`${name}: ${text.problem}: not read`);
  }
  return { files: await listPaths(root), contents, unread };
}

/** The root's entries and their directories' entries (directories end in `/`), symlinks not followed. */
async function listPaths(root: string): Promise<string[]> {
  const paths: string[] = [];
  const top = await readdir(root, { withFileTypes: true });
  for (const entry of top) {
    if (paths.length >= MAX_PATHS) break;
    if (!entry.isDirectory()) {
      paths.push(entry.name);
      continue;
    }
    paths.push(`${entry.name}/`);
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const inner = await readdir(path.join(root, entry.name), { withFileTypes: true }).catch(() => []);
    for (const child of inner.slice(0, MAX_PATHS - paths.length))
      paths.push(`${entry.name}/${child.name}${child.isDirectory() ? "/" : ""}`);
  }
  return paths.sort();
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A regular file's text; null when there is nothing at the path; what is wrong with it otherwise
 * (a symlink, a directory, too large, binary, not UTF-8).
 */
async function readText(
  root: string,
  name: string,
  maxBytes: number,
): Promise<string | { problem: string } | null> {
  const file = path.join(root, name);
  const info = await lstat(file).catch(() => null);
  if (info === null) return null;
  if (!info.isFile()) return { problem: info.isSymbolicLink() ? "is a symlink" : "is not a file" };
  if (info.size > maxBytes) return { problem: `is larger than ${maxBytes} bytes` };
  // O_NOFOLLOW: a symlink swapped in since the lstat is refused, not followed.
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () => null,
  );
  if (!handle) return { problem: "cannot be opened" };
  try {
    const content = await readAtMost(handle, maxBytes);
    if (content === null) return { problem: `is larger than ${maxBytes} bytes` };
    if (content.includes(0)) return { problem: "is binary (it contains a NUL byte)" };
    return utf8.decode(content).replace(/^\uFEFF/, "");
  } catch {
    return { problem: "is not UTF-8 text" };
  } finally {
    await handle.close();
  }
}
