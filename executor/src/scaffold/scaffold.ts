/**
 * `copier copy` in TypeScript: questions answered from data and defaults, the tree rendered into a
 * staging directory beside the destination, then moved in (a failure leaves the destination as it
 * was), the answers file written, tasks run for a trusted template, messages rendered.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import ignore from "ignore";
import { DEFAULT_EXCLUDE, loadTemplateConfig, type Settings, type TemplateConfig } from "./config.ts";
import {
  type Answered,
  answerQuestions,
  type ContextOptions,
  messageWriter,
  startingContext,
} from "./copy-context.ts";
import { ScaffoldError, unsafeFeatures } from "./errors.ts";
import { openRenderer, type RendererChoice, type TemplateRenderer } from "./jinja/renderer.ts";
import { moveInto } from "./move.ts";
import { runTasks } from "./tasks.ts";
import { type RenderedEntry, renderTree } from "./tree.ts";

export interface ScaffoldOptions extends ContextOptions {
  /** The environment tasks run with. */
  taskEnv: Record<string, string>;
  /** Which Jinja renders (renderer.ts): `auto` unless given. */
  renderer?: RendererChoice;
  /** Where Jinja2's compiled templates are kept between scaffolds (none: compiled every time). */
  renderCacheDir?: string;
  /** An update's render (update-changes.ts): only some files written, the whole plan reported. */
  partial?: PartialRender;
  /** The renderer, opened (and closed) by the caller: an update's two renders share one. */
  sharedRenderer?: (envops: Record<string, unknown>, extensions: string[]) => Promise<TemplateRenderer>;
}

export interface PartialRender {
  /** Which files are written, by their source (relative to the template root). */
  only: (source: string) => boolean;
  /** Gets every entry of the tree, written or not, and the context the files render with. */
  planned: (entries: RenderedEntry[], context: Record<string, unknown>) => void;
}

export interface ScaffoldReport {
  files: string[];
  answers: Record<string, unknown>;
  messages: string[];
  /** The Jinja that rendered ("jinja2 3.1.2", "minijinja"); the copier engine's is its own. */
  renderer?: string;
}

const ANSWERS_TEMPLATE =
  "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n{{ _copier_answers|to_nice_yaml -}}\n";

export async function scaffold(options: ScaffoldOptions): Promise<ScaffoldReport> {
  const config = loadTemplateConfig(options.templateRoot);
  const { settings } = config;
  refuseUnsafeFeatures(settings, options);
  const { renderer: choice, renderCacheDir: cacheDir } = options;
  const extensions = settings.jinja_extensions;
  const env = await (options.sharedRenderer?.(settings.envops, extensions) ??
    openRenderer(options.templateRoot, settings.envops, { choice, cacheDir, extensions }));
  try {
    return await copyTemplate(config, env, options);
  } finally {
    if (!options.sharedRenderer) env.close();
  }
}

