/**
 * The DevOps graph end to end (wrangler dev, a real executor, real Claude Code against a scripted
 * loopback model, real ansible-playbook against an sshd on 127.0.0.1 registered as the server):
 * an engineering run that passes its tests starts the deploy; the EnvAnalyzer sorts the
 * variables (rules, then the model); the run waits for the one value only the user has; once it
 * is set, Ansible deploys the tested commit, a health check from the executor passes, the
 * deployment is recorded and `GET <url>/health` answers 200. Then a commit that breaks the
 * service (its /health answers 500 once deployed) passes its tests and is deployed: the deploy
 * fails, the previous release is restored and answers again, and an incident is opened.
 */

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claudeBinary,
  type FakeAnthropic,
  startFakeAnthropic,
} from "../executor/test/support/fake-anthropic.ts";
import { type Sshd, sshdAvailable, startSshd } from "../executor/test/support/sshd.ts";
import { adminCall } from "../scripts/local-stack.ts";
import { queryD1 } from "./support/d1.ts";
import { stopDeployedServices } from "./support/deployed.ts";
import { Fleet } from "./support/fleet.ts";
import { appendFile, pipelineModel } from "./support/pipeline-model.ts";
import { runEnded, type TimelineStep, until } from "./support/poll.ts";
import { registerServer, SERVER_PATH } from "./support/scenario.ts";

/**
 * Where template syntax would leave its mark if anything evaluated it: a member's repository and
 * secret values are data all the way to the deployed .env (the RCE of cf1dabc ran these as root).
 */
const CANARY = path.join(tmpdir(), `co-rce-canary-${process.pid}`);
const TOKEN = `tok-{{ lookup("pipe", "touch ${CANARY}-secret") }}`;
const claude = claudeBinary();
const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
let fleet: Fleet;
let sshd: Sshd;
let repos: string;
let deployRoot: string;
let model: FakeAnthropic;
/** The first test's project, deployed (the second one breaks it). */
let deployed: { projectId: string; url: string; commit: string } | undefined;
/** The Developer's next engineering run breaks the service instead. */
let breakHealth = false;

type Step = TimelineStep;
const steps = async (id: string): Promise<Step[]> => (await fleet.call(`/runs/${id}/steps`)).items;

const ENV_EXAMPLE_ADDITIONS = `
# user: the token API clients send in the Authorization header
SHORTENER_API_TOKEN=
LINK_TTL_DAYS=
# computed: a greeting
GREETING={{ lookup('pipe', 'touch ${CANARY}-env') }}
# computed: a motto
MOTTO={% if true %}{# a comment #}kept{% endif %}`;
// /health answers 500 where PUBLIC_URL is set (the deployed .env), so `npm test` still passes.
const BREAK_HEALTH = `sed -i 's/json(res, 200, { status: "ok"/json(res, process.env.PUBLIC_URL ? 500 : 200, { status: "ok"/' src/server.js && grep -q 'PUBLIC_URL ? 500' src/server.js`;

/** A run, once it ended (a failed deploy and its rollback take two Ansible runs). */
const finished = (id: string, what: string) => runEnded((route) => fleet.call(route), id, what);

beforeAll(async () => {
  if (!claude || !ansible || !sshdAvailable()) return;
  process.env.ORCHESTRATOR_CLAUDE_BIN = claude;
  // The server runs services with this Node (as provisioning would install it), not the system's.
  sshd = await startSshd({ sessionPath: SERVER_PATH });
  repos = await mkdtemp(path.join(tmpdir(), "co-repos-"));
  deployRoot = await mkdtemp(path.join(tmpdir(), "co-deploy-"));
  model = await startFakeAnthropic(
    pipelineModel(
      {
        "Link Keeper": () =>
          breakHealth ? [BREAK_HEALTH] : [appendFile(".env.example", ENV_EXAMPLE_ADDITIONS)],
      },
      { LINK_TTL_DAYS: { kind: "computed", value: "30" } },
    ),
  );
  fleet = await Fleet.start(
    // Five tries at the service's health before a deploy (or rollback) gives up, not thirty.
    {
      REPO_BASE_URL: pathToFileURL(repos).href,
      // The last test imports a local repository (allowed in local set-ups only).
      REPO_ALLOW_LOCAL: "true",
      ANTHROPIC_BASE_URL: model.baseUrl,
      DEPLOY_HEALTH_RETRIES: "5",
    },
    { ANTHROPIC_API_KEY: "sk-ant-devops-test", DEPLOY_SSH_KEY: sshd.privateKey },
  );
}, 120_000);

