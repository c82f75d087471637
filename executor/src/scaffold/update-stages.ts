/**
 * What an update runs besides merging files, in Copier's order: the `_message_before_update`, the
 * `_migrations` of the before stage, (the merge), those of the after stage, the `_tasks`
 * (`_copier_operation` update), the `_message_after_update`. Migrations and tasks need trust, and
 * are refused before anything changes when it is not given.
 */
import path from "node:path";
import type { JobUser } from "../process/job-users.ts";
import { loadTemplateConfig } from "./config.ts";
import { unsafeFeatures } from "./errors.ts";
import { openRenderer, type TemplateRenderer } from "./jinja/renderer.ts";
import { migrationVariables, type PlannedMigration, plannedMigrations } from "./migrations.ts";
import type { ScaffoldLog } from "./options.ts";
import { runTasks } from "./tasks.ts";

export interface StagesOptions {
  templateRoot: string;
  project: string;
  answersFile: string;
  /** `_commit` before and after the update. */
  from: string | null;
  to: string | null;
  ref: string | null;
  data: Record<string, unknown>;
  defaults: boolean;
  trust: boolean;
  skipTasks: boolean;
  taskEnv: Record<string, string>;
  cacheDir: string;
  log: ScaffoldLog;
  signal?: AbortSignal;
  deadlineAt?: number;
  user?: JobUser;
}

export interface UpdateStages {
  /** `answers`: what the new version records (the answers file's, secrets left out). */
  before(answers: Record<string, unknown>): Promise<void>;
  after(): Promise<void>;
  /** The update messages shown. */
  messages: string[];
  close(): void;
}

export async function openUpdateStages(options: StagesOptions): Promise<UpdateStages> {
  const { settings } = loadTemplateConfig(options.templateRoot);
  const migrations = plannedMigrations(settings.migrations, options.from, options.to);
  const tasks = options.skipTasks ? [] : settings.tasks;
  const unsafe = [...(migrations.length > 0 ? ["migrations"] : []), ...(tasks.length > 0 ? ["tasks"] : [])];
  if (unsafe.length > 0 && !options.trust) throw unsafeFeatures(unsafe);
  // Opened when something is to be rendered (most updates have no message, migration or task).
  let opened: Promise<TemplateRenderer> | null = null;
  const renderer = () => {
    opened ??= openRenderer(options.templateRoot, settings.envops, {
      cacheDir: path.join(options.cacheDir, "jinja2"),
    });
    return opened;
  };
  let context: Record<string, unknown> = {};
  const messages: string[] = [];
  const show = async (template: string) => {
    if (!template) return;
    const text = (await (await renderer()).render(template, context, "copier.yml (message)")).trimEnd();
    messages.push(text);
    options.log("system", `${text}\n`);
  };
  const run = async (list: PlannedMigration[], stage: "before" | "after") => {
    for (const migration of list) {
      const { variables, env: versionEnv } = migrationVariables(options.from, options.to, migration.version);
      await runTasks([migration.task], {
        ...common(options),
        env: await renderer(),
        context: { ...context, ...variables },
        processEnv: { ...options.taskEnv, ...versionEnv },
        stage,
        operation: "update",
        what: "migration",
      });
    }
  };
  return {
    messages,
    before: async (answers) => {
      context = updateContext(options, answers);
      await show(settings.message_before_update);
      await run(migrations, "before");
    },
    after: async () => {
      await run(migrations, "after");
      if (tasks.length > 0)
        await runTasks(tasks, {
          ...common(options),
          env: await renderer(),
          context,
          processEnv: options.taskEnv,
          operation: "update",
        });
      await show(settings.message_after_update);
    },
    close: () => {
      void opened?.then((env) => env.close());
    },
  };
}

const common = (options: StagesOptions) => ({
  destination: options.project,
  signal: options.signal,
  deadlineAt: options.deadlineAt,
  log: options.log,
  user: options.user,
});

/** What the messages, migrations and tasks of an update are rendered with. */
function updateContext(options: StagesOptions, answers: Record<string, unknown>): Record<string, unknown> {
  return {
    ...options.data,
    ...answers,
    _copier_answers: answers,
    _copier_conf: {
      src_path: options.templateRoot,
      dst_path: options.project,
      answers_file: options.answersFile,
      vcs_ref: options.ref,
      vcs_ref_hash: options.to,
      data: options.data,
      defaults: options.defaults,
      unsafe: options.trust,
      skip_tasks: options.skipTasks,
      sep: "/",
      os: "linux",
    },
    _folder_name: path.basename(options.project),
    _copier_python: "python3",
    _copier_operation: "update",
  };
}
