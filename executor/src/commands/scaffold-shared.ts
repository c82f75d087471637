/** What `orchestrator scaffold` and `orchestrator scaffold update` share: answers, cache, errors. */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { describeLocation, type ScaffoldError } from "../scaffold/errors.ts";
import { UsageError } from "./executor.ts";

/** The answers of `--data-file FILE` (a YAML mapping), then of each `--data KEY=VALUE`. */
export async function answersFrom(pairs: string[], dataFile?: string): Promise<Record<string, unknown>> {
  const data: Record<string, unknown> = {};
  if (dataFile) {
    const parsed = parseYaml(await readFile(dataFile, "utf8"));
    if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) {
      throw new UsageError("--data-file must hold a YAML mapping of answers.");
    }
    Object.assign(data, parsed);
  }
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at < 1) throw new UsageError(`--data takes KEY=VALUE, not ${pair}`);
    data[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return data;
}

export const cacheDir = () =>
  path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache"), "codegen-orchestrator");

/** Prints a scaffold's error (as JSON too with `json`), what to do next, and returns the exit status. */
export function reportScaffoldError(
  error: ScaffoldError,
  settings: { json: boolean; defaults: boolean },
): number {
  if (settings.json) process.stdout.write(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
  const questions = error.details.questions ?? [];
  const headline =
    questions.length > 0
      ? `${questions.length} invalid answer${questions.length > 1 ? "s" : ""}:`
      : error.message;
  process.stderr.write(`orchestrator scaffold: ${describeLocation(error.details)}${headline}\n`);
  for (const problem of questions) process.stderr.write(`  - ${problem.question}: ${problem.message}\n`);
  if (error.code === "invalid_answers") {
    process.stderr.write(
      process.stdin.isTTY || settings.defaults
        ? "Fix the answers (--data KEY=VALUE) and run it again.\n"
        : "No terminal to ask on: answer with --data KEY=VALUE, or take the defaults with --defaults.\n",
    );
  }
  return error.code === "unsafe_template" ? 4 : 1;
}
