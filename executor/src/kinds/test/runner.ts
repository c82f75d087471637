/**
 * `test` jobs (the Tester): the project is cloned at the spec's ref into `<workdir>/repo`, its
 * manifest (`orchestrator.json`) says how to run its tests, else the conventions its files follow
 * (a Makefile's `test` target, package.json's test script, pytest, unittest: project/profile.ts);
 * the spec's command overrides both. The setup step runs if there is one, then the tests, like an exec job: the job's user (who is
 * given the checkout, cloned by the daemon), own process group, no daemon environment (PATH, a HOME
 * in the workdir, CI=true, NODE_ENV=test, the spec's env and the job's secrets but the checkout's
 * password: the project's code never gets the repository token).
 * With `container`, the setup step and the tests run in containers on the executor's Docker
 * engine instead, the workdir mounted and the secrets as files (kinds/test/in-container.ts); the
 * clone and the manifest stay on the host. The result has the counts and failing tests the output
 * names (kinds/test/summary.ts) and its end, with the secrets masked (as in the log and the error,
 * where every runner is registered: jobs/runner.ts). Failing tests are a result (the job succeeds with
 * `passed: false`); the job fails when the tests could not run.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import {
  PROJECT_MANIFEST,
  TEST_COMMAND_HINT,
  type TestResult,
  type TestSpec,
} from "@codegen-orchestrator/shared";
import { type DockerEngine, dockerEngine } from "../../containers/engine.ts";
import { JobFailure } from "../../containers/job-container.ts";
import { GitError } from "../../git/git.ts";
import { CHECKOUT_DIR, jobGit } from "../../git/job-git.ts";
import type { RunContext, Runner, RunOutcome } from "../../jobs/runner.ts";
import { giveTree } from "../../process/job-files.ts";
import { secretNeedles } from "../../process/mask.ts";
import { defaultPath, failureOf, type ProcessOutcome, runProcess } from "../../process/run-process.ts";
import { profileOfCheckout } from "../../project/checkout-view.ts";
import { ManifestError } from "../../project/manifest.ts";
import { type ContainerStep, openTestEngine, runInContainer, WORKSPACE } from "./in-container.ts";
import { lastChars, OutputTail } from "./output-tail.ts";
import { summarise } from "./summary.ts";

/** How much of the tests' output end is kept to find the summary and failing tests in. */
const PARSED_CHARS = 1024 * 1024;
/** How much of a failed setup's output end its error quotes. */
const SETUP_ERROR_CHARS = 2000;

export interface TestRunnerOptions {
  /** The engine for `container` specs; default: `DOCKER_HOST`, else the default socket. */
  engine?: () => Promise<DockerEngine>;
  /** In a container, between the stop signal and SIGKILL; default the runners' common grace (3 s). */
  graceMs?: number;
}

export function testRunner(options: TestRunnerOptions = {}): Runner<TestSpec> {
  const engine = options.engine ?? (() => dockerEngine());
  return async (spec, context) => {
    try {
      return await testProject(spec, context, { engine, graceMs: options.graceMs });
    } catch (error) {
      if (!(error instanceof JobFailure)) throw error;
      return { status: "failed", output: undefined, error: error.message };
    }
  };
}

/** The runner with the default engine: what the daemon registers. */
export const runTest: Runner<TestSpec> = testRunner();

