/**
 * Release benchmark: the blue-green deploy of a new commit (the `ansible` job running
 * deploy_project behind the server's Caddy, with a standby port) against a floor measured in the
 * same run on the same host: a hand-written script doing the same work over one SSH connection
 * (archive the commit, upload and unpack it, write its .env, start it on the spare port as another
 * user, wait for its health URL, point the proxy's site at it and reload Caddy, stop the old one).
 * Both sides deploy a new commit every round, alternately, against an sshd on 127.0.0.1. Prints
 * the medians, their ratio (target ≤ 1.5×) and where the job's time goes, task by task.
 *
 *   npm run bench:release            (ROUNDS=5 by default; TOP=40 lists 40 tasks by name)
 */
import { spawn, spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { AnsibleSpec } from "@codegen-orchestrator/shared";
import { runAnsible } from "../executor/src/kinds/ansible/runner.ts";
import { anyUserNode } from "../executor/test/support/any-user-node.ts";
import { fixtureGit } from "../executor/test/support/git-fixtures.ts";
import { proxyDirOf, stopProxy } from "../executor/test/support/proxy.ts";
import { freePort, startSshd } from "../executor/test/support/sshd.ts";
import { benchJobContext } from "./deploy/job-context.ts";
import { serviceReleases } from "./deploy/service-releases.ts";

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const TARGET = 1.5;
/** How many of the job's tasks are listed by name (TOP=…); the rest are summed. */
const SHOWN = Number(process.env.TOP ?? 15);
const DOMAIN = "apps.test";
const root = path.resolve(import.meta.dirname, "..");
const ansibleDir = path.join(root, "ansible");
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * The floor's remote side, one `sh -c` over one SSH connection, the archive on its stdin. Its
 * arguments: release dir, slot port, old port, site file, Caddyfile, node, pid dir.
 */
const FLOOR_SCRIPT = `set -eu
release=$1 port=$2 old=$3 site=$4 caddyfile=$5 node=$6 pids=$7
mkdir -p "$release"
tar -xz -C "$release"
printf "PORT='%s'\\nHOST='127.0.0.1'\\n" "$port" > "$release/.env"
chown -R nobody: "$release"
chmod 600 "$release/.env"
start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$pids/$port.pid" \\
  --chuid nobody --chdir "$release" --startas /bin/sh -- -c 'set -a; . ./.env; exec "$0" server.js' "$node"
i=0
until curl -fsS -o /dev/null "http://127.0.0.1:$port/health"; do
  i=$((i + 1)); [ "$i" -lt 600 ] || { echo "never healthy" >&2; exit 1; }; sleep 0.05
done
sed -i "s/reverse_proxy 127.0.0.1:[0-9]*/reverse_proxy 127.0.0.1:$port/" "$site"
caddy reload --config "$caddyfile" --adapter caddyfile >/dev/null 2>&1
start-stop-daemon --stop --quiet --oknodo --pidfile "$pids/$old.pid" --retry TERM/5/KILL/1
rm -f "$pids/$old.pid"`;

const sshd = await startSshd();
const scratch = await mkdtemp(path.join(tmpdir(), "co-bench-release-"));
// The services run as users of their own, who must reach the deploy root (as under /srv).
await chmod(scratch, 0o755);
const deployRoot = path.join(scratch, "srv");
const ports = { job: [await freePort(), await freePort()], floor: [await freePort(), await freePort()] };
const httpsPort = await freePort();
const node = anyUserNode();
const target = { host: sshd.host, port: sshd.port, user: sshd.user, knownHosts: sshd.knownHostsLine };
try {
  // A tiny service in a git repository; each round commits a new release of it.
  const { work, bare, next: nextRelease } = serviceReleases(scratch);

  /** Task name → its durations (ms), from the job's log lines as they arrived. */
  const taskTimes = new Map<string, number[]>();
  const viaJob = async () => {
    const commit = await nextRelease();
    const spec = AnsibleSpec.parse({
      playbook: "deploy_project",
      target,
      sshKeySecret: "KEY",
      vars: {
        project: "bench",
        port: ports.job[0],
        standby_port: ports.job[1],
        deploy_root: deployRoot,
        service_manager: "process",
        start_command: `${node} server.js`,
        health_delay: 0.1,
        health_retries: 100,
        drain_seconds: 0,
        proxy_domains: [`bench.${DOMAIN}`],
        proxy_https_port: httpsPort,
        proxy_tls: "internal",
        proxy_bind: "127.0.0.1",
      },
      source: { url: bare, ref: "main" },
    });
    const workdir = await mkdtemp(path.join(scratch, "job-"));
    let last = { name: "(before the first task: clone, archive, ansible-playbook's start)", at: 0 };
    const lap = (name: string) => {
      const now = performance.now();
      taskTimes.set(last.name, [...(taskTimes.get(last.name) ?? []), now - last.at]);
      last = { name, at: now };
    };
    const job = { id: commit.slice(0, 12), workdir, ansibleDir, sshKey: sshd.privateKey };
    const context = benchJobContext(job, (_stream, chunk) => {
      for (const match of chunk.matchAll(/^TASK \[(.+)\]$/gm)) lap(match[1] as string);
    });
    const started = performance.now();
    last.at = started;
    const outcome = await runAnsible(spec, context);
    lap("(end)");
    const elapsed = performance.now() - started;
    if (outcome.status !== "succeeded") throw new Error(`job failed: ${outcome.error}`);
    return elapsed;
  };

  // The floor's project: its release dirs, pidfiles and site beside the job's, on the same Caddy.
  const floorDir = path.join(deployRoot, "floor");
  const site = path.join(proxyDirOf(deployRoot), "sites", "floor.caddy");
  const caddyfile = path.join(proxyDirOf(deployRoot), "Caddyfile");
  let floorLive = 1;
  const floor = async () => {
    const commit = await nextRelease();
    const dir = await mkdtemp(path.join(scratch, "floor-"));
    const archive = path.join(dir, "source.tar.gz");
    const knownHosts = path.join(dir, "known_hosts");
    await writeFile(knownHosts, `${sshd.knownHostsLine}\n`);
    const [port, old] = floorLive === 0 ? [ports.floor[1], ports.floor[0]] : [ports.floor[0], ports.floor[1]];
    const started = performance.now();
    fixtureGit(work, "archive", "--format=tar.gz", `--output=${archive}`, commit);
    const args = [path.join(floorDir, "releases", commit), port, old, site, caddyfile, node, floorDir];
    const quoted = args.map((arg) => `'${String(arg)}'`).join(" ");
    const { code, stderr } = await sshRun(
      [
        "-i",
        sshd.privateKeyPath,
        "-p",
        String(sshd.port),
        "-o",
        `UserKnownHostsFile=${knownHosts}`,
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        `${sshd.user}@${sshd.host}`,
        `sh -c '${FLOOR_SCRIPT.replaceAll("'", `'"'"'`)}' floor ${quoted}`,
      ],
      archive,
    );
    const elapsed = performance.now() - started;
    if (code !== 0) throw new Error(`the floor's script exited with ${code}: ${stderr}`);
    floorLive = 1 - floorLive;
    return elapsed;
  };

  console.log(
    `blue-green release of a new commit against sshd on 127.0.0.1:${sshd.port}, behind Caddy; 1 warm-up each, then ${ROUNDS} alternating rounds\n`,
  );
  await viaJob(); // installs the proxy and the job's project
  await mkdir(path.join(floorDir, "releases"), { recursive: true });
  await writeFile(
    site,
    `floor.${DOMAIN} {\n\tbind 127.0.0.1\n\ttls internal\n\treverse_proxy 127.0.0.1:1\n}\n`,
  );
  await floor();
  taskTimes.clear();
  const job: number[] = [];
  const hand: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    job.push(await viaJob());
    hand.push(await floor());
  }
  const ratio = median(job) / median(hand);
  console.log(`floor: one SSH connection, a shell script (baseline)   median ${median(hand).toFixed(0)} ms`);
  console.log(`ansible job, deploy_project blue-green                median ${median(job).toFixed(0)} ms`);
  console.log(`ratio ${ratio.toFixed(2)}× (target ≤ ${TARGET}×): ${ratio <= TARGET ? "met" : "missed"}\n`);
  const tasks = [...taskTimes].map(([name, times]) => ({ name, ms: median(times) }));
  const total = tasks.reduce((sum, task) => sum + task.ms, 0);
  console.log(`the job's ${tasks.length - 1} tasks, by median time (sum ${total.toFixed(0)} ms):`);
  for (const task of tasks.sort((a, b) => b.ms - a.ms).slice(0, SHOWN))
    console.log(`  ${task.ms.toFixed(0).padStart(6)} ms  ${task.name}`);
  const rest = tasks.sort((a, b) => b.ms - a.ms).slice(SHOWN);
  if (rest.length > 0) {
    const restTotal = rest.reduce((sum, task) => sum + task.ms, 0);
    const restMedian = median(rest.map((task) => task.ms));
    console.log(
      `  ${restTotal.toFixed(0).padStart(6)} ms  the other ${rest.length} entries (median ${restMedian.toFixed(0)} ms each)`,
    );
  }
} finally {
  // The services (both slots of the job's project, the floor's), Caddy, the harness.
  spawnSync(path.join(deployRoot, "bench", "bin", "co-app-ctl"), ["stop"], { timeout: 30_000 });
  for (const port of ports.floor) {
    const pidfile = path.join(deployRoot, "floor", `${port}.pid`);
    spawnSync("start-stop-daemon", [
      "--stop",
      "--quiet",
      "--oknodo",
      "--pidfile",
      pidfile,
      "--retry",
      "TERM/5/KILL/1",
    ]);
  }
  stopProxy(deployRoot);
  await sshd.stop();
  await rm(scratch, { recursive: true, force: true });
}

/** Runs ssh with these arguments, a file (or nothing) on its stdin. */
function sshRun(args: string[], stdinFile: string | null): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("ssh", args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stderr }));
    if (stdinFile) createReadStream(stdinFile).pipe(child.stdin);
    else child.stdin.end();
  });
}
