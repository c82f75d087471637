/**
 * One scaffold, from a template source to a destination, with the chosen engine. The CLI and the
 * `copier` job kind both go through here.
 */
import path from "node:path";
import type { TemplateEngine } from "@codegen-orchestrator/shared";
import { Git, type GitPassword } from "../git/git.ts";
import { runCopierCli } from "./copier-cli.ts";
import { ScaffoldError } from "./errors.ts";
import type { CopyOptions } from "./options.ts";
import type { Ask } from "./questions.ts";
import { type ScaffoldReport, scaffold } from "./scaffold.ts";
import {
  type FetchedTemplate,
  gitTemplate,
  isWorkTreeRoot,
  localGitTemplate,
  localTemplate,
} from "./source.ts";

export type ScaffoldSource =
  /**
   * `name`: the directory as the caller named it, for errors (default: the path). A directory
   * that is a git work tree's root is rendered through git, at `ref` or its latest release.
   */
  | { path: string; name?: string; ref?: string; prereleases?: boolean }
  | { url: string; ref?: string; version?: string; prereleases?: boolean; credentials?: GitPassword };

export interface RunScaffoldOptions extends CopyOptions {
  source: ScaffoldSource;
  /** What the answers file records as `_src_path` (default: the source's path or URL as given). */
  srcPath?: string;
  engine: TemplateEngine;
  /** Where git templates are cached, per commit. */
  cacheDir: string;
  /** The environment of tasks and of the copier CLI. */
  env: Record<string, string>;
  /** Asks a person for answers the data does not give (builtin engine, without `defaults`). */
  ask?: Ask;
}

export interface RunScaffoldReport extends ScaffoldReport {
  engine: TemplateEngine;
  templateCommit: string | null;
  /** For a git source: the ref rendered (as named, or the tag a version constraint chose). */
  templateRef: string | null;
}

export async function runScaffold(options: RunScaffoldOptions): Promise<RunScaffoldReport> {
  const { source } = options;
  const srcPath = options.srcPath ?? ("path" in source ? source.path : source.url);
  if (options.engine === "copier") {
    if ("url" in source && (source.credentials || source.version !== undefined)) {
      throw new ScaffoldError(
        "engine_unavailable",
        "the copier engine takes neither git credentials nor version constraints; use the builtin engine",
      );
    }
    const report = await runCopierCli({
      ...options,
      source: "path" in source ? path.resolve(source.path) : source.url,
      vcsRef: "url" in source ? source.ref : undefined,
    });
    const templateRef = "url" in source ? (source.ref ?? null) : null;
    return { ...report, engine: "copier", templateCommit: null, templateRef };
  }
  const template = await fetchTemplate(source, options);
  try {
    return await scaffoldFetched(template, srcPath, options);
  } finally {
    await template.dispose?.();
  }
}

async function scaffoldFetched(
  template: FetchedTemplate,
  srcPath: string,
  options: RunScaffoldOptions,
): Promise<RunScaffoldReport> {
  const report = await scaffold({
    templateRoot: template.root,
    srcPath,
    commit: template.describe,
    vcsRef: template.ref,
    destination: options.destination,
    data: options.data,
    defaults: options.defaults,
    trust: options.trust,
    overwrite: options.overwrite,
    skipTasks: options.skipTasks,
    recordAnswers: options.recordAnswers,
    taskEnv: options.env,
    signal: options.signal,
    deadlineAt: options.deadlineAt,
    log: options.log,
    ask: options.ask,
    user: options.user,
    renderCacheDir: path.join(options.cacheDir, "jinja2"),
  });
  return { ...report, engine: "builtin", templateCommit: template.commit, templateRef: template.ref };
}

/** The template on disk: a directory as it is, or a git repository fetched into the cache. */
export async function fetchTemplate(
  source: ScaffoldSource,
  options: Pick<RunScaffoldOptions, "cacheDir" | "signal" | "deadlineAt" | "log">,
): Promise<FetchedTemplate> {
  if ("path" in source) {
    const git = new Git({ cwd: process.cwd(), signal: options.signal, deadlineAt: options.deadlineAt });
    if (await isWorkTreeRoot(source.path, git)) {
      options.log("system", `reading template ${source.name ?? source.path} through git\n`);
      return localGitTemplate({ dir: source.path, ...source, ...options });
    }
    if (source.ref !== undefined) {
      throw new ScaffoldError(
        "invalid_template",
        `a ref (${source.ref}) needs a git template: ${source.name ?? source.path} is not a git work tree's root`,
      );
    }
    return localTemplate(source.path, source.name);
  }
  const at = source.version ? ` at ${source.version}` : source.ref ? ` at ${source.ref}` : "";
  options.log("system", `fetching template ${source.url}${at}\n`);
  return gitTemplate({
    ...source,
    cacheDir: options.cacheDir,
    signal: options.signal,
    deadlineAt: options.deadlineAt,
    log: options.log,
  });
}
