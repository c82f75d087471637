/**
 * A server to deploy one project onto, for tests that drive the real playbooks: an sshd on
 * 127.0.0.1, a deploy root the project's user can reach (0755, as /srv), a bare repository to
 * deploy from and a free port. `stop()` stops what a deploy left running, removes the project's
 * user, the sshd and the test's temp dirs.
 *
 *   const server = await startDeployTarget("probe", { "serve.py": SERVICE });
 *   const deployed = await server.run({ playbook: "deploy_project", target: server.target(), … });
 *   await server.stop();
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { AnsibleResult, AnsibleSpec, type FinalStatus } from "@codegen-orchestrator/shared";
import { runAnsible } from "../../src/kinds/ansible/runner.ts";
import { bareRepo, fixtureGit, removeTempDirs, tempDir } from "./git-fixtures.ts";
import { runContext } from "./run-context.ts";
import { freePort, type Sshd, startSshd } from "./sshd.ts";

/** Whether `ansible-playbook` is installed (the tests skip, saying so, when it is not). */
export const ansibleAvailable = (): boolean => spawnSync("ansible-playbook", ["--version"]).status === 0;

/** The project's Unix user, as the role's defaults name it. */
export const projectUserOf = (project: string): string =>
  `co-${project.slice(0, 20).replace(/-+$/, "")}-${createHash("sha1").update(project).digest("hex").slice(0, 6)}`;

export interface PlaybookRun {
  status: FinalStatus;
  error?: string;
  output: AnsibleResult | null;
  /** The job's log, as the executor would have streamed it. */
  log: string;
  /** The error and the log, for an assertion's message. */
  explain: () => string;
}

/** Runs one `ansible` job spec against `sshd` (its key is the job's SSH_KEY secret). */
export async function runPlaybook(
  sshd: Pick<Sshd, "privateKey">,
  spec: unknown,
  secrets: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<PlaybookRun> {
  const test = await runContext({
    workdir: await tempDir("co-ansible-job-"),
    secrets: { SSH_KEY: sshd.privateKey, ...secrets },
    deadlineAt: Date.now() + timeoutMs,
  });
  const outcome = await runAnsible(AnsibleSpec.parse(spec), test.ctx);
  const output = outcome.output === undefined ? null : AnsibleResult.parse(outcome.output);
  const log = test.text();
  return {
    status: outcome.status,
    error: outcome.error,
    output,
    log,
    explain: () => `${outcome.error}\n${log}`,
  };
}

export interface DeployTarget {
  project: string;
  sshd: Sshd;
  deployRoot: string;
  repo: { path: string; url: string };
  port: number;
  /** The `target` of a job spec that reaches this server. */
  target: () => { host: string; port: number; user: string; knownHosts: string };
  /** Commits these files (path → content) as main's new head. */
  commit: (files: Record<string, string>, message?: string) => Promise<void>;
  run: (spec: unknown, secrets?: Record<string, string>) => Promise<PlaybookRun>;
  stop: () => Promise<void>;
}

export async function startDeployTarget(
  project: string,
  files?: Record<string, string>,
): Promise<DeployTarget> {
  const sshd = await startSshd();
  const deployRoot = await tempDir(`co-${project}-deploy-root-`);
  // The service runs as its project's user, who must reach the deploy root (as under /srv).
  await chmod(deployRoot, 0o755);
  const repo = await bareRepo(await tempDir(`co-${project}-repo-`), project, 0);
  const commit = async (tree: Record<string, string>, message = "the probe") => {
    const work = await tempDir(`co-${project}-work-`);
    for (const [name, content] of Object.entries(tree)) {
      await mkdir(path.dirname(path.join(work, name)), { recursive: true });
      await writeFile(path.join(work, name), content);
    }
    fixtureGit(work, "init", "--quiet", "--initial-branch=main");
    fixtureGit(work, "add", "--all");
    fixtureGit(work, "commit", "--quiet", "-m", message);
    fixtureGit(work, "push", "--quiet", "--force", repo.path, "main");
  };
  if (files) await commit(files);
  return {
    project,
    sshd,
    deployRoot,
    repo,
    port: await freePort(),
    target: () => ({ host: sshd.host, port: sshd.port, user: sshd.user, knownHosts: sshd.knownHostsLine }),
    commit,
    run: (spec, secrets) => runPlaybook(sshd, spec, secrets),
    stop: async () => {
      // What an undeploy would have stopped, had a test not reached it.
      const ctl = path.join(deployRoot, project, "bin", "co-app-ctl");
      if (existsSync(ctl)) spawnSync(ctl, ["stop"], { timeout: 20_000 });
      spawnSync("userdel", [projectUserOf(project)]);
      await sshd.stop();
      await removeTempDirs();
    },
  };
}
