/**
 * A project's profile: what its manifest declares, and for what it does not declare, the first
 * convention its files follow (conventions.ts), each decision with where it came from and the
 * alternatives left out noted, so that a person reading the timeline can correct it. A pure
 * function of the repository's view; reading the view from a checkout is checkout-view.ts.
 *
 *   profileOf({ files: ["Makefile", "tests/", "tests/test_app.py"], contents: { Makefile }, unread: [] })
 *   // test: make test (Makefile: target `test`), start: make run (Makefile: target `run`),
 *   // healthPath: /health (assumed), …
 */
import {
  DEFAULT_HEALTH_PATH,
  PROJECT_MANIFEST,
  type ProjectManifest,
  ProjectProfile,
} from "@codegen-orchestrator/shared";
import { type Candidate, detectConventions, type RepositoryView } from "./conventions.ts";
import { parseManifest } from "./manifest.ts";

export type { RepositoryView } from "./conventions.ts";

const ASSUMED_HEALTH = `assumed: ${DEFAULT_HEALTH_PATH}, as nothing declares a health path (set service.healthPath in ${PROJECT_MANIFEST})`;
const MAX_NOTES = 20;
const NOTE_CHARS = 500;

/** The project's profile. Throws a ManifestError for a manifest that is there but unusable. */
export function profileOf(view: RepositoryView): ProjectProfile {
  const manifestText = view.contents[PROJECT_MANIFEST];
  const manifest: ProjectManifest | null = manifestText === undefined ? null : parseManifest(manifestText);
  const found = detectConventions(view);
  const notes = [...view.unread, ...found.notes];
  const declaredTest = manifest?.test;
  const test = declaredTest
    ? { ...declaredTest, from: PROJECT_MANIFEST }
    : chosen(found.tests, "test", notes);
  const declaredStart = manifest?.service?.start;
  const start = declaredStart
    ? { command: declaredStart, from: PROJECT_MANIFEST }
    : chosen(found.starts, "start", notes);
  const declaredHealth = manifest?.service?.healthPath;
  return ProjectProfile.parse({
    manifest: manifest !== null,
    test: test && {
      ...(test.setup ? { setup: test.setup } : {}),
      command: test.command,
      docker: test.docker ?? false,
      from: test.from,
    },
    start: start && { command: start.command, from: start.from },
    healthPath: declaredHealth
      ? { path: declaredHealth, from: PROJECT_MANIFEST }
      : { path: DEFAULT_HEALTH_PATH, from: ASSUMED_HEALTH },
    startupSeconds: manifest?.service?.startupSeconds ?? null,
    migrate: migrateOf(manifest),
    compose: found.compose,
    notes: bounded(notes),
  });
}

/** The manifest's migrations; no convention stands for them (running a guess against data is not safe). */
function migrateOf(manifest: ProjectManifest | null): ProjectProfile["migrate"] {
  const declared = manifest?.service?.migrate;
  return declared
    ? { command: declared.command, service: declared.service ?? null, from: PROJECT_MANIFEST }
    : null;
}

/** The first candidate; the others are noted as found and left out. */
function chosen(candidates: Candidate[], what: string, notes: string[]): Candidate | null {
  const [first, ...others] = candidates;
  for (const other of others)
    notes.push(
      `also found a ${what} command, not used (the first convention wins): ${other.command.join(" ")} (${other.from})`,
    );
  return first ?? null;
}

function bounded(notes: string[]): string[] {
  const kept = notes
    .slice(0, MAX_NOTES)
    .map((note) => (note.length > NOTE_CHARS ? `${note.slice(0, NOTE_CHARS - 1)}…` : note));
  if (notes.length > MAX_NOTES) kept[MAX_NOTES - 1] = `… and ${notes.length - MAX_NOTES + 1} more notes`;
  return kept;
}