afterAll(async () => {
  if (deployRoot) stopDeployedServices(deployRoot);
  await fleet?.stop();
  await model?.close();
  await sshd?.stop();
  for (const dir of [repos, deployRoot]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!claude || !ansible || !sshdAvailable())("DevOps pipeline", { timeout: 300_000 }, () => {
  it("deploys the tested commit after asking for the one value only the user has", async () => {
    const { server, portStart } = await registerServer(fleet.call.bind(fleet), sshd, deployRoot);
    expect(server.knownHosts).toBeNull();
    await fleet.executor(2, {});
    const project = await fleet.call("/projects", { name: "Link Keeper", description: "Keeps links." });
    const engineering = await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" });

    // The engineering run passes and starts the deploy, which waits for the user's value.
    const devops = await until("the deploy to wait", async () => {
      const { items } = await fleet.call(`/projects/${project.id}/runs`);
      const run = items.find((item: { kind: string }) => item.kind === "devops");
      return run?.status === "waiting" ? run : undefined;
    });
    expect(await fleet.call(`/runs/${engineering.id}`)).toMatchObject({ status: "succeeded" });
    const waiting = await steps(devops.id);
    expect(waiting.map((step) => [step.name, step.status])).toEqual([
      ["inspect", "succeeded"],
      ["allocate", "succeeded"],
      ["analyze env", "succeeded"],
      ["secrets", "succeeded"],
      ["secret SHORTENER_API_TOKEN", "running"],
    ]);
    const [, allocate, analyze, secrets] = waiting as [Step, Step, Step, Step];
    expect(allocate.detail).toEqual({
      server: "local",
      port: portStart,
      url: `http://127.0.0.1:${portStart}`,
    });
    // Rules first (the template's comments, well-known names), the model for what is left.
    expect(analyze.detail).toEqual({
      PORT: "infra (comment)",
      PUBLIC_URL: "infra (comment)",
      SESSION_SECRET: "generated (comment)",
      SHORTENER_API_TOKEN: "user (comment)",
      LINK_TTL_DAYS: "computed (model)",
      GREETING: "computed (comment)",
      MOTTO: "computed (comment)",
    });
    expect(secrets.detail).toEqual({ generated: ["SESSION_SECRET"], asked: ["SHORTENER_API_TOKEN"] });
    const classify = model.requests.filter((request) => request.body.includes("classify_env"));
    expect(classify).toHaveLength(1);
    expect(classify[0]?.body).toContain("LINK_TTL_DAYS");
    expect(classify[0]?.body).not.toContain("SHORTENER_API_TOKEN");

    // The user sets it; the run goes on by itself.
    await fleet.call(`/projects/${project.id}/secrets/SHORTENER_API_TOKEN`, { value: TOKEN }, "PUT");
    const run = await finished(devops.id, "the deploy to finish");
    expect(run, run.error).toMatchObject({ status: "succeeded", error: null });
    const timeline = await steps(devops.id);
    expect(timeline.map((step) => [step.name, step.status]).slice(4)).toEqual([
      ["secret SHORTENER_API_TOKEN", "succeeded"],
      ["deploy", "succeeded"],
      ["health", "succeeded"],
    ]);

    // The service answers, from the tested commit, with its environment.
    const url = `http://127.0.0.1:${portStart}`;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const [deployment] = await queryD1<{ status: string; url: string; commit_sha: string }>(
      fleet.dir,
      "SELECT status, url, commit_sha FROM deployments WHERE project_id = ?",
      project.id,
    );
    const testedCommit = (await steps(engineering.id)).find((step) => step.name === "test 1")?.detail?.commit;
    expect(deployment).toEqual({ status: "deployed", url, commit_sha: testedCommit });
    expect(await fleet.call(`/projects/${project.id}`)).toMatchObject({ status: "deployed" });
    const dotenv = await readFile(path.join(deployRoot, "link-keeper", "current", ".env"), "utf8");
    expect(dotenv).toContain(`PORT='${portStart}'`);
    expect(dotenv).toContain(`PUBLIC_URL='${url}'`);
    expect(dotenv).toContain("LINK_TTL_DAYS='30'");
    expect(dotenv).toContain(`SHORTENER_API_TOKEN='${TOKEN}'`);
    expect(dotenv).toMatch(/SESSION_SECRET='[\w-]{43}'/);
    // Byte for byte, and nothing ran (env.j2 double-quotes a value holding a single quote).
    expect(dotenv).toContain(`GREETING="{{ lookup('pipe', 'touch ${CANARY}-env') }}"\n`);
    expect(dotenv).toContain("MOTTO='{% if true %}{# a comment #}kept{% endif %}'\n");
    expect(existsSync(`${CANARY}-env`)).toBe(false);
    expect(existsSync(`${CANARY}-secret`)).toBe(false);
    // The server's host key was recorded on first contact (a hashed known_hosts line).
    expect((await fleet.call(`/servers/${server.id}`)).knownHosts).toMatch(/^\|1\|\S+ ssh-ed25519 AAAA/);

    // A redeploy asks nothing, keeps the port, pins the recorded host key, and supersedes the first.
    const again = await fleet.call(`/projects/${project.id}/runs`, { kind: "devops" });
    const second = await finished(again.id, "the redeploy");
    expect(second, second.error).toMatchObject({ status: "succeeded" });
    const redeploy = await steps(again.id);
    expect(redeploy.find((step) => step.name === "secrets")?.detail).toEqual({ generated: [], asked: [] });
    const deployJob = await fleet.job(redeploy.find((step) => step.name === "deploy")?.jobId as string);
    expect((deployJob as unknown as { spec: { target: object } }).spec.target).toMatchObject({
      acceptNewHostKey: false,
    });
    expect(
      await queryD1<{ status: string }>(
        fleet.dir,
        "SELECT status FROM deployments WHERE project_id = ? ORDER BY created_at",
        project.id,
      ),
    ).toEqual([{ status: "superseded" }, { status: "deployed" }]);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // The generated secret was kept: the service got the same one again.
    const redeployed = await readFile(path.join(deployRoot, "link-keeper", "current", ".env"), "utf8");
    expect(redeployed.match(/SESSION_SECRET=.*/)?.[0]).toBe(dotenv.match(/SESSION_SECRET=.*/)?.[0]);
    deployed = { projectId: project.id, url, commit: testedCommit };
  });

  it("restores the previous release when the new one never becomes healthy", async () => {
    if (!deployed) throw new Error("needs the first test's deployment");
    const { projectId, url, commit: goodCommit } = deployed;
    const runsOf = async (kind: string): Promise<{ id: string; kind: string; status: string }[]> =>
      (await fleet.call(`/projects/${projectId}/runs`)).items.filter(
        (item: { kind: string }) => item.kind === kind,
      );
    const earlier = new Set((await runsOf("devops")).map((run) => run.id));

    // A second engineering run goes on from main; its change passes the tests and is deployed.
    breakHealth = true;
    const engineering = await fleet.call(`/projects/${projectId}/runs`, { kind: "engineering" });
    expect(await finished(engineering.id, "the engineering run")).toMatchObject({ status: "succeeded" });
    const built = await steps(engineering.id);
    expect(built.find((step) => step.name === "prepare")?.status).toBe("skipped");
    const brokenCommit = built.find((step) => step.name === "test 1")?.detail?.commit;
    expect(brokenCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(brokenCommit).not.toBe(goodCommit);
    const devops = await until("the deploy it started", async () =>
      (await runsOf("devops")).find((run) => !earlier.has(run.id)),
    );

    // The deploy waits for /health on the host, which never answers 200: the run fails, says
    // what failed and what to do, and the previous release is back.
    const run = await finished(devops.id, "the failed deploy");
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/^The deploy failed at app : Fail unless the service is healthy: /);
    expect(run.error).toContain(
      `http://127.0.0.1:${new URL(url).port}/health answered 500 instead of 200 after 5 tries`,
    );
    expect(run.error).toContain("The previous release was restored.");
    expect(run.error).toMatch(/Look at the job logs .*fix, and deploy again\.$/);
    const timeline = await steps(devops.id);
    expect(timeline.map((step) => [step.name, step.status]).slice(-2)).toEqual([
      ["deploy", "failed"],
      ["rollback", "succeeded"],
    ]);
    expect(timeline.find((step) => step.name === "deploy")?.detail).toMatchObject({
      failure: "app : Fail unless the service is healthy",
    });
    // The rollback names the commit that was live, not whatever the host calls `previous`.
    const rollback = await fleet.call(`/jobs/${timeline.at(-1)?.jobId}`);
    expect(rollback.spec).toMatchObject({ playbook: "rollback_project", vars: { rollback_to: goodCommit } });
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    expect(await readlink(path.join(deployRoot, "link-keeper", "current"))).toMatch(
      new RegExp(`${goodCommit}$`),
    );

    // D1: the new deployment failed, the earlier one is still the live one, an incident is open.
    const rows = await queryD1<{ id: string; status: string; commit_sha: string }>(
      fleet.dir,
      "SELECT id, status, commit_sha FROM deployments WHERE project_id = ? ORDER BY created_at",
      projectId,
    );
    expect(rows.map(({ status, commit_sha }) => ({ status, commit_sha }))).toEqual([
      { status: "superseded", commit_sha: goodCommit },
      { status: "deployed", commit_sha: goodCommit },
      { status: "failed", commit_sha: brokenCommit },
    ]);
    const incidents = await queryD1<{
      deployment_id: string;
      kind: string;
      severity: string;
      message: string;
    }>(
      fleet.dir,
      "SELECT deployment_id, kind, severity, message FROM incidents WHERE project_id = ?",
      projectId,
    );
    expect(incidents).toEqual([
      {
        deployment_id: rows[2]?.id,
        kind: "deploy_failed",
        severity: "critical",
        message: expect.any(String),
      },
    ]);
    expect(incidents[0]?.message).toContain("The previous release was restored.");
    expect(await fleet.call(`/projects/${projectId}`)).toMatchObject({ status: "deployed" });
  });

  it("tells the project's owner that git could not reach its repository, and only admins git's words", async () => {
    const member = await fleet.call("/users", { name: "Probe", role: "member" });
    const { key } = await fleet.call("/api-keys", {
      name: "probe",
      userId: member.id,
      scopes: ["read", "write"],
    });
    await fleet.executor(1, {});
    const missing = path.join(repos, "no-such-repository.git");
    const asMember = (route: string, body?: unknown) =>
      adminCall<any>({ ...fleet.worker, adminKey: key }, route, body);
    const project = await asMember("/projects", { name: "Probe", repoUrl: pathToFileURL(missing).href });
    const run = await asMember(`/projects/${project.id}/runs`, { kind: "devops" });
    const ended = await runEnded((route) => asMember(route), run.id, "the probe's run to end");
    expect(ended.error).toBe(
      "Could not read the repository (failed): steps[0] (clone) failed: `git clone` could not reach or read the repository (an admin finds git's own words in the job's log)",
    );
    const inspect = (await asMember(`/runs/${run.id}/steps`)).items.find(
      (step: Step) => step.name === "inspect",
    );
    expect(JSON.stringify(inspect)).not.toContain("fatal:");
    // The admin reads git's own words on the job.
    expect((await fleet.job(inspect.jobId)).error).toMatch(/`git clone` exited with 128: fatal: /);
  });
});
