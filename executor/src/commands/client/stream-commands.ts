/**
 * Commands that hold a stream or a prompt rather than make one call:
 * - `secrets set <NAME> --project <id> [--production-only]`: the value from a prompt that shows
 *   nothing, or from stdin when piped; never argv;
 * - `logs <job> [-f]`: a job's log, or followed live until the job ends;
 * - `run watch <run>`: the run's live timeline; the exit status is its outcome.
 */
import { parseArgs } from "node:util";
import { followJobLog, readJobLog } from "../../client/job-log.ts";
import { ArgumentError } from "../../client/operation-args.ts";
import { RUN_EXIT_CODES, watchRun } from "../../client/run-watch.ts";
import { readSecret } from "../../client/secret-input.ts";
import { apiClient, type ClientContext, EXIT, print } from "./context.ts";

export async function runSecretsSet(context: ClientContext, words: string[]): Promise<number> {
  if (words.some((word) => word === "--value" || word.startsWith("--value=")))
    throw new ArgumentError(
      "Never pass a secret on the command line (the shell history and every user of the host see it): type it at the prompt or pipe it in.",
    );
  const { values, positionals } = parseArgs({
    args: words,
    strict: true,
    allowPositionals: true,
    options: { project: { type: "string" }, "production-only": { type: "boolean", default: false } },
  });
  const [name] = positionals;
  if (!name || !values.project || positionals.length > 1)
    throw new ArgumentError("Usage: orchestrator secrets set <NAME> --project <id> [--production-only]");
  const client = await apiClient(context);
  const value = await readSecret(`Value of ${name} (not shown): `, context.stdin, context.stderr);
  if (value.length === 0) throw new ArgumentError("An empty value: nothing was stored.");
  const stored = await client.call("set_secret", {
    id: values.project,
    name,
    body: { value, productionOnly: values["production-only"] },
  });
  print(
    context,
    stored,
    () => `Stored ${name} for project ${values.project} (write-only: it is never shown again).\n`,
  );
  return EXIT.ok;
}

export async function runLogs(context: ClientContext, words: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: words,
    strict: true,
    allowPositionals: true,
    options: { follow: { type: "boolean", short: "f", default: false } },
  });
  const [jobId] = positionals;
  if (!jobId || positionals.length > 1) throw new ArgumentError("Usage: orchestrator logs <job> [-f]");
  const client = await apiClient(context);
  if (!values.follow) {
    const text = await readJobLog(client, jobId);
    print(context, { jobId, log: text }, () => text);
    return EXIT.ok;
  }
  await followJobLog(client, jobId, (text) =>
    context.stdout.write(context.json ? `${JSON.stringify({ jobId, text })}\n` : text),
  );
  return EXIT.ok;
}

export async function runWatch(context: ClientContext, words: string[]): Promise<number> {
  const [runId, ...rest] = words;
  if (!runId || rest.length > 0) throw new ArgumentError("Usage: orchestrator run watch <run>");
  const run = await watchRun(await apiClient(context), runId, { json: context.json, out: context.stdout });
  return RUN_EXIT_CODES[run.status] ?? EXIT.failed;
}
