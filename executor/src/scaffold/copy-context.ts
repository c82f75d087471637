/**
 * A copy's context before its tree renders: `_copier_conf` and what every render starts with, the
 * template's messages, and the questions answered (with `_external_data`, read as the answers come).
 */
import path from "node:path";
import type { Settings, TemplateConfig } from "./config.ts";
import { externalDataReader } from "./external-data.ts";
import type { TemplateRenderer } from "./jinja/renderer.ts";
import type { CopyOptions, ScaffoldLog } from "./options.ts";
import { type Ask, resolveAnswers } from "./questions.ts";

/** What of a scaffold's options the context is made from (scaffold.ts's ScaffoldOptions extends it). */
export interface ContextOptions extends CopyOptions {
  /** The template on disk (a git source is cloned first). */
  templateRoot: string;
  /** The source as the caller named it: recorded as `_src_path`. */
  srcPath: string;
  /** The template's commit when it came from git: recorded as `_commit`. */
  commit: string | null;
  vcsRef?: string | null;
  /** Asks a person for answers the data does not give (without `defaults`). */
  ask?: Ask;
  /** Where `_external_data` files are read from: the destination unless given (an update: the project). */
  externalDataRoot?: string;
}

/** `_copier_conf` as the template sees it (its `answers_file` not yet rendered). */
function copierConf(options: ContextOptions, settings: Settings) {
  return {
    src_path: options.templateRoot,
    dst_path: options.destination,
    answers_file: settings.answers_file,
    vcs_ref: options.vcsRef ?? null,
    vcs_ref_hash: options.commit,
    data: options.data,
    defaults: options.defaults,
    overwrite: options.overwrite ?? false,
    pretend: false,
    quiet: false,
    unsafe: options.trust,
    skip_tasks: options.skipTasks ?? false,
    sep: "/",
    os: "linux",
  };
}

export interface Start {
  conf: ReturnType<typeof copierConf>;
  /** Where the project came from: `_commit` (from git) and `_src_path`. */
  metadata: Record<string, string>;
  /** What every render has before the answers. */
  baseContext: Record<string, unknown>;
  destination: string;
}

export function startingContext(options: ContextOptions, settings: Settings, destination: string): Start {
  const conf = copierConf(options, settings);
  const metadata = { ...(options.commit ? { _commit: options.commit } : {}), _src_path: options.srcPath };
  const baseContext: Record<string, unknown> = {
    ...metadata,
    _copier_conf: conf,
    _folder_name: path.basename(destination),
    _copier_python: "python3",
    _copier_operation: "copy",
  };
  return { conf, metadata, baseContext, destination };
}

/** The template's messages: rendered, logged and kept for the report. */
export function messageWriter(env: TemplateRenderer, log: ScaffoldLog) {
  const shown: string[] = [];
  const show = async (template: string, context: Record<string, unknown>) => {
    if (!template) return;
    const text = (await env.render(template, context, "copier.yml (message)")).trimEnd();
    shown.push(text);
    log("system", `${text}\n`);
  };
  return { shown, show };
}

export interface Answered {
  /** What the answers file records: the metadata and the remembered answers. */
  copierAnswers: Record<string, unknown>;
  /** The answers file's path in the project, rendered. */
  answersFile: string;
  /** What the tree, the tasks and the last message are rendered with. */
  context: Record<string, unknown>;
}

export async function answerQuestions(
  { settings, questions }: TemplateConfig,
  env: TemplateRenderer,
  start: Start,
  options: ContextOptions,
): Promise<Answered> {
  const root = options.externalDataRoot ?? start.destination;
  const externalData = externalDataReader(settings, env, root, options.log);
  const answers = await resolveAnswers(questions, env, start.baseContext, {
    ask: options.ask,
    data: options.data,
    defaults: options.defaults,
    ...(externalData
      ? { following: async (context) => ({ _external_data: await externalData(context) }) }
      : {}),
  });
  const copierAnswers = { ...start.metadata, ...answers.remembered };
  const answersFile = await env.render(
    settings.answers_file,
    { ...start.baseContext, ...answers.all },
    "copier.yml (_answers_file)",
  );
  const answered = { ...start.baseContext, ...options.data, ...answers.all };
  const context = {
    ...answered,
    // Read with every answer: a path may name one (Copier reads them when first used).
    _external_data: externalData ? await externalData(answered) : {},
    _copier_answers: copierAnswers,
    _copier_conf: { ...start.conf, answers_file: answersFile },
  };
  return { copierAnswers, answersFile, context };
}
