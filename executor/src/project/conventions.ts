/**
 * The conventions a repository follows, for a project whose manifest does not say how to test or
 * start it: a pure reading of its file list and a few of its files (all untrusted, all bounded
 * by the caller). Each ecosystem proposes candidates in the order they are tried, each with where
 * it came from; the profile (profile.ts) takes the first and notes the rest.
 *
 *   Makefile (`test`; `start`, `run`, `up`) → package.json scripts (`npm test`, `npm start`)
 *     → pytest (pytest.ini, pyproject.toml, setup.cfg) → unittest (tests/test_*.py)
 *   compose file whose services declare healthchecks → the project can deploy with Compose
 */
import type { ProjectProfile } from "@codegen-orchestrator/shared";
import { parseDocument } from "yaml";
import { z } from "zod";
import { makeRecipe, makeTargets } from "./makefile.ts";

/** The names GNU make looks for, in its order. */
export const MAKEFILES = ["GNUmakefile", "makefile", "Makefile"] as const;
/** The names Docker Compose looks for, in its order. */
export const COMPOSE_FILES = [
  "compose.yaml",
  "compose.yml",
  "docker-compose.yaml",
  "docker-compose.yml",
] as const;
/** The files whose text the detection reads (when they are there). */
export const CONVENTION_FILES = [
  ...MAKEFILES,
  "package.json",
  "pyproject.toml",
  "pytest.ini",
  "setup.cfg",
  ...COMPOSE_FILES,
] as const;

/** What a repository is seen as: its paths (directories end in `/`) and the convention files' text. */
export interface RepositoryView {
  /** Paths relative to the root, at most two levels deep (`tests/test_app.py`). */
  files: readonly string[];
  /** The text of the files of CONVENTION_FILES (and the manifest) that are there and were read. */
  contents: Readonly<Record<string, string>>;
  /** Files that are there but were not read, and why ("Makefile: larger than 256 KiB"). */
  unread: readonly string[];
}

/** A command a convention proposes. */
export interface Candidate {
  command: string[];
  setup?: string[];
  /** The command calls Docker (its recipe or script names docker or compose). */
  docker?: boolean;
  from: string;
}

/** A recipe or script that runs Docker (directly, through Compose, or a variable named so). */
const CALLS_DOCKER = /\b(docker|compose|podman)\b/i;

export interface Conventions {
  tests: Candidate[];
  starts: Candidate[];
  compose: ProjectProfile["compose"];
  notes: string[];
}

export function detectConventions(view: RepositoryView): Conventions {
  const notes: string[] = [];
  const make = makefileCandidates(view, notes);
  const npm = packageCandidates(view, notes);
  return {
    tests: [...make.tests, ...npm.tests, ...pythonTests(view)],
    starts: [...make.starts, ...npm.starts],
    compose: composeDeploy(view, notes),
    notes,
  };
}

/** The targets a start command is looked for in, in order: `up` last, as it often starts Compose. */
const START_TARGETS = ["start", "run", "up"];

function makefileCandidates(view: RepositoryView, notes: string[]) {
  const file = MAKEFILES.find((name) => view.contents[name] !== undefined);
  if (!file) return { tests: [], starts: [] };
  const text = view.contents[file] ?? "";
  const targets = makeTargets(text);
  const target = (name: string): Candidate => ({
    command: ["make", name],
    from: `${file}: target \`${name}\``,
  });
  const docker = CALLS_DOCKER.test(makeRecipe(text, "test"));
  const tests = targets.has("test")
    ? [
        {
          ...target("test"),
          ...(docker ? { docker, from: `${file}: target \`test\` (it calls Docker)` } : {}),
        },
      ]
    : [];
  const starts = START_TARGETS.filter((name) => targets.has(name)).map(target);
  if (tests.length + starts.length === 0)
    notes.push(`${file}: no \`test\`, \`start\`, \`run\` or \`up\` target`);
  return { tests, starts };
}

const PackageJson = z.object({
  scripts: z.record(z.string(), z.string()).optional(),
  dependencies: z.record(z.string(), z.unknown()).optional(),
  devDependencies: z.record(z.string(), z.unknown()).optional(),
});

/** What `npm init` writes as the test script: no tests at all. */
const NPM_PLACEHOLDER_TEST = /no test specified/;

