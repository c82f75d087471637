/**
 * Container benchmark: a `container` job (the runner called directly with a RunContext) running a
 * trivial command, against `docker run --rm` of the same image and command with the docker CLI on
 * the same engine, measured in the same run. Target: the job at most 1.5× the CLI (median).
 *
 * The engine is the one at DOCKER_HOST (or the default socket), else a private dockerd started
 * the way the tests start one (executor/test/support/docker-engine.ts; needs root and docker.io).
 * The image is the tests' `co-test/busybox:1`. Both sides are warmed up, then run alternately.
 * A third side, the CLI with everything the job also sets up (its workdir bind-mounted, CPU and
 * memory limits, labels, a name), shows what the extra setup costs the engine. Then a breakdown of
 * the job's time by engine API request (timed at the client, in one more series of jobs).
 *
 *   npm run bench:container
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ContainerSpec } from "@codegen-orchestrator/shared";
import { dockerEngine } from "../executor/src/containers/engine.ts";
import { jobLabels } from "../executor/src/containers/labels.ts";
import type { RunContext } from "../executor/src/jobs/runner.ts";
import { runContainer } from "../executor/src/kinds/container/runner.ts";
import { ensureTestImage, useDockerEngine } from "../executor/test/support/docker-engine.ts";

const ROUNDS = 20;
const WARMUP = 3;
const TARGET = 1.5;
const COMMAND = ["echo", "hi"];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (n: number) => `${n.toFixed(0)} ms`;

const engine = await useDockerEngine({});
process.env.DOCKER_HOST = engine.host;
try {
  const image = await ensureTestImage(engine.docker);
  const version = await engine.docker.version();
  const cli = await runCli(["version", "--format", "{{.Client.Version}}"]);
  console.log(
    `engine ${version.Version} (API ${version.ApiVersion}) at ${engine.host}${engine.owned ? ", started for this run" : ""}; ` +
      `docker CLI ${cli.stdout.trim()}; ${ROUNDS} rounds after ${WARMUP} warm-up\n`,
  );
  const spec = ContainerSpec.parse({ image, command: COMMAND });
  let job = 0;

  const runJob = async (): Promise<number> => {
    const workdir = await mkdtemp(path.join(tmpdir(), "co-bench-container-"));
    const logs: string[] = [];
    const context: RunContext = {
      jobId: `bench-${process.pid}-${++job}`,
      attempt: 1,
      workdir,
      cacheDir: workdir,
      templatesDir: workdir,
      ansibleDir: workdir,
      deadlineAt: Date.now() + 60_000,
      secrets: {},
      signal: new AbortController().signal,
      log: (_stream, chunk) => logs.push(chunk),
      progress: () => {},
    };
    const started = performance.now();
    const outcome = await runContainer(spec, context);
    const elapsed = performance.now() - started;
    await rm(workdir, { recursive: true, force: true });
    if (outcome.status !== "succeeded" || !logs.join("").includes("hi\n"))
      throw new Error(`the job did not succeed: ${outcome.status} ${outcome.error ?? ""} ${logs.join("")}`);
    return elapsed;
  };

  const runDocker = async (args: string[]): Promise<number> => {
    const started = performance.now();
    const result = await runCli(args);
    const elapsed = performance.now() - started;
    if (result.code !== 0 || result.stdout !== "hi\n")
      throw new Error(`docker ${args.join(" ")} failed (${result.code}): ${result.stdout}${result.stderr}`);
    return elapsed;
  };
  const plainArgs = ["run", "--rm", "--network", "none", image, ...COMMAND];
  let equivalent = 0;
  const runEquivalent = async (): Promise<number> => {
    const workdir = await mkdtemp(path.join(tmpdir(), "co-bench-cli-"));
    const labels = jobLabels({ jobId: `bench-cli-${++equivalent}`, attempt: 1, ttlSeconds: 3600 });
    const args = [
      "run",
      "--rm",
      "--name",
      `co-bench-cli-${process.pid}-${equivalent}`,
      "--network",
      "none",
      "--cpus",
      "1",
      "--memory",
      "512m",
      "--memory-swap",
      "512m",
      "--mount",
      `type=bind,source=${workdir},target=/workspace`,
      "--workdir",
      "/workspace",
      ...Object.entries(labels).flatMap(([key, value]) => ["--label", `${key}=${value}`]),
      image,
      ...COMMAND,
    ];
    const elapsed = await runDocker(args);
    await rm(workdir, { recursive: true, force: true });
    return elapsed;
  };

  const sides = {
    job: runJob,
    cli: () => runDocker(plainArgs),
    cliEquivalent: runEquivalent,
  };
  const times: Record<keyof typeof sides, number[]> = { job: [], cli: [], cliEquivalent: [] };
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    for (const [name, run] of Object.entries(sides) as [keyof typeof sides, () => Promise<number>][]) {
      const elapsed = await run();
      if (round >= WARMUP) times[name].push(elapsed);
    }
  }

  const row = (label: string, values: number[]) =>
    `${label.padEnd(58)} median ${ms(percentile(values, 50)).padStart(7)}   p90 ${ms(percentile(values, 90)).padStart(7)}`;
  console.log(row("container job (runner, echo hi)", times.job));
  console.log(row(`docker ${plainArgs.join(" ")}`.slice(0, 58), times.cli));
  console.log(row("docker run --rm + the job's mount/limits/labels/name", times.cliEquivalent));
  const ratio = percentile(times.job, 50) / percentile(times.cli, 50);
  const ratio90 = percentile(times.job, 90) / percentile(times.cli, 90);
  console.log(
    `\nratio job / docker run (median): ${ratio.toFixed(2)}× (p90 ${ratio90.toFixed(2)}×); ` +
      `target ≤ ${TARGET}×: ${ratio <= TARGET ? "met" : "missed"}`,
  );
  console.log(
    `ratio job / docker run with the same setup (median): ${(percentile(times.job, 50) / percentile(times.cliEquivalent, 50)).toFixed(2)}×`,
  );

  // Where the job's time goes: each engine request, timed at the client.
  const docker = await dockerEngine();
  const modem = docker.modem as unknown as {
    dial: (options: { path: string; method: string }, callback: (...args: unknown[]) => void) => void;
  };
  const dial = modem.dial.bind(modem);
  const requests = new Map<string, number[]>();
  modem.dial = (options, callback) => {
    const started = performance.now();
    const key = `${options.method} ${options.path.replace(/\/containers\/[0-9a-f]{64}/, "/containers/{id}").replace(/\?.*/, "")}`;
    dial(options, (...args: unknown[]) => {
      const list = requests.get(key) ?? [];
      list.push(performance.now() - started);
      requests.set(key, list);
      callback(...args);
    });
  };
  const totals: number[] = [];
  for (let round = 0; round < ROUNDS; round++) totals.push(await runJob());
  modem.dial = dial;
  console.log(
    `\nthe job's engine requests (median of ${ROUNDS} jobs; job median ${ms(percentile(totals, 50))}):`,
  );
  let sum = 0;
  for (const [key, values] of requests) {
    const median = percentile(values, 50);
    sum += median * (values.length / ROUNDS);
    console.log(`  ${key.padEnd(40)} ${ms(median).padStart(7)}  ×${(values.length / ROUNDS).toFixed(0)}`);
  }
  console.log(`  ${"sum of the requests".padEnd(40)} ${ms(sum).padStart(7)}`);
  console.log(`  ${"(attach returns at once; wait spans the run)".padEnd(40)}`);
} finally {
  await engine.stop();
}
// The engine client's keep-alive sockets would hold the process open.
process.exit(0);

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", args, { env: { ...process.env, DOCKER_HOST: engine.host } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
