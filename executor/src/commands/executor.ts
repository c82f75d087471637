/**
 * `orchestrator executor`: runs the daemon until SIGTERM/SIGINT, which drain it. The token comes
 * from --token-file, systemd's `executor-token` credential or ORCHESTRATOR_EXECUTOR_TOKEN, never
 * from argv (argv is visible to every user of the host). Given in the environment, it would stay
 * readable in /proc/<pid>/environ however it is deleted: the daemon then re-executes itself (same
 * pid) without it, handing the token over in a private file it deletes (executor-token.ts).
 */
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Labels } from "@codegen-orchestrator/shared";
import pino from "pino";
import { Daemon } from "../daemon/daemon.ts";
import { DEFAULT_JOB_UIDS, JobUsers, parseUidRange, type UidRange } from "../process/job-users.ts";
import { dropTokenFromEnvironment, readToken } from "./executor-token.ts";

const HELP = `Usage: orchestrator executor --url URL [options]

Options:
  --url URL           the Worker's base URL (http://127.0.0.1:8787) or its ws(s) connect URL
  --capacity N        jobs run at once (default 2)
  --labels k=v,...    labels jobs can require (default none)
  --data-dir DIR      where job workdirs live (default: <tmp>/orchestrator-executor)
  --templates-dir DIR where relative template paths of copier jobs resolve (default: ./templates)
  --ansible-dir DIR   the playbooks ansible jobs run (default: ./ansible)
  --docker-inside-images DIR
                      docker save tarballs loaded into the Docker engine of every dockerInside
                      test container before its tests (executors without a registry; a warm cache);
                      also ORCHESTRATOR_DOCKER_INSIDE_IMAGES
  --token-file PATH   file holding the executor token
  --grace-ms MS       on SIGTERM, how long running jobs may finish before they are handed back (default 30000)
  --job-uid-range FIRST-LAST
                      the uids (and gids) jobs that run code on this host run as, one per running job;
                      none may belong to anyone else (default ${DEFAULT_JOB_UIDS.first}-${DEFAULT_JOB_UIDS.last},
                      or ORCHESTRATOR_JOB_UIDS); daemons of one host may share a range
  --allow-shared-uid-jobs
                      where the executor cannot switch users (not root): run such jobs as its own user,
                      where they can read its token file and other jobs' files (or
                      ORCHESTRATOR_ALLOW_SHARED_UID_JOBS=1); without it they are refused

The token, never on the command line: --token-file, else systemd's credential executor-token
($CREDENTIALS_DIRECTORY/executor-token, from LoadCredential=executor-token:PATH), else the
variable ORCHESTRATOR_EXECUTOR_TOKEN. Given in the environment, the daemon restarts itself at once
(same pid) without it, so that no process can read it in /proc/<pid>/environ: the token is handed
over in a 0600 file in a private directory, deleted as it is read.
`;

export class UsageError extends Error {}

export interface ExecutorSettings {
  url: string;
  capacity: number;
  labels: Record<string, string>;
  dataDir: string;
  templatesDir: string;
  ansibleDir: string;
  dockerImagesDir?: string | undefined;
  graceMs: number;
  jobUids: UidRange;
  allowSharedUidJobs: boolean;
  token: string;
}

export async function parseExecutorArgs(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<ExecutorSettings | "help"> {
  if (args.some((arg) => arg === "--token" || arg.startsWith("--token="))) {
    throw new UsageError(
      "Never pass the token on the command line: use --token-file, the executor-token credential or ORCHESTRATOR_EXECUTOR_TOKEN.",
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
      "docker-inside-images": { type: "string" },
      "grace-ms": { type: "string", default: "30000" },
      "job-uid-range": { type: "string" },
      "allow-shared-uid-jobs": { type: "boolean", default: false },
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
  const uidsText = values["job-uid-range"] ?? env.ORCHESTRATOR_JOB_UIDS;
  let jobUids = DEFAULT_JOB_UIDS;
  try {
    if (uidsText) jobUids = parseUidRange(uidsText);
  } catch (error) {
    throw new UsageError(`--job-uid-range: ${(error as Error).message}`);
  }
  if (jobUids.last - jobUids.first + 1 < capacity)
    throw new UsageError("--job-uid-range must hold at least --capacity uids (one per running job).");
  const allowShared = env.ORCHESTRATOR_ALLOW_SHARED_UID_JOBS;
  if (allowShared !== undefined && !["0", "1", "true", "false", ""].includes(allowShared))
    throw new UsageError("ORCHESTRATOR_ALLOW_SHARED_UID_JOBS must be 1 or 0.");
  const dockerImages = values["docker-inside-images"] ?? env.ORCHESTRATOR_DOCKER_INSIDE_IMAGES;
  const token = await readToken(values["token-file"], env);
  if (!token)
    throw new UsageError(
      "No token: pass --token-file, load the executor-token credential or set ORCHESTRATOR_EXECUTOR_TOKEN.",
    );
  return {
    url: values.url,
    capacity,
    labels: labels.data,
    dataDir: path.resolve(values["data-dir"]),
    templatesDir: path.resolve(values["templates-dir"]),
    ansibleDir: path.resolve(values["ansible-dir"]),
    ...(dockerImages ? { dockerImagesDir: path.resolve(dockerImages) } : {}),
    graceMs,
    jobUids,
    allowSharedUidJobs: values["allow-shared-uid-jobs"] || allowShared === "1" || allowShared === "true",
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
  try {
    await dropTokenFromEnvironment(settings.token);
  } catch (err) {
    process.stderr.write(`orchestrator executor: ${(err as Error).message}\n`);
    return 1;
  }
  const log = pino({ base: { service: "orchestrator-executor" } });
  const { promise: stopped, resolve: stop } = Promise.withResolvers<number>();
  const jobUsers = new JobUsers({ range: settings.jobUids, allowShared: settings.allowSharedUidJobs });
  const daemon = new Daemon({
    ...settings,
    jobUsers,
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
  try {
    await daemon.start();
  } catch (err) {
    log.error({ err: (err as Error).message }, "the executor could not start");
    process.stderr.write(`orchestrator executor: ${(err as Error).message}\n`);
    log.flush();
    return 1;
  }
  const code = await stopped;
  log.flush();
  return code;
}
