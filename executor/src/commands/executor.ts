/**
 * `orchestrator executor`: runs the daemon until SIGTERM/SIGINT, which drain it. The token comes
 * from ORCHESTRATOR_EXECUTOR_TOKEN or --token-file, never from argv (argv is visible to every
 * user of the host).
 */
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Labels } from "@codegen-orchestrator/shared";
import pino from "pino";
import { Daemon } from "../daemon/daemon.ts";

const HELP = `Usage: orchestrator executor --url URL [options]

Options:
  --url URL           the Worker's base URL (http://127.0.0.1:8787) or its ws(s) connect URL
  --capacity N        jobs run at once (default 2)
  --labels k=v,...    labels jobs can require (default none)
  --data-dir DIR      where job workdirs live (default: <tmp>/orchestrator-executor)
  --templates-dir DIR where relative template paths of copier jobs resolve (default: ./templates)
  --ansible-dir DIR   the playbooks ansible jobs run (default: ./ansible)
  --token-file PATH   file holding the executor token (else ORCHESTRATOR_EXECUTOR_TOKEN)
  --grace-ms MS       on SIGTERM, how long running jobs may finish before they are handed back (default 30000)
`;

export class UsageError extends Error {}

export interface ExecutorSettings {
  url: string;
  capacity: number;
  labels: Record<string, string>;
  dataDir: string;
  templatesDir: string;
  ansibleDir: string;
  graceMs: number;
  token: string;
}

export async function parseExecutorArgs(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<ExecutorSettings | "help"> {
  if (args.some((arg) => arg === "--token" || arg.startsWith("--token="))) {
    throw new UsageError(
      "Never pass the token on the command line: use ORCHESTRATOR_EXECUTOR_TOKEN or --token-file.",
    );
  }
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      url: { type: "string" },
      capacity: { type: "string", default: "2" },
      labels: { type: "string", default: "" },
      "data-dir": { type: "string", default: path.join(tmpdir(), "orchestrator-executor") },
      "token-file": { type: "string" },
      "templates-dir": { type: "string", default: "templates" },
      "ansible-dir": { type: "string", default: "ansible" },
      "grace-ms": { type: "string", default: "30000" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (!values.url) throw new UsageError("--url is required.");
  try {
    new URL(values.url);
  } catch {
    throw new UsageError(`--url is not a URL: ${values.url}`);
  }
  const capacity = Number(values.capacity);
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1024)
    throw new UsageError("--capacity must be 1..1024.");
  const graceMs = Number(values["grace-ms"]);
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new UsageError("--grace-ms must be a number of ms.");
  const pairs = values.labels
    .split(",")
    .filter(Boolean)
    .map((pair) => pair.split("="));
  if (pairs.some((pair) => pair.length !== 2)) throw new UsageError("--labels must be k=v,k=v.");
  const labels = Labels.safeParse(Object.fromEntries(pairs));
  if (!labels.success) throw new UsageError(`--labels: ${labels.error.issues[0]?.message}`);
  const token = values["token-file"]
    ? (await readFile(values["token-file"], "utf8")).trim()
    : (env.ORCHESTRATOR_EXECUTOR_TOKEN ?? "").trim();
  if (!token) throw new UsageError("No token: set ORCHESTRATOR_EXECUTOR_TOKEN or pass --token-file.");
  return {
    url: values.url,
    capacity,
    labels: labels.data,
    dataDir: path.resolve(values["data-dir"]),
    templatesDir: path.resolve(values["templates-dir"]),
    ansibleDir: path.resolve(values["ansible-dir"]),
    graceMs,
    token,
  };
}

export async function runExecutorCommand(args: string[]): Promise<number> {
  let settings: ExecutorSettings | "help";
  try {
    settings = await parseExecutorArgs(args, process.env);
  } catch (err) {
    process.stderr.write(`orchestrator executor: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (settings === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  // Children never inherit the daemon's environment, but leave nothing to chance.
  delete process.env.ORCHESTRATOR_EXECUTOR_TOKEN;
  const log = pino({ base: { service: "orchestrator-executor" } });
  const { promise: stopped, resolve: stop } = Promise.withResolvers<number>();
  const daemon = new Daemon({
    ...settings,
    log,
    // Refused for good (revoked token, wrong version): stop the jobs, then exit non-zero.
    onFatal: () =>
      daemon.shutdown(0).then(
        () => stop(3),
        () => stop(3),
      ),
  });
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal, graceMs: settings.graceMs }, "draining");
      daemon.shutdown(settings.graceMs).then(
        () => stop(0),
        () => stop(1),
      );
    });
  }
  log.info({ url: settings.url, capacity: settings.capacity, labels: settings.labels }, "executor starting");
  await daemon.start();
  const code = await stopped;
  log.flush();
  return code;
}
