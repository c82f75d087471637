/**
 * Ansible benchmark: an `ansible` job deploying a small service (the runner called directly: it
 * writes its private files, clones the source and archives it, runs `ansible-playbook` with the
 * JSON-lines callback and parses it) against the same `ansible-playbook deploy_project.yml` run by
 * hand with the same inventory, variables and archive, measured in the same run, alternately,
 * against an sshd on 127.0.0.1 (the tests' harness). Each side deploys a new release every round,
 * so both do the same work. Target: the job at most 1.1× the hand run (median).
 *
 *   npm run bench:ansible
 */
import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { AnsibleSpec } from "@codegen-orchestrator/shared";
import { runAnsible } from "../executor/src/kinds/ansible/runner.ts";
import { anyUserNode } from "../executor/test/support/any-user-node.ts";
import { fixtureGit } from "../executor/test/support/git-fixtures.ts";
import { freePort, startSshd } from "../executor/test/support/sshd.ts";
import { benchJobContext } from "./deploy/job-context.ts";
import { serviceReleases } from "./deploy/service-releases.ts";

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const TARGET = 1.1;
const root = path.resolve(import.meta.dirname, "..");
const ansibleDir = path.join(root, "ansible");
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const sshd = await startSshd();
const scratch = await mkdtemp(path.join(tmpdir(), "co-bench-ansible-"));
// The service runs as its project's user, who must reach the deploy root (as under /srv).
await chmod(scratch, 0o755);
const port = await freePort();
try {
  // A tiny service in a git repository; each round commits a new release of it.
  const { work, bare, next: nextRelease } = serviceReleases(scratch);
  const vars = {
    project: "bench",
    port,
    deploy_root: path.join(scratch, "srv"),
    service_manager: "process",
    start_command: `${anyUserNode()} server.js`,
    health_delay: 1,
  };
  const target = { host: sshd.host, port: sshd.port, user: sshd.user, knownHosts: sshd.knownHostsLine };

  const viaJob = async () => {
    const commit = await nextRelease();
    const spec = AnsibleSpec.parse({
      playbook: "deploy_project",
      target,
      sshKeySecret: "KEY",
      vars,
      source: { url: bare, ref: "main" },
    });
    const workdir = await mkdtemp(path.join(scratch, "job-"));
    const context = benchJobContext({
      id: commit.slice(0, 12),
      workdir,
      ansibleDir,
      sshKey: sshd.privateKey,
    });
    const started = performance.now();
    const outcome = await runAnsible(spec, context);
    const elapsed = performance.now() - started;
    if (outcome.status !== "succeeded") throw new Error(`job failed: ${outcome.error}`);
    return elapsed;
  };

  const byHand = async () => {
    const commit = await nextRelease();
    const dir = await mkdtemp(path.join(scratch, "hand-"));
    const archive = path.join(dir, "source.tar.gz");
    const inventory = path.join(dir, "inventory.ini");
    const knownHosts = path.join(dir, "known_hosts");
    await writeFile(knownHosts, `${sshd.knownHostsLine}\n`);
    await writeFile(
      inventory,
      `target ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_user=${sshd.user} ansible_ssh_private_key_file=${sshd.privateKeyPath} ansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes'\n`,
    );
    const started = performance.now();
    // What a person would do: archive the commit, then run the playbook.
    fixtureGit(work, "archive", "--format=tar.gz", `--output=${archive}`, "HEAD");
    const extra = JSON.stringify({ ...vars, source_archive: archive, source_commit: commit });
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(
        "ansible-playbook",
        ["-i", inventory, "-e", extra, path.join(ansibleDir, "deploy_project.yml")],
        {
          cwd: dir,
          env: {
            ...process.env,
            ANSIBLE_CONFIG: path.join(ansibleDir, "ansible.cfg"),
            ANSIBLE_STDOUT_CALLBACK: "default",
          },
          stdio: "ignore",
        },
      );
      child.once("close", resolve);
    });
    const elapsed = performance.now() - started;
    if (code !== 0) throw new Error(`ansible-playbook by hand exited with ${code}`);
    return elapsed;
  };

  console.log(
    `deploy_project against sshd on 127.0.0.1:${sshd.port}; 1 warm-up each, then ${ROUNDS} alternating rounds\n`,
  );
  await viaJob();
  await byHand();
  const job: number[] = [];
  const hand: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    job.push(await viaJob());
    hand.push(await byHand());
  }
  const ratio = median(job) / median(hand);
  console.log(`ansible-playbook by hand (baseline)   median ${median(hand).toFixed(0)} ms`);
  console.log(`ansible job (runner)                  median ${median(job).toFixed(0)} ms`);
  console.log(`ratio ${ratio.toFixed(2)}× (target ≤ ${TARGET}×): ${ratio <= TARGET ? "met" : "missed"}`);
} finally {
  // Stop the deployed service (the supervisor's process group), then the harness.
  const pidfile = path.join(scratch, "srv/bench/run/app.pid");
  const pid = Number(await readFile(pidfile, "utf8").catch(() => "0"));
  if (pid) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Gone.
    }
  }
  await sshd.stop();
  await rm(scratch, { recursive: true, force: true });
}
