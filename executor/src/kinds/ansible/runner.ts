/**
 * `ansible` jobs: one playbook of the repository's `ansible/` folder against one host. The key and
 * the secret variables go to 0600 files passed by path (never argv, never an environment), every
 * line of output is masked, the play is streamed task by task (its progress: tasks done of the
 * play's total), and the result is the play recap with the first failing task.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { AnsibleResult, AnsibleSpec } from "@codegen-orchestrator/shared";
import { Git, GitError, type GitPassword } from "../../git/git.ts";
import type { RunContext, Runner, RunOutcome } from "../../jobs/runner.ts";
import { mask, secretNeedles } from "../../process/mask.ts";
import { defaultPath, runProcess } from "../../process/run-process.ts";
import { PlayTracker } from "./events.ts";
import { INVENTORY_HOST, type RunFiles, writeRunFiles } from "./private-files.ts";
import { projectLogs } from "./project-logs.ts";
import { serverCheck } from "./server-check.ts";

/** Every job secret the spec names, or the first one missing. */
function secretValues(spec: AnsibleSpec, secrets: RunContext["secrets"]) {
  const named = (name: string) => {
    const value = secrets[name];
    if (value === undefined) throw new Error(`the job has no secret named ${name}`);
    return value;
  };
  const pick = (map: Record<string, string>) =>
    Object.fromEntries(Object.entries(map).map(([key, name]) => [key, named(name)]));
  const source = spec.source?.credentials;
  return {
    privateKey: named(spec.sshKeySecret),
    vars: pick(spec.secretVars),
    env: pick(spec.secretEnv),
    sourcePassword: source
      ? { username: source.username, password: named(source.passwordSecret) }
      : undefined,
  };
}

/** Masks every secret value as every runner does (`secretNeedles`): the result is built from the play's output. */
function masker(values: string[]) {
  const needles = secretNeedles(values);
  return (text: string) => mask(text, needles);
}

export const runAnsible: Runner<AnsibleSpec> = async (spec, context): Promise<RunOutcome> => {
  const started = performance.now();
  const playbook = path.join(context.ansibleDir, `${spec.playbook}.yml`);
  if (!existsSync(playbook))
    return {
      status: "failed",
      output: undefined,
      error: `no playbook ${spec.playbook}.yml in ${context.ansibleDir}`,
    };
  let secrets: ReturnType<typeof secretValues>;
  try {
    secrets = secretValues(spec, context.secrets);
  } catch (error) {
    return {
      status: "failed",
      output: undefined,
      error: error instanceof Error ? error.message : String(error),
    };
  }
  const mask = masker([
    secrets.privateKey,
    ...Object.values(secrets.vars),
    ...Object.values(secrets.env),
    secrets.sourcePassword?.password ?? "",
  ]);
  const log: RunContext["log"] = (stream, chunk) => context.log(stream, mask(chunk));
  const files = await writeRunFiles(spec, secrets);
  try {
    const play: Play = { spec, context, files, playbook, mask, log, started, extraVars: [] };
    if (spec.source) play.extraVars.push(await sourceVars(spec.source, secrets.sourcePassword, play));
    if (spec.target.acceptNewHostKey)
      log(
        "system",
        `accepting a new host key for ${spec.target.host}:${spec.target.port} (first provisioning)\n`,
      );
    return await runPlaybook(play);
  } catch (error) {
    if (error instanceof GitError) {
      if (error.stoppedBy) return { status: error.stoppedBy, output: undefined };
      return { status: "failed", output: undefined, error: `source: ${mask(error.message)}` };
    }
    throw error;
  } finally {
    await files.remove();
  }
};

/** One run of a playbook: the job, its private files, and its output masked. */
interface Play {
  spec: AnsibleSpec;
  context: RunContext;
  files: RunFiles;
  /** The playbook file. */
  playbook: string;
  /** Extra variables beyond the files' (JSON), each an `-e` argument. */
  extraVars: string[];
  mask: (text: string) => string;
  /** The job's log, masked. */
  log: RunContext["log"];
  /** `performance.now()` when the job started. */
  started: number;
}

