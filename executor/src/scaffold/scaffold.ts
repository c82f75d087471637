/**
 * `copier copy` in TypeScript: questions answered from data and defaults, the tree rendered into a
 * staging directory beside the destination, then moved in (a failure leaves the destination as it
 * was), the answers file written, tasks run for a trusted template, messages rendered.
 */
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import ignore from "ignore";
import { DEFAULT_EXCLUDE, loadTemplateConfig } from "./config.ts";
import { ScaffoldError } from "./errors.ts";
import { JinjaEnvironment } from "./jinja/environment.ts";
import { pyYamlDump } from "./jinja/yaml-dump.ts";
import type { CopyOptions } from "./options.ts";
import { type Ask, resolveAnswers } from "./questions.ts";
import { runTasks } from "./tasks.ts";
import { type RenderedEntry, renderTree } from "./tree.ts";

export interface ScaffoldOptions extends CopyOptions {
  /** The template on disk (a git source is cloned first). */
  templateRoot: string;
  /** The source as the caller named it: recorded as `_src_path`. */
  srcPath: string;
  /** The template's commit when it came from git: recorded as `_commit`. */
  commit: string | null;
  vcsRef?: string | null;
  /** The environment tasks run with. */
  taskEnv: Record<string, string>;
  /** Asks a person for answers the data does not give (without `defaults`). */
  ask?: Ask;
}

export interface ScaffoldReport {
  files: string[];
  answers: Record<string, unknown>;
  messages: string[];
}

const ANSWERS_HEADER = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n";