async function copyTemplate(
  config: TemplateConfig,
  env: TemplateRenderer,
  options: ScaffoldOptions,
): Promise<ScaffoldReport> {
  const { settings } = config;
  const destination = path.resolve(options.destination);
  const start = startingContext(options, settings, destination);
  const messages = messageWriter(env, options.log);
  await messages.show(settings.message_before_copy, { ...start.baseContext, ...options.data });
  const copy: Copy = {
    options,
    settings,
    env,
    destination,
    ...(await answerQuestions(config, env, start, options)),
  };
  const copyRoot = await copyRootOf(copy);
  const staging = await makeStaging(destination);
  try {
    const planned = await renderProject(copy, staging, copyRoot);
    await recordAnswers(copy, staging, planned);
    options.partial?.planned(planned, copy.context);
    const entries = planned.filter((entry) => !entry.skipped);
    await moveProjectIn(copy, staging, entries);
    const files = entries
      .filter((entry) => entry.kind !== "directory")
      .map((entry) => entry.path)
      .sort();
    await runTemplateTasks(copy);
    await messages.show(settings.message_after_copy, copy.context);
    return { files, answers: copy.copierAnswers, messages: messages.shown, renderer: env.name };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Without trust, a template's tasks and Jinja extensions (Python code it names) are refused, as Copier does. */
function refuseUnsafeFeatures(settings: Settings, options: ScaffoldOptions): void {
  const unsafe = [
    ...(settings.tasks.length > 0 && !options.skipTasks ? ["tasks"] : []),
    ...(settings.jinja_extensions.length > 0 ? ["jinja_extensions"] : []),
  ];
  if (unsafe.length > 0 && !options.trust) throw unsafeFeatures(unsafe);
}

/** One copy under way: its options, the template's settings, and the answered context. */
interface Copy extends Answered {
  options: ScaffoldOptions;
  settings: Settings;
  env: TemplateRenderer;
  destination: string;
}

/** Where the project's files are in the template: its root, or its `_subdirectory` rendered. */
async function copyRootOf({ options, settings, env, context }: Copy): Promise<string> {
  const subdirectory = settings.subdirectory
    ? await env.render(settings.subdirectory, context, "copier.yml (_subdirectory)")
    : "";
  const copyRoot = path.resolve(options.templateRoot, subdirectory);
  if (path.relative(options.templateRoot, copyRoot).startsWith("..")) {
    throw new ScaffoldError("invalid_template", `_subdirectory leaves the template: ${subdirectory}`);
  }
  return copyRoot;
}

/** A new empty directory beside the destination, where the tree is rendered before it moves in. */
async function makeStaging(destination: string): Promise<string> {
  await mkdir(path.dirname(destination), { recursive: true });
  return await mkdtemp(path.join(path.dirname(destination), `.${path.basename(destination)}.scaffold-`));
}

/** The patterns of `_exclude` or `_skip_if_exists`, rendered. */
const renderPatterns = ({ env, context }: Copy, patterns: string[]) =>
  Promise.all(patterns.map((pattern) => env.render(pattern, context, "copier.yml (_exclude)")));

async function renderProject(copy: Copy, staging: string, copyRoot: string): Promise<RenderedEntry[]> {
  const { options, settings, env, context } = copy;
  const noSubdirectory = path.normalize(settings.subdirectory || ".") === ".";
  const patterns = settings.exclude ?? (noSubdirectory ? DEFAULT_EXCLUDE : []);
  return renderTree(staging, {
    copyRoot,
    templateRoot: options.templateRoot,
    suffix: settings.templates_suffix,
    excludePatterns: await renderPatterns(copy, patterns),
    preserveSymlinks: settings.preserve_symlinks,
    keepTrailingNewline: (settings.envops.keep_trailing_newline as boolean | undefined) ?? true,
    delimiters: env.delimiters,
    env,
    context,
    signal: options.signal,
    only: options.partial?.only,
  });
}

/**
 * Copier leaves the answers file to the template; asked to (`recordAnswers`), we record where the
 * project came from anyway, with the answers file template Copier's documentation gives (so a
 * float answer stays `16.0`).
 */
async function recordAnswers(
  { answersFile, env, context, options }: Copy,
  staging: string,
  entries: RenderedEntry[],
) {
  if (!options.recordAnswers || entries.some((entry) => entry.path === answersFile)) return;
  const text = await env.render(ANSWERS_TEMPLATE, context, "(the answers file)");
  await writeFile(path.join(staging, answersFile), text);
  entries.push({ path: answersFile, kind: "file" });
}

async function moveProjectIn(copy: Copy, staging: string, entries: RenderedEntry[]): Promise<void> {
  const { options, settings, destination, answersFile } = copy;
  const skip = ignore().add(await renderPatterns(copy, settings.skip_if_exists));
  return moveInto(staging, destination, entries, {
    overwrite: (entry) => options.overwrite === true || entry.path === answersFile,
    keep: (entry) => skip.ignores(entry.path),
    log: options.log,
  });
}

/** The template's tasks, unless there are none or they are skipped. */
async function runTemplateTasks({ options, settings, env, destination, context }: Copy): Promise<void> {
  if (settings.tasks.length === 0 || options.skipTasks) return;
  await runTasks(settings.tasks, {
    destination,
    env,
    context,
    processEnv: options.taskEnv,
    signal: options.signal,
    deadlineAt: options.deadlineAt,
    log: options.log,
    user: options.user,
  });
}
