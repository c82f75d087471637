/**
 * `orchestrator scaffold update`: brings a project to a newer version of its template, as
 * `copier update` does (scaffold/update.ts): the template's changes merged into the project's
 * files, conflicts marked in them or left in `.rej` files.
 */
import { parseArgs } from "node:util";
import { ScaffoldError } from "../scaffold/errors.ts";
import { updateProject } from "../scaffold/update.ts";
import { UsageError } from "./executor.ts";
import { answersFrom, cacheDir, reportScaffoldError } from "./scaffold-shared.ts";

const HELP = `Usage: orchestrator scaffold update [<project>] [options]

Updates a project (default: the current directory; a git work tree without uncommitted changes)
to a newer version of the template its answers file records, as \`copier update\` does.

Options:
  -r, --vcs-ref REF      the template version to update to (default: its latest release)
      --prereleases      the latest release may be a pre-release
  -d, --data KEY=VALUE   a new or changed answer (repeatable)
      --data-file FILE   answers from a YAML file (--data wins)
  -l, --defaults         new questions take their defaults
  -a, --answers-file F   the answers file, relative to the project (default .copier-answers.yml)
      --conflict MODE    inline (default: conflict markers in the file) or rej (a .rej beside it)
      --trust            run the template's _migrations and _tasks
  -T, --skip-tasks       do not run the template's tasks
      --json             print the result, or the error, as JSON on stdout
  -q, --quiet            no summary
  -h, --help             this help

Exit status: 0 updated (conflicts, if any, are listed), 1 failed, 2 bad usage, 4 the template
needs --trust.
`;

async function parseUpdateArgs(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      "vcs-ref": { type: "string", short: "r" },
      prereleases: { type: "boolean", default: false },
      data: { type: "string", short: "d", multiple: true, default: [] },
      "data-file": { type: "string" },
      defaults: { type: "boolean", short: "l", default: false },
      "answers-file": { type: "string", short: "a" },
      conflict: { type: "string", default: "inline" },
      "skip-tasks": { type: "boolean", short: "T", default: false },
      trust: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      quiet: { type: "boolean", short: "q", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help" as const;
  if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`);
  const conflict: "inline" | "rej" | null =
    values.conflict === "inline" ? "inline" : values.conflict === "rej" ? "rej" : null;
  if (conflict === null) throw new UsageError(`--conflict must be inline or rej, not ${values.conflict}.`);
  return {
    project: positionals[0] ?? ".",
    vcsRef: values["vcs-ref"],
    prereleases: values.prereleases,
    data: await answersFrom(values.data, values["data-file"]),
    defaults: values.defaults,
    answersFile: values["answers-file"],
    conflict,
    skipTasks: values["skip-tasks"],
    trust: values.trust,
    json: values.json,
    quiet: values.quiet,
  };
}

export async function runUpdateCommand(args: string[]): Promise<number> {
  let settings: Awaited<ReturnType<typeof parseUpdateArgs>>;
  try {
    settings = await parseUpdateArgs(args);
  } catch (err) {
    process.stderr.write(`orchestrator scaffold update: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (settings === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    const report = await updateProject({
      ...settings,
      cacheDir: cacheDir(),
      taskEnv: Object.fromEntries(
        Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
      ),
      log: (_stream, chunk) => {
        if (!settings.quiet) process.stderr.write(chunk);
      },
    });
    if (settings.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (!settings.quiet) {
      const counts = ["merged", "added", "removed", "conflicts"] as const;
      process.stderr.write(
        `Updated ${settings.project} from ${report.from ?? "its template"} to ${report.to ?? "its template"}: ` +
          `${counts.map((what) => `${report[what].length} ${what}`).join(", ")}.\n`,
      );
      for (const file of report.conflicts) process.stderr.write(`  conflict  ${file}\n`);
      if (report.conflicts.length > 0)
        process.stderr.write(
          settings.conflict === "rej"
            ? "Apply each .rej by hand, delete it, then commit.\n"
            : "Resolve the conflict markers (<<<<<<< before updating … >>>>>>> after updating), then commit.\n",
        );
    }
    return 0;
  } catch (error) {
    if (!(error instanceof ScaffoldError)) throw error;
    return reportScaffoldError(error, settings);
  }
}