function packageCandidates(view: RepositoryView, notes: string[]) {
  const text = view.contents["package.json"];
  if (text === undefined) return { tests: [], starts: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    notes.push(`package.json: not valid JSON (${(error as Error).message}): not used`);
    return { tests: [], starts: [] };
  }
  const parsed = PackageJson.safeParse(json);
  if (!parsed.success) {
    notes.push("package.json: its scripts or dependencies are not mappings of names: not used");
    return { tests: [], starts: [] };
  }
  const { scripts = {}, dependencies = {}, devDependencies = {} } = parsed.data;
  const tests: Candidate[] = [];
  if (scripts.test && NPM_PLACEHOLDER_TEST.test(scripts.test))
    notes.push('package.json: scripts.test is npm\'s placeholder ("no test specified"): not used');
  else if (scripts.test) {
    const installs = Object.keys(dependencies).length + Object.keys(devDependencies).length > 0;
    const locked = view.files.includes("package-lock.json") || view.files.includes("npm-shrinkwrap.json");
    const setup = installs ? { setup: ["npm", locked ? "ci" : "install"] } : {};
    const docker = CALLS_DOCKER.test(scripts.test);
    tests.push({
      command: ["npm", "test"],
      ...setup,
      ...(docker ? { docker } : {}),
      from: `package.json: scripts.test${docker ? " (it calls Docker)" : ""}`,
    });
  }
  const start: Candidate = scripts.start
    ? { command: ["npm", "start"], from: "package.json: scripts.start" }
    : {
        command: ["npm", "start"],
        from: "package.json: npm start (its default, as no start command is declared)",
      };
  return { tests, starts: [start] };
}

function pythonTests(view: RepositoryView): Candidate[] {
  const candidates: Candidate[] = [];
  const pytest = pytestConfiguration(view);
  if (pytest) candidates.push({ command: ["python3", "-m", "pytest"], from: `${pytest} (pytest)` });
  const dir = ["tests", "test"].find((name) =>
    view.files.some((file) => new RegExp(`^${name}/test_[^/]*\\.py$`).test(file)),
  );
  if (dir)
    candidates.push({
      command: ["python3", "-m", "unittest", "discover", "--start-directory", dir, "--verbose"],
      from: `${dir}/test_*.py (unittest)`,
    });
  return candidates;
}

/** Where pytest is configured or required, when it is. */
function pytestConfiguration(view: RepositoryView): string | null {
  const pyproject = view.contents["pyproject.toml"] ?? "";
  if (view.files.includes("pytest.ini")) return "pytest.ini";
  if (/^\s*\[tool\.pytest(\.ini_options)?\]/m.test(pyproject))
    return "pyproject.toml: [tool.pytest.ini_options]";
  if (/^\s*\[tool:pytest\]/m.test(view.contents["setup.cfg"] ?? "")) return "setup.cfg: [tool:pytest]";
  if (/["']pytest\b/.test(pyproject)) return "pyproject.toml: pytest among its requirements";
  return null;
}

const ComposeFile = z.object({
  services: z.record(
    z.string(),
    z
      .object({
        healthcheck: z.object({ test: z.unknown().optional(), disable: z.boolean().optional() }).nullish(),
      })
      .nullable(),
  ),
});

/** The compose file, when its services declare healthchecks (Compose can then tell a healthy deploy). */
function composeDeploy(view: RepositoryView, notes: string[]): ProjectProfile["compose"] {
  const file = COMPOSE_FILES.find((name) => view.contents[name] !== undefined);
  if (!file) return null;
  let json: unknown;
  try {
    const document = parseDocument(view.contents[file] ?? "", { uniqueKeys: false });
    if (document.errors.length > 0) throw new Error(document.errors[0]?.message.split("\n")[0]);
    // Bounded alias expansion: a few lines of anchors must not become gigabytes.
    json = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    notes.push(`${file}: not valid YAML (${(error as Error).message}): not used`);
    return null;
  }
  const parsed = ComposeFile.safeParse(json);
  if (!parsed.success) {
    notes.push(`${file}: no \`services\` mapping of service definitions: not used`);
    return null;
  }
  const healthchecked = Object.entries(parsed.data.services)
    .filter(([, service]) => {
      const check = service?.healthcheck;
      return check && check.disable !== true && JSON.stringify(check.test) !== '["NONE"]';
    })
    .map(([name]) => name.slice(0, 200))
    .slice(0, 50);
  if (healthchecked.length === 0) {
    notes.push(`${file}: no service declares a healthcheck: not chosen for the deploy`);
    return null;
  }
  const from = `${file}: services with healthchecks (${healthchecked.join(", ")})`;
  return { file, healthchecked, from: from.length > 300 ? `${from.slice(0, 298)}…)` : from };
}
