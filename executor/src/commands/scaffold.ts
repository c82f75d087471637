import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { TemplateEngine } from "@codegen-orchestrator/shared";
import { ScaffoldError } from "../scaffold/errors.ts";
import type { Ask } from "../scaffold/questions.ts";
import { runScaffold, type ScaffoldSource } from "../scaffold/run.ts";
import { expandGitUrl } from "../scaffold/source.ts";
import { UsageError } from "./executor.ts";
import { answersFrom, cacheDir, reportScaffoldError } from "./scaffold-shared.ts";
import { runUpdateCommand } from "./scaffold-update.ts";

const HELP = `Usage: orchestrator scaffold <template> <destination> [options]
       orchestrator scaffold update [<project>] [options]   (see: orchestrator scaffold update --help)

Renders a Copier template (a directory or a git URL) into <destination>, as \`copier copy\` does.

Options:
  -d, --data KEY=VALUE   an answer (repeatable); the text is cast to the question's type
      --data-file FILE   answers from a YAML file (--data wins)
  -l, --defaults         take the default of every unanswered question instead of asking
      --trust            allow the template's tasks
  -w, --overwrite        replace existing files that differ
  -T, --skip-tasks       do not run the template's tasks
      --record-answers   write the answers file even when the template has no template for it
  -r, --vcs-ref REF      for a git template: the branch, tag or commit (default: the latest release,
                         the newest PEP 440 tag; HEAD when it has none)
      --prereleases      the latest release may be a pre-release (1.0.0rc1)
      --engine ENGINE    builtin (default) or copier (Python Copier on PATH)
      --json             print the result, or the error, as JSON on stdout
  -q, --quiet            no status lines
  -h, --help             this help

Exit status: 0 done, 1 failed, 2 bad usage, 4 the template needs --trust.
`;

export interface ScaffoldArgs {
  source: ScaffoldSource;
  destination: string;
  data: Record<string, unknown>;
  defaults: boolean;
  trust: boolean;
  overwrite: boolean;
  skipTasks: boolean;
  recordAnswers: boolean;
  engine: TemplateEngine;
  json: boolean;
  quiet: boolean;
}

export async function parseScaffoldArgs(args: string[]): Promise<ScaffoldArgs | "help"> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      data: { type: "string", short: "d", multiple: true, default: [] },
      "data-file": { type: "string" },
      defaults: { type: "boolean", short: "l", default: false },
      trust: { type: "boolean", default: false },
      overwrite: { type: "boolean", short: "w", default: false },
      "skip-tasks": { type: "boolean", short: "T", default: false },
      "record-answers": { type: "boolean", default: false },
      "vcs-ref": { type: "string", short: "r" },
      prereleases: { type: "boolean", default: false },
      engine: { type: "string", default: "builtin" },
      json: { type: "boolean", default: false },
      quiet: { type: "boolean", short: "q", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const [template, destination, ...extra] = positionals;
  if (!template || !destination) throw new UsageError("a template and a destination are required.");
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  const engine = TemplateEngine.safeParse(values.engine);
  if (!engine.success) throw new UsageError(`--engine must be builtin or copier, not ${values.engine}.`);
  const data = await answersFrom(values.data, values["data-file"]);
  const url = expandGitUrl(template);
  const ref = values["vcs-ref"];
  // A local directory takes --vcs-ref when it is a git work tree (checked as it is fetched).
  const at = { ...(ref ? { ref } : {}), ...(values.prereleases ? { prereleases: true } : {}) };
  return {
    source: url ? { url, ...at } : { path: template, ...at },
    destination,
    data,
    defaults: values.defaults,
    trust: values.trust,
    overwrite: values.overwrite,
    skipTasks: values["skip-tasks"],
    recordAnswers: values["record-answers"],
    engine: engine.data,
    json: values.json,
    quiet: values.quiet,
  };
}

/**
 * Terminal prompts over one readline for the whole run, so answers typed (or pasted) ahead are
 * kept for the questions that follow; a secret's typing is not echoed.
 */
function terminalPrompter(): { ask: Ask; close: () => void } {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const lines = rl[Symbol.asyncIterator]();
  const ask: Ask = async (prompt, problem) => {
    if (problem) process.stderr.write(`  ✗ ${problem}\n`);
    if (prompt.help) process.stderr.write(`  ${prompt.help}\n`);
    for (const choice of prompt.choices ?? []) {
      process.stderr.write(`    - ${choice.label} (${JSON.stringify(choice.value)})\n`);
    }
    const hint = prompt.multiselect ? " [a YAML list]" : "";
    const shown = prompt.default === undefined || prompt.secret ? "" : ` [${JSON.stringify(prompt.default)}]`;
    rl.setPrompt(`? ${prompt.name}${hint}${shown}: `);
    rl.prompt();
    muted = prompt.secret;
    const line = await lines.next();
    if (muted) process.stderr.write("\n");
    muted = false;
    if (line.done)
      throw new ScaffoldError("invalid_answers", "the terminal closed before every question was answered");
    return line.value;
  };
  return { ask, close: () => rl.close() };
}

export async function runScaffoldCommand(args: string[]): Promise<number> {
  if (args[0] === "update") return await runUpdateCommand(args.slice(1));
  let parsed: ScaffoldArgs | "help";
  try {
    parsed = await parseScaffoldArgs(args);
  } catch (err) {
    process.stderr.write(`orchestrator scaffold: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  const settings = parsed;
  const env = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const prompter = !settings.defaults && process.stdin.isTTY ? terminalPrompter() : null;
  try {
    const report = await runScaffold({
      ...settings,
      cacheDir: cacheDir(),
      env,
      ask: prompter?.ask,
      log: (stream, chunk) => {
        if (stream === "stdout") process.stdout.write(settings.json ? "" : chunk);
        else if (!settings.quiet || stream === "stderr") process.stderr.write(chunk);
      },
    });
    if (settings.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (!settings.quiet) {
      process.stderr.write(
        `\nScaffolded ${report.files.length} files into ${settings.destination} (${report.engine} engine).\n`,
      );
    }
    return 0;
  } catch (error) {
    if (!(error instanceof ScaffoldError)) throw error;
    return reportScaffoldError(error, settings);
  } finally {
    prompter?.close();
  }
}
