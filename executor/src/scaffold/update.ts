/**
 * `copier update` for a project the engine (or Copier) rendered: the template at the commit the
 * answers file records and at the new ref (the latest release unless named) are both rendered with
 * the recorded answers, and the template's changes between them are applied to the project as a
 * three-way merge of each file (update-merge.ts; base: the old render, ours: the project, theirs:
 * the new render), conflicts as inline markers (Copier's labels) or as `.rej` files beside the
 * project's version. The answers file is the new render's. A project with uncommitted changes is
 * refused, as Copier refuses it: the update must be reviewable as one diff.
 *
 * Of the old version, only the files that can render differently are rendered (update-changes.ts):
 * the rest would render as the new render has them, so the merge leaves them as they are. The
 * result is the same as with both versions rendered whole; it costs one checkout, the template's
 * diff and a render of the changed files instead of a second checkout and render.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { Git } from "../git/git.ts";
import { ScaffoldError } from "./errors.ts";
import { allSettledOrThrow } from "./in-order.ts";
import { type StartedWorker, startJinja2Worker } from "./jinja/jinja2-worker.ts";
import { openRenderer, type TemplateRenderer } from "./jinja/renderer.ts";
import type { CopyOptions } from "./options.ts";
import { parsePyYaml } from "./pyyaml.ts";
import { type PartialRender, scaffold } from "./scaffold.ts";
import type { RenderedEntry } from "./tree.ts";
import { oldRenderOf, type RenderPlan, sharedFiles } from "./update-changes.ts";
import { mergeInto } from "./update-merge.ts";
import { type CheckedOut, checkOutTemplate, type TemplateVersions } from "./update-source.ts";
import { openUpdateStages, type UpdateStages } from "./update-stages.ts";

export interface UpdateOptions extends Omit<CopyOptions, "destination" | "overwrite" | "recordAnswers"> {
  /** The environment of migrations and tasks. */
  taskEnv: Record<string, string>;
  /** The project: a git work tree without uncommitted changes. */
  project: string;
  /**
   * Git on the project with its git directory named (a job's: outside the tree its migrations and
   * tasks can write); default: the project's own.
   */
  projectGit?: Git;
  /** Its answers file, relative to the project (default `.copier-answers.yml`). */
  answersFile?: string;
  /** The template version to update to (default: its latest release). */
  vcsRef?: string;
  prereleases?: boolean;
  /** inline: conflict markers in the file; rej: the project's file kept, the template's change in `<file>.rej`. */
  conflict?: "inline" | "rej";
  cacheDir: string;
}

export interface UpdateReport {
  /** What the answers file recorded before and after (`_commit`). */
  from: string | null;
  to: string | null;
  /** Project files changed by the update, by how. */
  merged: string[];
  added: string[];
  removed: string[];
  /** Files with conflict markers (inline) or a `.rej` beside them (rej). */
  conflicts: string[];
  answers: Record<string, unknown>;
  messages: string[];
}

export async function updateProject(options: UpdateOptions): Promise<UpdateReport> {
  const project = path.resolve(options.project);
  const git =
    options.projectGit ?? new Git({ cwd: project, signal: options.signal, deadlineAt: options.deadlineAt });
  await refuseDirty(git, project);
  const answersFile = options.answersFile ?? ".copier-answers.yml";
  const recorded = await readAnswers(project, answersFile);
  await mkdir(options.cacheDir, { recursive: true });
  const scratch = await mkdtemp(path.join(options.cacheDir, ".update-"));
  // Python's imports for the renders' Jinja2 done while git works (ended below if left unused).
  const worker = startJinja2Worker();
  try {
    const template = await checkOutTemplate({
      srcPath: recorded.srcPath,
      from: recorded.commit,
      to: options.vcsRef,
      prereleases: options.prereleases,
      scratch,
      signal: options.signal,
      deadlineAt: options.deadlineAt,
      log: options.log,
    });
    const stages = await openUpdateStages({
      ...options,
      templateRoot: template.new.root,
      project,
      answersFile,
      from: recorded.commit,
      to: template.new.describe,
      ref: template.new.ref,
      skipTasks: options.skipTasks ?? false,
    });
    try {
      const update = { project, answersFile, recorded, template, scratch, git, stages, worker };
      return await applyUpdate(options, update);
    } finally {
      stages.close();
    }
  } finally {
    worker?.kill();
    await rm(scratch, { recursive: true, force: true });
  }
}

interface Update {
  project: string;
  answersFile: string;
  recorded: Awaited<ReturnType<typeof readAnswers>>;
  template: TemplateVersions;
  scratch: string;
  git: Git;
  stages: UpdateStages;
  worker: StartedWorker | null;
}