/** The source cloned and archived on the controller: the variables that name the archive and its commit. */
async function sourceVars(
  source: NonNullable<AnsibleSpec["source"]>,
  credentials: GitPassword | undefined,
  { files, context, log }: Play,
): Promise<string> {
  const git = new Git({
    cwd: files.dir,
    credentials,
    signal: context.signal,
    deadlineAt: context.deadlineAt,
    log,
  });
  const commit = await git.clone(source.url, "source", { ref: source.ref });
  await git.at("source").run(["archive", "--format=tar.gz", `--output=${files.sourceArchive}`, "HEAD"]);
  log("system", `source ${source.url} at ${commit}\n`);
  return JSON.stringify({ source_archive: files.sourceArchive, source_commit: commit });
}

/** `ansible-playbook`, its play streamed to the log task by task, with its progress: the outcome. */
async function runPlaybook(play: Play): Promise<RunOutcome> {
  const { spec, context, files, mask, log } = play;
  const tracker = new PlayTracker(
    (line) => log("system", `${line}\n`),
    (text) => log("stdout", text),
    (done, total) =>
      context.progress(`${spec.playbook}: ${done}/${total} tasks`, Math.round((done * 100) / total)),
  );
  const args = ["-i", files.inventory, "--limit", INVENTORY_HOST];
  args.push("-e", `@${files.plainVars}`, "-e", `@${files.secretVars}`);
  for (const vars of play.extraVars) args.push("-e", vars);
  args.push(play.playbook);
  const outcome = await runProcess("ansible-playbook", args, {
    cwd: files.dir,
    env: playbookEnv(context.ansibleDir, files.dir),
    signal: context.signal,
    deadlineAt: context.deadlineAt,
    log: (stream, chunk) => (stream === "stdout" ? tracker.push(mask(chunk)) : log(stream, chunk)),
    captureBytes: 65_536,
  });
  tracker.end();
  if (outcome.stoppedBy) return { status: outcome.stoppedBy, output: undefined };
  if (outcome.spawnError) {
    return {
      status: "failed",
      output: undefined,
      error: `could not start ansible-playbook: ${outcome.spawnError.message}; install ansible-core on the executor host`,
    };
  }
  const { record } = tracker;
  const logs = projectLogs(record.data, mask);
  const check = serverCheck(record.data);
  const output: AnsibleResult = {
    playbook: spec.playbook,
    hosts: record.hosts,
    failure: record.failure,
    acceptedHostKey: spec.target.acceptNewHostKey ? (await files.readKnownHosts()) || null : null,
    durationMs: Math.round(performance.now() - play.started),
    ...(logs ? { logs } : {}),
    ...(check ? { check } : {}),
  };
  if (outcome.exitCode === 0) return { status: "succeeded", output };
  const reason = record.failure
    ? `task "${record.failure.task}" failed on ${record.failure.host}: ${record.failure.message}`
    : `ansible-playbook exited with ${outcome.exitCode}: ${mask(outcome.stderr.trim().split("\n").slice(-3).join(" | "))}`;
  return { status: "failed", output, error: reason.slice(0, 4_000) };
}

/** ansible-playbook's environment: none of the daemon's, this folder's settings, all its files in `dir`. */
function playbookEnv(ansibleDir: string, dir: string): Record<string, string> {
  return {
    PATH: defaultPath(),
    HOME: dir,
    ANSIBLE_CONFIG: path.join(ansibleDir, "ansible.cfg"),
    ANSIBLE_CALLBACK_PLUGINS: path.join(ansibleDir, "callback_plugins"),
    ANSIBLE_STDOUT_CALLBACK: "orchestrator_jsonl",
    ANSIBLE_LOCAL_TEMP: path.join(dir, "tmp"),
    ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(dir, "cp"),
    ANSIBLE_NOCOLOR: "1",
    PYTHONUNBUFFERED: "1",
    PYTHONDONTWRITEBYTECODE: "1",
  };
}