/** The job; a `JobFailure` when the engine of a `container` spec refuses or its container does not start. */
async function testProject(
  spec: TestSpec,
  context: RunContext,
  options: { engine: () => Promise<DockerEngine>; graceMs: number | undefined },
): Promise<RunOutcome> {
  // What the result keeps of the output is masked as the log is.
  const secrets = secretNeedles(Object.values(context.secrets));
  // The engine and the image first: a job the engine cannot run fails before its checkout is made.
  const inImage = spec.container && {
    container: spec.container,
    docker: await openTestEngine(spec.container, options.engine),
  };
  // Phases only: how far the tests themselves got, the output does not tell reliably as it comes.
  context.progress("checking out");
  const checkedOut = await checkOut(spec, context);
  if (typeof checkedOut !== "string") return checkedOut;
  const commit = checkedOut;
  context.log("system", `testing commit ${commit}\n`);

  const checkout = path.join(context.workdir, CHECKOUT_DIR);
  const tests = await testsOf(spec, checkout);
  if ("error" in tests) return failed(tests.error);
  const { command, setup, from } = tests;
  context.log("system", `tests: ${command.join(" ")} (from ${from})\n`);
  const dockerInside = needsEngineInside(spec, tests.docker);
  if (tests.docker && !dockerInside)
    context.log(
      "system",
      `the tests call Docker, but this job gives them no Docker engine (${spec.container ? "container.dockerInside is never" : "they run on the host"})\n`,
    );

  const home = path.join(context.workdir, "home");
  await mkdir(home, { mode: 0o700 });
  if (context.user && !inImage) {
    await giveTree(checkout, context.user);
    await giveTree(home, context.user);
  }
  const run = commandRunner({
    spec,
    context,
    inImage: inImage && { ...inImage, dockerInside },
    checkout,
    home,
    graceMs: options.graceMs,
  });
  if (setup) {
    context.progress("setup");
    const tail = new OutputTail(SETUP_ERROR_CHARS, secrets);
    const outcome = await run(setup, tail, "setup");
    if (outcome.stoppedBy) return { status: outcome.stoppedBy, output: undefined };
    const failure = failureOf(setup.join(" "), outcome);
    if (failure) {
      const oom = outcome.oomKilled
        ? ` (out of memory: killed at the ${spec.container?.memoryMb} MB limit)`
        : "";
      const end = tail.end().text.trim();
      return failed(
        `the setup step failed: ${failure}${oom}${end ? `; its output ended with:\n${end}` : ""}`,
      );
    }
  }
  context.progress("running tests");
  const where = inImage
    ? `is it installed in the image ${inImage.container.image}, on its PATH?`
    : "is it installed, on the executor's PATH?";
  return runTests(
    { spec, context, commit, command, from, where },
    run,
    new OutputTail(PARSED_CHARS, secrets),
  );
}

/**
 * How the tests run: the spec's command (with the manifest's setup, if any), else the profile's
 * (the repository's manifest, else the template catalog's the spec carries, else a convention);
 * an error saying what to add when nothing says how.
 */
async function testsOf(
  spec: TestSpec,
  checkout: string,
): Promise<
  { command: string[]; setup: string[] | undefined; docker: boolean; from: string } | { error: string }
> {
  let profile: Awaited<ReturnType<typeof profileOfCheckout>>;
  try {
    profile = await profileOfCheckout(checkout, spec.manifest);
  } catch (error) {
    if (error instanceof ManifestError) return { error: error.message };
    throw error;
  }
  const declared = [PROJECT_MANIFEST, spec.manifest?.from].includes(profile.test?.from);
  const setup = declared ? profile.test?.setup : undefined;
  if (spec.command) return { command: spec.command, setup, docker: false, from: "the job's spec" };
  if (profile.test) {
    const { command, setup: declaredSetup, docker, from } = profile.test;
    return { command, setup: declaredSetup, docker, from };
  }
  return {
    error: `the repository does not say how to run its tests: it has no ${PROJECT_MANIFEST} at its root naming them${spec.manifest ? `, ${spec.manifest.from} names none,` : ""} and follows no convention the Tester knows. To fix it, ${TEST_COMMAND_HINT}; or give the job a command`,
  };
}

/** Whether the tests get a Docker engine inside their container: always, or when they call Docker. */
const needsEngineInside = (spec: TestSpec, testsCallDocker: boolean): boolean =>
  spec.container?.dockerInside === "always" ||
  (spec.container?.dockerInside === "when-needed" && testsCallDocker);

const failed = (error: string): RunOutcome => ({ status: "failed", output: undefined, error });

/** The project cloned at the spec's ref: its commit, or the job's outcome when it could not be. */
async function checkOut(spec: TestSpec, context: RunContext): Promise<string | RunOutcome> {
  const opened = jobGit(spec.checkout.credentials, context);
  if (!opened.git) return failed(`checkout.${opened.error}`);
  let commit: string | null;
  try {
    commit = await opened.git.clone(spec.checkout.url, CHECKOUT_DIR, { ref: spec.checkout.ref });
  } catch (error) {
    if (error instanceof GitError && error.stoppedBy) return { status: error.stoppedBy, output: undefined };
    const message = error instanceof Error ? error.message : String(error);
    return failed(`could not check out ${spec.checkout.url}: ${message}`);
  }
  if (commit === null) return failed(`${spec.checkout.url} has no commits to test`);
  return commit;
}

