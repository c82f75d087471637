/**
 * A manifest from outside the repository: the one the template catalog keeps for a template (a
 * third-party template whose projects carry no `orchestrator.json`). The edge puts it in the jobs
 * that make a project's profile (the `git` job's `profile` step, the `test` job) with the words
 * the profile's decisions say they came from. The repository's own manifest still wins as a whole;
 * without one, these declarations come before the conventions (executor/src/project/profile.ts).
 *
 *   { from: "the template catalog's manifest (compose-notes)", declares: { test: { command: ["make", "check"] } } }
 */
import { z } from "zod";
import { ProjectManifest } from "./project-manifest.ts";

/** The most a catalog manifest may take, as JSON text: it travels in job specs and catalog rows. */
export const CATALOG_MANIFEST_CHARS = 16_384;

/** A `ProjectManifest` small enough for the catalog and the job specs. */
export const BoundedManifest = ProjectManifest.refine(
  (manifest) => JSON.stringify(manifest).length <= CATALOG_MANIFEST_CHARS,
  `at most ${CATALOG_MANIFEST_CHARS} characters as JSON`,
);

/** A manifest a job is given, and where its declarations come from as the profile says it. */
export const CatalogManifest = z.strictObject({
  /** The decisions' `from` for what it declares, e.g. "the template catalog's manifest (compose-notes)". */
  from: z.string().min(1).max(200),
  declares: BoundedManifest,
});
export type CatalogManifest = z.infer<typeof CatalogManifest>;

/**
 * A manifest's JSON text read against `schema`: the manifest, or what is wrong with it, said after
 * the manifest's name ("is not valid JSON (…)", "does not fit: service.healthPath: a URL path").
 */
export function readManifestText<T>(
  text: string,
  schema: z.ZodType<T>,
): { manifest: T } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `is not valid JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { manifest: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(the top level)"}: ${issue.message}`);
  return { problem: `does not fit: ${issues.join("; ")}` };
}

/** The words a decision taken from the catalog's manifest of template `name` is recorded with. */
export const catalogManifestFrom = (name: string) => `the template catalog's manifest (${name})`;