export async function scaffold(options: ScaffoldOptions): Promise<ScaffoldReport> {
  const config = loadTemplateConfig(options.templateRoot);
  const { settings } = config;
  const unsafe = [
    ...(settings.tasks.length > 0 && !options.skipTasks ? ["tasks"] : []),
    ...(settings.jinja_extensions.length > 0 ? ["jinja_extensions"] : []),
  ];
  if (unsafe.length > 0 && !options.trust) {
    throw new ScaffoldError(
      "unsafe_template",
      `Template uses potentially unsafe feature${unsafe.length > 1 ? "s" : ""}: ${unsafe.join(", ")}. If you trust this template, run it with trust (--trust).`,
    );
  }
  if (settings.jinja_extensions.length > 0) {
    throw new ScaffoldError(
      "engine_unavailable",
      `the template loads Jinja extensions (${settings.jinja_extensions.join(", ")}), which only the copier engine can run`,
    );
  }
  const env = new JinjaEnvironment(settings.envops);
  const destination = path.resolve(options.destination);
  const conf = {
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
  const metadata = { ...(options.commit ? { _commit: options.commit } : {}), _src_path: options.srcPath };
  const baseContext: Record<string, unknown> = {
    ...metadata,
    _copier_conf: conf,
    _folder_name: path.basename(destination),
    _copier_python: "python3",
    _copier_operation: "copy",
  };
  const messages: string[] = [];
  const message = (template: string, context: Record<string, unknown>) => {
    if (!template) return;
    const text = env.render(template, context, "copier.yml (message)").trimEnd();
    messages.push(text);
    options.log("system", `${text}\n`);
  };
  message(settings.message_before_copy, { ...baseContext, ...options.data });

  const answers = await resolveAnswers(config.questions, env, baseContext, {
    ask: options.ask,
    data: options.data,
    defaults: options.defaults,
  });
  const copierAnswers = { ...metadata, ...answers.remembered };
  const answersFile = env.render(
    settings.answers_file,
    { ...baseContext, ...answers.all },
    "copier.yml (_answers_file)",
  );
  const context = {
    ...baseContext,
    ...options.data,
    ...answers.all,
    _copier_answers: copierAnswers,
    _copier_conf: { ...conf, answers_file: answersFile },
  };

  const subdirectory = settings.subdirectory
    ? env.render(settings.subdirectory, context, "copier.yml (_subdirectory)")
    : "";
  const copyRoot = path.resolve(options.templateRoot, subdirectory);
  if (path.relative(options.templateRoot, copyRoot).startsWith("..")) {
    throw new ScaffoldError("invalid_template", `_subdirectory leaves the template: ${subdirectory}`);
  }
  const noSubdirectory = path.normalize(settings.subdirectory || ".") === ".";
  const patterns = settings.exclude ?? (noSubdirectory ? DEFAULT_EXCLUDE : []);
  const render = (pattern: string) => env.render(pattern, context, "copier.yml (_exclude)");

  await mkdir(path.dirname(destination), { recursive: true });
  const staging = await mkdtemp(
    path.join(path.dirname(destination), `.${path.basename(destination)}.scaffold-`),
  );
  try {
    const entries = await renderTree(staging, {
      copyRoot,
      templateRoot: options.templateRoot,
      suffix: settings.templates_suffix,
      excludePatterns: patterns.map(render),
      preserveSymlinks: settings.preserve_symlinks,
      keepTrailingNewline: (settings.envops.keep_trailing_newline as boolean | undefined) ?? true,
      delimiters: env.delimiters,
      env,
      context,
      signal: options.signal,
    });
    if (!entries.some((entry) => entry.path === answersFile)) {
      // Copier leaves this to the template; we always record where the project came from.
      await writeFile(
        path.join(staging, answersFile),
        ANSWERS_HEADER + pyYamlDump(copierAnswers, { indent: 4, flowLeaves: false }),
      );
      entries.push({ path: answersFile, kind: "file" });
    }
    const skip = ignore().add(settings.skip_if_exists.map(render));
    await moveInto(staging, destination, entries, {
      overwrite: (entry) => options.overwrite === true || entry.path === answersFile,
      keep: (entry) => skip.ignores(entry.path),
      log: options.log,
    });
    const files = entries
      .filter((entry) => entry.kind !== "directory")
      .map((entry) => entry.path)
      .sort();
    if (settings.tasks.length > 0 && !options.skipTasks) {
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
    message(settings.message_after_copy, context);
    return { files, answers: copierAnswers, messages };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

interface MoveRules {
  overwrite: (entry: RenderedEntry) => boolean;
  keep: (entry: RenderedEntry) => boolean;
  log: ScaffoldOptions["log"];
}

/** Moves the staged tree into place; every conflict is found before anything moves. */
async function moveInto(staging: string, destination: string, entries: RenderedEntry[], rules: MoveRules) {
  // A new destination: the whole staged tree moves in one rename (mkdtemp made it 0700).
  if (!(await stat(destination).catch(() => null))) {
    await rename(staging, destination);
    await chmod(destination, 0o777 & ~process.umask());
    for (const entry of entries) rules.log("system", `${"create".padStart(10)}  ${entry.path}\n`);
    return;
  }
  const actions: { entry: RenderedEntry; action: "create" | "identical" | "skip" | "overwrite" }[] = [];
  const conflicts: string[] = [];
  for (const entry of entries) {
    const target = path.join(destination, entry.path);
    const existing = await stat(target).catch(() => null);
    if (!existing) actions.push({ entry, action: "create" });
    else if (entry.kind === "directory") actions.push({ entry, action: "identical" });
    else if (existing.isFile() && (await sameBytes(path.join(staging, entry.path), target)))
      actions.push({ entry, action: "identical" });
    else if (rules.keep(entry)) actions.push({ entry, action: "skip" });
    else if (rules.overwrite(entry)) actions.push({ entry, action: "overwrite" });
    else conflicts.push(entry.path);
  }
  if (conflicts.length > 0) {
    throw new ScaffoldError(
      "destination_error",
      `${conflicts.length} file${conflicts.length > 1 ? "s" : ""} already exist with other contents (${conflicts.slice(0, 5).join(", ")}${conflicts.length > 5 ? ", …" : ""}): pass overwrite (--overwrite) or choose an empty destination`,
    );
  }
  await mkdir(destination, { recursive: true });
  for (const { entry, action } of actions) {
    rules.log("system", `${action.padStart(10)}  ${entry.path}\n`);
    const target = path.join(destination, entry.path);
    if (entry.kind === "directory") await mkdir(target, { recursive: true });
    else if (action === "create" || action === "overwrite") {
      await mkdir(path.dirname(target), { recursive: true });
      await rename(path.join(staging, entry.path), target);
    }
  }
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([readFile(a), readFile(b)]);
  return left.equals(right);
}