type CommandRun = (
  argv: readonly string[],
  tail: OutputTail,
  role: "setup" | "tests",
) => Promise<ProcessOutcome & { oomKilled?: boolean }>;

/** Runs one of the project's commands where the spec says: in the checkout on the host, or in a container. */
function commandRunner(job: {
  spec: TestSpec;
  context: RunContext;
  /** The engine and the image's settings, for a spec with `container`. */
  inImage: Pick<ContainerStep, "docker" | "container" | "dockerInside"> | undefined;
  checkout: string;
  home: string;
  graceMs: number | undefined;
}): CommandRun {
  const { spec, context, inImage } = job;
  const plainEnv = { CI: "true", NODE_ENV: "test", ...spec.env };
  const secretEnv = projectSecrets(spec, context.secrets);
  return (argv, tail, role) => {
    context.log("system", `$ ${argv.join(" ")}\n`);
    if (!inImage) {
      const env = { PATH: defaultPath(), HOME: job.home, ...plainEnv, ...secretEnv };
      return runInCheckout(argv, { checkout: job.checkout, env, context, tail });
    }
    // The image's PATH applies; HOME is the same directory, as the container sees it.
    const env = { HOME: `${WORKSPACE}/home`, ...plainEnv };
    return runInContainer({
      ...inImage,
      role,
      argv,
      env,
      secretEnv,
      checkoutDir: CHECKOUT_DIR,
      context,
      tail,
      graceMs: job.graceMs,
    });
  };
}

/** The tests run: the result (counts, failing tests, the output's end) whether they passed or not. */
async function runTests(
  job: {
    spec: TestSpec;
    context: RunContext;
    commit: string;
    command: string[];
    from: string;
    where: string;
  },
  run: CommandRun,
  tail: OutputTail,
): Promise<RunOutcome> {
  const { spec, context, command } = job;
  const outcome = await run(command, tail, "tests");
  if (outcome.spawnError) return failed(`${failureOf(command.join(" "), outcome)} (${job.where})`);
  const kept = tail.end();
  const { counts, failures } = summarise(kept.text);
  const output = lastChars(kept.text, spec.outputLimit);
  const result: TestResult = {
    commit: job.commit,
    command,
    commandFrom: job.from,
    passed: outcome.exitCode === 0 && outcome.stoppedBy === null,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    durationMs: outcome.durationMs,
    counts,
    failures,
    output,
    outputTruncated: kept.truncated || output.length < kept.text.length,
  };
  // Stopped, the result still says how far the tests got (e.g. which one hung).
  if (outcome.stoppedBy) return { status: outcome.stoppedBy, output: result };
  const tally = counts ? ` (${counts.passed} passed, ${counts.failed} failed of ${counts.total})` : "";
  context.log("system", `tests ${result.passed ? "passed" : "failed"}${tally}\n`);
  return { status: "succeeded", output: result };
}

/** The job's secrets the tests may see: all but the one the checkout authenticates with. */
function projectSecrets(spec: TestSpec, secrets: Record<string, string>): Record<string, string> {
  const password = spec.checkout.credentials?.passwordSecret;
  return Object.fromEntries(Object.entries(secrets).filter(([name]) => name !== password));
}

/** One command in the checkout, its output streamed to the job's log and kept in `tail` (masked). */
function runInCheckout(
  argv: readonly string[],
  options: { checkout: string; env: Record<string, string>; context: RunContext; tail: OutputTail },
): Promise<ProcessOutcome> {
  const { context, tail } = options;
  const [command = "", ...args] = argv;
  return runProcess(command, args, {
    cwd: options.checkout,
    env: options.env,
    signal: context.signal,
    deadlineAt: context.deadlineAt,
    log: (stream, chunk) => {
      context.log(stream, chunk);
      if (stream !== "system") tail.write(chunk);
    },
    user: context.user,
    // The group id, beside the workdir: a daemon restarted after a crash kills leftover groups.
    pidFile: `${context.workdir}.pid`,
  });
}
