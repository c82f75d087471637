/**
 * The project's manifest (`orchestrator.json` at its repository's root), checked against the
 * protocol's schema, with errors that say what to write, since the Developer reads them.
 */
import { PROJECT_MANIFEST, ProjectManifest, readManifestText } from "@codegen-orchestrator/shared";

/** The largest manifest read. */
export const MAX_MANIFEST_BYTES = 64 * 1024;

/** What a manifest looks like, for the errors. */
export const MANIFEST_EXAMPLE = `{ "test": { "setup": ["npm", "ci"], "command": ["npm", "test"] }, "service": { "start": ["npm", "start"], "healthPath": "/health" } } (every part optional)`;

/** A manifest that is there but unusable; the message says what to write. */
export class ManifestError extends Error {
  override name = "ManifestError";
}

/** Says what is wrong with the manifest, and what one looks like. */
export const manifestError = (problem: string) =>
  new ManifestError(`${PROJECT_MANIFEST} ${problem}; expected ${MANIFEST_EXAMPLE}`);

/** The manifest in `text`. Throws a ManifestError when it is not JSON or does not fit the schema. */
export function parseManifest(text: string): ProjectManifest {
  const read = readManifestText(text, ProjectManifest);
  if ("problem" in read) throw manifestError(read.problem);
  return read.manifest;
}
