/**
 * The `ansible` job kind: real `ansible-playbook` against an sshd on 127.0.0.1, deploying the
 * default template's service from a git repository, checking it answers, deploying again without
 * needless changes, failing with a structured failure, rolling back, and keeping a canary secret
 * out of everything but the target's `.env`.
 */
import { existsSync } from "node:fs";
import { chmod, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { AnsibleResult, AnsibleSpec } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunContext } from "../src/jobs/runner.ts";
import { runAnsible } from "../src/kinds/ansible/runner.ts";
import { scaffold } from "../src/scaffold/scaffold.ts";
import { anyUserNode } from "./support/any-user-node.ts";
import { bareRepo, fixtureGit, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { runContext } from "./support/run-context.ts";
import { freePort, type Sshd, startSshd } from "./support/sshd.ts";

const CANARY = "canary-session-secret-9d2f";
const template = path.resolve(import.meta.dirname, "../../templates/node-service");
let sshd: Sshd;
let deployRoot: string;
let repo: { path: string; url: string };
let port: number;
const commits: string[] = [];

/** Renders the default template with this description and commits it to the test repository. */
async function commitService(description: string) {
  const work = await tempDir("co-service-");
  const project = path.join(work, "project");
  await scaffold({
    templateRoot: template,
    srcPath: "node-service",
    commit: null,
    destination: project,
    data: { project_name: "hello-api", description, modules: ["database"] },
    defaults: true,
    trust: false,
    taskEnv: {},
    log: () => {},
  });
  fixtureGit(project, "init", "--quiet", "--initial-branch=main");
  fixtureGit(project, "add", "--all");
  fixtureGit(project, "commit", "--quiet", "-m", description);
  fixtureGit(project, "push", "--quiet", "--force", repo.path, "main");
  commits.push(fixtureGit(project, "rev-parse", "HEAD"));
}

function spec(playbook: string, vars: Record<string, unknown> = {}, target: Record<string, unknown> = {}) {
  return AnsibleSpec.parse({
    playbook,
    target: { host: sshd.host, port: sshd.port, user: sshd.user, knownHosts: sshd.knownHostsLine, ...target },
    sshKeySecret: "SSH_KEY",
    vars: {
      project: "hello-api",
      port,
      deploy_root: deployRoot,
      service_manager: "process",
      start_command: `${anyUserNode()} src/server.js`,
      health_retries: 30,
      health_delay: 0.5,
      ...vars,
    },
    secretEnv: { SESSION_SECRET: "SESSION" },
    ...(playbook === "deploy_project" ? { source: { url: repo.url, ref: "main" } } : {}),
  });
}

async function run(parsed: AnsibleSpec, overrides: Partial<RunContext> = {}) {
  const test = await runContext({
    workdir: await tempDir("co-ansible-job-"),
    secrets: { SSH_KEY: sshd.privateKey, SESSION: CANARY },
    deadlineAt: Date.now() + 120_000,
    ...overrides,
  });
  const outcome = await runAnsible(parsed, test.ctx);
  if (process.env.DEBUG_ANSIBLE) console.log(test.text());
  if (process.env.DEBUG_ANSIBLE && outcome.status !== "succeeded") {
    console.log(
      await readFile(path.join(deployRoot, "hello-api/logs/app.log"), "utf8").catch(() => "(no log)"),
    );
  }
  const output = outcome.output === undefined ? null : AnsibleResult.parse(outcome.output);
  return { ...outcome, output, text: test.text, progress: test.progress };
}

const get = async (route: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${route}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const privateDirs = async () =>
  (await readdir(tmpdir())).filter(
    (name) => name.startsWith("co-ansible-") && !name.startsWith("co-ansible-job-"),
  );

/**
 * Runs `work` with the temporary directory (where a run keeps its private files) one of this
 * test's own: other test files run playbooks at the same time, and their private directories
 * must not count as this run's.
 */
async function inOwnTmpdir<T>(work: () => Promise<T>): Promise<T> {
  const before = process.env.TMPDIR;
  process.env.TMPDIR = await tempDir("co-runner-tmp-");
  try {
    return await work();
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
}

beforeAll(async () => {
  sshd = await startSshd();
  deployRoot = await tempDir("co-deploy-root-");
  // The service runs as its project's user, who must reach the deploy root (as under /srv).
  await chmod(deployRoot, 0o755);
  repo = await bareRepo(await tempDir("co-service-repo-"), "hello-api", 0);
  port = await freePort();
  await commitService("First release");
}, 60_000);

afterAll(async () => {
  // Stop the deployed service: the process manager's pidfile names its group.
  const pid = Number(await readFile(path.join(deployRoot, "hello-api/run/app.pid"), "utf8").catch(() => "0"));
  if (pid) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  await sshd?.stop();
  await removeTempDirs();
}, 60_000);

describe("ansible runner", { timeout: 300_000 }, () => {
  it("deploys the default template's service from git; it answers on its port", async () => {
    const { result, left } = await inOwnTmpdir(async () => ({
      result: await run(spec("deploy_project")),
      left: await privateDirs(),
    }));
    expect(result.status, result.error).toBe("succeeded");
    expect(result.output?.hosts.target).toMatchObject({ failed: 0, unreachable: 0 });
    expect(result.output?.hosts.target?.changed).toBeGreaterThan(0);
    expect(result.text("system")).toMatch(/TASK \[/);
    expect(await get("/health")).toEqual({ status: 200, body: { status: "ok", service: "hello-api" } });
    expect((await get("/")).body).toEqual({ message: "First release" });
    // The secret reached the service's .env (0600) and nothing else: not the log, not the result,
    // and the run's private directory (key, secret vars) is gone.
    const env = path.join(deployRoot, "hello-api/current/.env");
    expect(await readFile(env, "utf8")).toContain(`SESSION_SECRET='${CANARY}'`);
    expect(result.text()).not.toContain(CANARY);
    expect(JSON.stringify(result.output)).not.toContain(CANARY);
    expect(result.text()).not.toContain(sshd.privateKey.split("\n")[1] ?? "unreachable");
    expect(left).toEqual([]);
  });

  it("a second identical run changes nothing it need not", async () => {
    const result = await run(spec("deploy_project"));
    expect(result.status, result.error).toBe("succeeded");
    expect(result.output?.hosts.target).toMatchObject({ changed: 0, failed: 0 });
    expect((await get("/health")).status).toBe(200);
  });

  it("reports its progress as tasks done of the play's total, from none to all of them", async () => {
    const result = await run(spec("deploy_project"));
    expect(result.status, result.error).toBe("succeeded");
    const counts = result.progress.map(({ message, percent }) => {
      const [, done = "", total = ""] = /^deploy_project: (\d+)\/(\d+) tasks$/.exec(message) ?? [];
      return { done: Number(done), total: Number(total), percent };
    });
    const total = counts[0]?.total ?? 0;
    expect(total).toBeGreaterThan(0);
    expect(counts[0]).toEqual({ done: 0, total, percent: 0 });
    expect(counts.at(-1)).toEqual({ done: total, total, percent: 100 });
    for (const [index, count] of counts.entries()) {
      expect(count.total).toBe(total);
      expect(count.done).toBeGreaterThanOrEqual(counts[index - 1]?.done ?? 0);
    }
  });

  it("deploys a new release, then rollback_project restores the one before", async () => {
    await commitService("Second release");
    const deployed = await run(spec("deploy_project"));
    expect(deployed.status, deployed.error).toBe("succeeded");
    expect((await get("/")).body).toEqual({ message: "Second release" });
    const rolledBack = await run(spec("rollback_project"));
    expect(rolledBack.status, rolledBack.error).toBe("succeeded");
    expect((await get("/")).body).not.toEqual({ message: "Second release" });
    expect((await get("/health")).status).toBe(200);
  });

  it("pins host keys: an unknown key is refused; accepting a new one is explicit and reported", async () => {
    const otherKey =
      "[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    const pinnedWrong = await run(
      spec("health_check", {}, { knownHosts: otherKey.replace("]:1", `]:${sshd.port}`) }),
    );
    expect(pinnedWrong.status).toBe("failed");
    expect(
      pinnedWrong.output?.hosts.target?.unreachable ?? pinnedWrong.output?.failure?.message,
    ).toBeTruthy();

    const accepted = await run(spec("health_check", {}, { knownHosts: undefined, acceptNewHostKey: true }));
    expect(accepted.status, accepted.error).toBe("succeeded");
    expect(accepted.output?.acceptedHostKey).toContain("ssh-ed25519");
    expect(accepted.text("system")).toContain("accepting a new host key");
  });

  it("a release that does not come up fails with the failing task and its message", async () => {
    await commitService("Broken release");
    const result = await run(
      spec("deploy_project", { start_command: "/bin/false", health_retries: 3, health_delay: 0.2 }),
    );
    expect(result.status).toBe("failed");
    expect(result.output?.failure).toMatchObject({ host: "target" });
    expect(result.output?.failure?.task).toBeTruthy();
    expect(result.error).toMatch(/^task ".+" failed on target: /);
    expect(result.text()).not.toContain(CANARY);
  });

  it("a missing secret or playbook fails before anything runs", async () => {
    const noKey = await run(spec("health_check"), { secrets: {} });
    expect(noKey.error).toBe("the job has no secret named SSH_KEY");
    const noPlaybook = await run(spec("health_check"), { ansibleDir: await tempDir("co-empty-ansible-") });
    expect(noPlaybook.error).toMatch(/no playbook health_check\.yml/);
  });

  it("a good release deploys after a broken one", async () => {
    await commitService("Release after a broken one");
    const result = await run(spec("deploy_project"));
    expect(result.status, result.error).toBe("succeeded");
    expect((await get("/")).body).toEqual({ message: "Release after a broken one" });
    expect((await get("/health")).status).toBe(200);
  });

  it("template syntax in env values and secrets is data: it arrives byte for byte, nothing runs", async () => {
    const marker = path.join(await tempDir("co-rce-canary-"), "ran");
    const payloads = {
      LOOKUP: `{{ lookup('pipe', 'touch ${marker}-env') }}`,
      LOOKUP_DQ: `{{ lookup("pipe", "touch ${marker}-dq") }}`,
      STATEMENT: `{% set x = lookup("pipe", "touch ${marker}-stmt") %}x`,
      COMMENT: "{# a comment #}kept",
      ESCAPES: "tab\there \u0085 é 😀",
    };
    const secret = `{{ lookup('pipe', 'touch ${marker}-secret') }}`;
    const result = await run(spec("deploy_project", { app_env: payloads }), {
      secrets: { SSH_KEY: sshd.privateKey, SESSION: secret },
    });
    expect(result.status, result.error).toBe("succeeded");
    const env = await readFile(path.join(deployRoot, "hello-api/current/.env"), "utf8");
    // env.j2 single-quotes a value, or double-quotes it when it holds a single quote.
    expect(env).toContain(`LOOKUP="${payloads.LOOKUP}"\n`);
    expect(env).toContain(`LOOKUP_DQ='${payloads.LOOKUP_DQ}'\n`);
    expect(env).toContain(`STATEMENT='${payloads.STATEMENT}'\n`);
    expect(env).toContain(`COMMENT='${payloads.COMMENT}'\n`);
    expect(env).toContain(`ESCAPES='${payloads.ESCAPES}'\n`);
    expect(env).toContain(`SESSION_SECRET="${secret}"\n`);
    for (const suffix of ["env", "dq", "stmt", "secret"])
      expect(existsSync(`${marker}-${suffix}`)).toBe(false);
  });
});
