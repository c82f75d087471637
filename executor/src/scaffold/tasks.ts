/**
 * A template's `_tasks` (and an update's `_migrations`, migrations.ts), run after the files are in
 * place, only for a trusted template: for a job, as its user, who is given the destination first.
 */
import path from "node:path";
import { giveTree } from "../process/job-files.ts";
import type { JobUser } from "../process/job-users.ts";
import { failureOf, runProcess } from "../process/run-process.ts";
import { castToBool } from "./cast.ts";
import type { Task } from "./config.ts";
import { ScaffoldError } from "./errors.ts";
import type { TemplateRenderer } from "./jinja/renderer.ts";
import type { ScaffoldLog } from "./options.ts";

export interface TaskOptions {
  destination: string;
  env: TemplateRenderer;
  context: Record<string, unknown>;
  /** The whole environment of each task; STAGE and COPIER_OPERATION are added. */
  processEnv: Record<string, string>;
  /** `_stage` and STAGE (default `task`), `_copier_operation` and COPIER_OPERATION (default `copy`). */
  stage?: string;
  operation?: "copy" | "update";
  /** What the log calls them ("task", "migration"). */
  what?: string;
  signal?: AbortSignal;
  deadlineAt?: number;
  log: ScaffoldLog;
  user?: JobUser;
}

export async function runTasks(tasks: Task[], options: TaskOptions): Promise<void> {
  const stage = options.stage ?? "task";
  const operation = options.operation ?? "copy";
  const what = options.what ?? "task";
  const context = { ...options.context, _stage: stage, _copier_operation: operation };
  const render = (text: string) => options.env.render(text, context, `copier.yml (${what}s)`);
  const { user } = options;
  if (user) await giveTree(options.destination, user);
  for (const [index, task] of tasks.entries()) {
    const spec =
      typeof task === "string" || Array.isArray(task)
        ? { command: task, when: true, working_directory: "." }
        : task;
    if (!castToBool(typeof spec.when === "string" ? await render(spec.when) : spec.when)) continue;
    const argv =
      typeof spec.command === "string"
        ? ["/bin/sh", "-c", await render(spec.command)]
        : await Promise.all(spec.command.map(render));
    const shown = typeof spec.command === "string" ? (argv[2] ?? "") : argv.join(" ");
    options.log("system", ` > Running ${what} ${index + 1} of ${tasks.length}: ${shown}\n`);
    const cwd = path.resolve(options.destination, await render(spec.working_directory));
    const [command = "", ...args] = argv;
    const outcome = await runProcess(command, args, {
      cwd,
      env: { ...options.processEnv, STAGE: stage, COPIER_OPERATION: operation },
      signal: options.signal,
      deadlineAt: options.deadlineAt,
      log: options.log,
      user,
    });
    const failure = failureOf(shown, outcome);
    if (failure) throw new ScaffoldError("task_failed", `${what} ${index + 1} failed: ${failure}`);
  }
  if (user && !(await user.stopProcesses()))
    throw new ScaffoldError("task_failed", "processes the template's tasks started would not stop");
}