/** Renders both versions, then merges. */
async function applyUpdate(options: UpdateOptions, update: Update): Promise<UpdateReport> {
  const { project, recorded, template, scratch } = update;
  const renderCacheDir = path.join(options.cacheDir, "jinja2");
  // The new version's renderer, on the worker started ahead; the old render's too when nothing
  // it includes differs between the versions (update-changes.ts).
  const renderer = sharedRenderer(template.new.root, renderCacheDir, update.worker);
  // The old version with the answers as recorded; the new one with `data` over them.
  const render = (side: CheckedOut, into: "old" | "new", partial?: PartialRender, shared = false) => {
    const fresh = into === "new";
    return scaffold({
      ...options,
      templateRoot: side.root,
      srcPath: recorded.srcPath,
      commit: side.describe,
      vcsRef: side.ref,
      destination: path.join(scratch, into),
      // `_external_data` is the project's, as Copier reads it from the project being updated.
      externalDataRoot: project,
      data: fresh ? { ...recorded.answers, ...options.data } : recorded.answers,
      defaults: fresh ? options.defaults : true,
      // Tasks are the project's business once it is merged; the renders only compare.
      skipTasks: true,
      recordAnswers: true,
      renderCacheDir,
      taskEnv: {},
      log: () => {},
      partial,
      sharedRenderer: shared ? renderer.open : undefined,
    });
  };
  const plans: { old?: RenderPlan; new?: RenderPlan } = {};
  const planned = (side: "old" | "new") => (entries: RenderedEntry[], context: Record<string, unknown>) => {
    plans[side] = { entries, context };
  };
  try {
    // The two renders side by side, the old version made while the new one renders. The new
    // render is whole; of the old one, only the files that can render differently, when that can
    // be told.
    const [{ old, plan }, rendered] = await allSettledOrThrow([
      template.old().then(async (old) => {
        const plan = await oldRenderOf(old, template.new, template.changed);
        const only = plan && ((source: string) => plan.sources.has(source));
        await render(old, "old", only ? { only, planned: planned("old") } : undefined, plan?.sharesRenderer);
        return { old, plan };
      }),
      render(template.new, "new", { only: () => true, planned: planned("new") }, true),
    ]);
    let shared = new Set<string>();
    if (plan) {
      const found = plans.old && plans.new ? sharedFiles(plans.old, plans.new, plan.sources) : null;
      if (found) shared = found;
      else {
        // The renders do not line up (an answer differs, a path is taken by another file): all of it.
        await rm(path.join(scratch, "old"), { recursive: true, force: true });
        await render(old, "old");
      }
    }
    return await mergeUpdate(options, update, rendered.answers, shared);
  } finally {
    renderer.close();
  }
}

/** One renderer for `root`, opened on first use (on `worker` when there is one). */
function sharedRenderer(root: string, cacheDir: string, worker: StartedWorker | null) {
  let opened: Promise<TemplateRenderer> | null = null;
  return {
    open: (envops: Record<string, unknown>, extensions: string[]) => {
      opened ??= openRenderer(root, envops, { cacheDir, started: worker ?? undefined, extensions });
      return opened;
    },
    close: () => {
      void opened?.then(
        (env) => env.close(),
        () => {},
      );
    },
  };
}

/** Runs the before stage, merges, runs the after stage. */
async function mergeUpdate(
  options: UpdateOptions,
  { project, answersFile, recorded, template, scratch, git, stages }: Update,
  answers: Record<string, unknown>,
  shared: Set<string>,
): Promise<UpdateReport> {
  await stages.before(answers);
  const changes = await mergeInto(project, scratch, {
    git,
    answersFile,
    conflict: options.conflict ?? "inline",
    shared,
  });
  await stages.after();
  return {
    from: recorded.commit,
    to: template.new.describe,
    ...changes,
    answers,
    messages: stages.messages,
  };
}

async function refuseDirty(git: Git, project: string): Promise<void> {
  const status = await git.run(["status", "--porcelain"]).catch(() => null);
  if (status === null)
    throw new ScaffoldError("destination_error", `${project} is not a git work tree: update needs one`);
  if (status.stdout.trim() !== "") {
    throw new ScaffoldError(
      "destination_error",
      `${project} has uncommitted changes: commit or stash them, then update (the update must be one reviewable diff)`,
    );
  }
}

/** The answers file: where the project came from (`_src_path`, `_commit`) and its answers. */
async function readAnswers(project: string, answersFile: string) {
  const file = path.join(project, answersFile);
  const text = await readFile(file, "utf8").catch(() => null);
  if (text === null)
    throw new ScaffoldError("invalid_answers", `${answersFile} is missing: the project records no template`);
  const parsed = parsePyYaml(text);
  const answers = (parsed !== null && typeof parsed === "object" ? parsed : {}) as Record<string, unknown>;
  const srcPath = answers._src_path;
  if (typeof srcPath !== "string" || srcPath === "")
    throw new ScaffoldError("invalid_answers", `${answersFile} names no template (_src_path)`);
  const commit = typeof answers._commit === "string" ? answers._commit : null;
  const plain = Object.fromEntries(Object.entries(answers).filter(([key]) => !key.startsWith("_")));
  return { srcPath, commit, answers: plain };
}
