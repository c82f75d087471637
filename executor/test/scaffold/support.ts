export { removeTempDirs, tempDir } from "../support/temp.ts";

/** Fixture templates written from a map of files, rendered with the built-in engine. */
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { type RunScaffoldOptions, runScaffold, type ScaffoldSource } from "../../src/scaffold/run.ts";
import { type ScaffoldOptions, type ScaffoldReport, scaffold } from "../../src/scaffold/scaffold.ts";
import { tempDir } from "../support/temp.ts";

export type FileSpec = string | Buffer | { content: string | Buffer; mode: number };

export async function writeTree(root: string, files: Record<string, FileSpec>): Promise<string> {
  for (const [name, spec] of Object.entries(files)) {
    const file = path.join(root, name);
    await mkdir(path.dirname(file), { recursive: true });
    if (typeof spec === "string" || Buffer.isBuffer(spec)) await writeFile(file, spec);
    else await writeFile(file, spec.content, { mode: spec.mode });
  }
  return root;
}

/** Every file under `root` (relative POSIX path → text), directories left out. */
export async function readTree(root: string): Promise<Record<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const out: Record<string, string> = {};
  for (const entry of entries.filter((e) => !e.isDirectory())) {
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(root, file).split(path.sep).join("/")] = await readFile(file, "utf8");
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export interface Rendered {
  destination: string;
  report: ScaffoldReport;
  tree: Record<string, string>;
  log: string;
}

/**
 * Writes `files` as a template and renders it into a fresh destination; the answers file is
 * recorded as the pipeline asks (`recordAnswers`) unless the options say otherwise.
 */
export async function render(
  files: Record<string, FileSpec>,
  options: Partial<ScaffoldOptions> = {},
): Promise<Rendered> {
  const templateRoot = options.templateRoot ?? (await writeTree(await tempDir("co-template-"), files));
  const destination = options.destination ?? path.join(await tempDir("co-dest-"), "project");
  let log = "";
  const report = await scaffold({
    templateRoot,
    srcPath: templateRoot,
    commit: null,
    destination,
    data: {},
    defaults: true,
    trust: false,
    recordAnswers: true,
    taskEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    log: (_stream, chunk) => {
      log += chunk;
    },
    ...options,
  });
  return { destination, report, tree: await readTree(destination), log };
}

/** The error a render throws (fails the test when it does not throw). */
export async function renderError(files: Record<string, FileSpec>, options: Partial<ScaffoldOptions> = {}) {
  try {
    await render(files, options);
  } catch (error) {
    return error as Error & { code?: string; details?: Record<string, unknown> };
  }
  throw new Error("expected the render to fail");
}

/** A git environment of its own: no user or system config, a fixed identity. */
export const GIT_ENV = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: "/nonexistent",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Template Author",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "Template Author",
  GIT_COMMITTER_EMAIL: "author@example.com",
};

/** Runs git in `cwd` with GIT_ENV; its output, trimmed. */
export async function git(args: string[], cwd: string): Promise<string> {
  const { stdout } = await promisify(execFile)("git", args, { cwd, env: GIT_ENV });
  return stdout.trim();
}

/**
 * `runScaffold` as the git-source and update tests run it: the built-in engine, the defaults
 * taken, the answers file recorded, GIT_ENV for tasks, nothing logged unless `extra` says.
 */
export function scaffoldFrom(
  source: ScaffoldSource,
  destination: string,
  cacheDir: string,
  extra: Partial<RunScaffoldOptions> = {},
) {
  return runScaffold({
    source,
    destination,
    data: {},
    defaults: true,
    trust: false,
    recordAnswers: true,
    engine: "builtin",
    cacheDir,
    env: GIT_ENV,
    log: () => {},
    ...extra,
  });
}
