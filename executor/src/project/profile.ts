/**
 * A project's profile: what its manifest declares, and for what it does not declare, the first
 * convention its files follow (conventions.ts), each decision with where it came from and the
 * alternatives left out noted, so that a person reading the timeline can correct it. The manifest
 * is the repository's own (`orchestrator.json`), which wins as a whole; without one, the template
 * catalog's (`catalog`, given by the job), its declarations recorded as coming from it. A pure
 * function of the repository's view; reading the view from a checkout is checkout-view.ts.
 *
 *   profileOf({ files: ["Makefile", "tests/", "tests/test_app.py"], contents: { Makefile }, unread: [] })
 *   // test: make test (Makefile: target `test`), start: make run (Makefile: target `run`),
 *   // healthPath: /health (assumed), …
 */
import {
  type CatalogManifest,
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

/** The manifest the profile goes by, and the words its decisions are recorded with. */
interface Declared {
  manifest: ProjectManifest;
  from: string;
}

/**
 * The project's profile; `catalog` is the template catalog's manifest, for a repository without
 * one. Throws a ManifestError for a repository manifest that is there but unusable.
 */
export function profileOf(view: RepositoryView, catalog?: CatalogManifest): ProjectProfile {
  const manifestText = view.contents[PROJECT_MANIFEST];
  const own = manifestText === undefined ? null : parseManifest(manifestText);
  const found = detectConventions(view);
  const notes = [...view.unread, ...found.notes];
  if (own && catalog)
    notes.unshift(`${catalog.from}: not used, as the repository has its own ${PROJECT_MANIFEST}`);
  const declared = declaredBy(own, catalog);
  const manifest = declared?.manifest;
  // Read only where the manifest declares something, so there is a manifest to name.
  const from = declared?.from ?? PROJECT_MANIFEST;
  const declaredTest = manifest?.test;
  const test = declaredTest ? { ...declaredTest, from } : chosen(found.tests, "test", notes);
  const declaredStart = manifest?.service?.start;
  const start = declaredStart ? { command: declaredStart, from } : chosen(found.starts, "start", notes);
  const declaredHealth = manifest?.service?.healthPath;
  return ProjectProfile.parse({
    manifest: own !== null,
    test: test && {
      ...(test.setup ? { setup: test.setup } : {}),
      command: test.command,
      docker: test.docker ?? false,
      from: test.from,
    },
    start: start && { command: start.command, from: start.from },
    healthPath: declaredHealth
      ? { path: declaredHealth, from }
      : { path: DEFAULT_HEALTH_PATH, from: ASSUMED_HEALTH },
    startupSeconds: manifest?.service?.startupSeconds ?? null,
    migrate: migrateOf(declared),
    ...(manifest?.service?.telegramBots?.length ? { telegramBots: manifest.service.telegramBots } : {}),
    compose: found.compose,
    notes: bounded(notes),
  });
}

/** The repository's manifest, as a whole; else the catalog's; else none. */
function declaredBy(own: ProjectManifest | null, catalog: CatalogManifest | undefined): Declared | null {
  if (own) return { manifest: own, from: PROJECT_MANIFEST };
  return catalog ? { manifest: catalog.declares, from: catalog.from } : null;
}

/** The manifest's migrations; no convention stands for them (running a guess against data is not safe). */
function migrateOf(declared: Declared | null): ProjectProfile["migrate"] {
  const migrate = declared?.manifest.service?.migrate;
  return migrate ? { command: migrate.command, service: migrate.service ?? null, from: declared.from } : null;
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
