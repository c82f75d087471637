/**
 * The project's manifest (`orchestrator.json` at its repository's root): read and checked against
 * the protocol's schema, with errors that say what to write, since the Developer reads them.
 */
import { constants } from "node:fs";
import { lstat, open } from "node:fs/promises";
import path from "node:path";
import { PROJECT_MANIFEST, ProjectManifest } from "@codegen-orchestrator/shared";

const MAX_MANIFEST_BYTES = 64 * 1024;

/** What a manifest looks like, for the errors. */
export const MANIFEST_EXAMPLE = `{ "test": { "setup": ["npm", "ci"], "command": ["npm", "test"] } } ("setup" is optional)`;

/** A manifest that is missing or unusable; the message says what to write. */
export class ManifestError extends Error {
  override name = "ManifestError";
}

/**
 * The manifest at `checkout`'s root; null when there is none. Throws a ManifestError when it is
 * unusable. A symlink is not followed: the daemon reads it, maybe as root, and the error quotes it.
 */
export async function readManifest(checkout: string): Promise<ProjectManifest | null> {
  const file = path.join(checkout, PROJECT_MANIFEST);
  const info = await lstat(file).catch(() => null);
  if (info === null) return null;
  const expected = `; expected ${MANIFEST_EXAMPLE}`;
  if (!info.isFile()) throw new ManifestError(`${PROJECT_MANIFEST} is not a file${expected}`);
  if (info.size > MAX_MANIFEST_BYTES)
    throw new ManifestError(`${PROJECT_MANIFEST} is larger than ${MAX_MANIFEST_BYTES} bytes${expected}`);
  let json: unknown;
  try {
    json = JSON.parse(await readNoFollow(file));
  } catch (error) {
    throw new ManifestError(`${PROJECT_MANIFEST} is not valid JSON (${(error as Error).message})${expected}`);
  }
  const parsed = ProjectManifest.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join(".") || "(the top level)"}: ${issue.message}`);
    throw new ManifestError(`${PROJECT_MANIFEST} does not fit: ${issues.join("; ")}${expected}`);
  }
  return parsed.data;
}

/** The error for a checkout without a manifest, when the job gave no command either. */
export const MISSING_MANIFEST = `the repository has no ${PROJECT_MANIFEST} at its root, which says how to run its tests: add one like ${MANIFEST_EXAMPLE}, or give the job a command`;

async function readNoFollow(file: string): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}
