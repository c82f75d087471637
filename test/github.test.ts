/**
 * The pipelines with a GitHub App (wrangler dev, a real executor, real Claude Code against a
 * scripted loopback model, real ansible-playbook against an sshd on 127.0.0.1), GitHub itself on
 * loopback (test/support/fake-github.ts): the Preparer creates the repository through the App; every
 * job that clones or pushes it (scaffold, Developer, Tester, Inspect, Deploy) gets a short-lived
 * token the hub mints for that one repository when it sends the job. The tokens and the App's key
 * appear in no spec, step, log, database row or Worker output. A name someone took before is found,
 * and its other content refused.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claudeBinary,
  type FakeAnthropic,
  startFakeAnthropic,
} from "../executor/test/support/fake-anthropic.ts";
import { type Sshd, sshdAvailable, startSshd } from "../executor/test/support/sshd.ts";
import { filesUnder, queryD1 } from "./support/d1.ts";
import { stopDeployedServices } from "./support/deployed.ts";
import { type FakeGitHub, startFakeGitHub } from "./support/fake-github.ts";
import { Fleet } from "./support/fleet.ts";
import { pipelineModel, writeFile } from "./support/pipeline-model.ts";
import { type TimelineStep, until } from "./support/poll.ts";
import { registerServer, SERVER_PATH } from "./support/scenario.ts";

const OWNER = "acme";
const claude = claudeBinary();
const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const ready = Boolean(claude) && ansible && sshdAvailable();
let fleet: Fleet;
let github: FakeGitHub;
let sshd: Sshd;
let model: FakeAnthropic;
let root: string;
let deployRoot: string;

const steps = async (id: string): Promise<TimelineStep[]> => (await fleet.call(`/runs/${id}/steps`)).items;
const git = (dir: string, ...args: string[]) =>
  spawnSync("git", ["-C", dir, ...args], { encoding: "utf8" }).stdout.trim();
const FINAL = ["succeeded", "failed", "cancelled"];
const finished = (id: string) =>
  until(
    `run ${id} to end`,
    async () => {
      const run = await fleet.call(`/runs/${id}`);
      return FINAL.includes(run.status) ? run : undefined;
    },
    240_000,
  );

beforeAll(async () => {
  if (!ready) return;
  process.env.ORCHESTRATOR_CLAUDE_BIN = claude ?? "";
  root = await mkdtemp(path.join(tmpdir(), "co-github-"));
  deployRoot = await mkdtemp(path.join(tmpdir(), "co-github-deploy-"));
  github = await startFakeGitHub({ root, owner: OWNER });
  sshd = await startSshd({ sessionPath: SERVER_PATH });
  model = await startFakeAnthropic(
    pipelineModel({
      "Link Vault": () => [writeFile("src/vault.js", "export const vault = new Map();")],
    }),
  );
  fleet = await Fleet.start(
    {
      ...github.appVars,
      // GitHub on loopback: the ghost project names its repository there.
      REPO_ALLOW_LOCAL: "true",
      ANTHROPIC_BASE_URL: model.baseUrl,
      DEPLOY_HEALTH_RETRIES: "5",
    },
    {
      // As GitHub hands it out: PKCS#1 PEM (the Worker converts it for WebCrypto).
      GITHUB_APP_PRIVATE_KEY: github.privateKey,
      ANTHROPIC_API_KEY: "sk-ant-github-test",
      DEPLOY_SSH_KEY: sshd.privateKey,
    },
    "pipe",
  );
}, 120_000);

afterAll(async () => {
  if (deployRoot) stopDeployedServices(deployRoot);
  await fleet?.stop();
  await model?.close();
  await github?.close();
  await sshd?.stop();
  for (const dir of [root, deployRoot]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!ready)("pipelines with a GitHub App", { timeout: 300_000 }, () => {
  it("creates the repository through the App and gives each job a token for it alone", async () => {
    await registerServer(fleet.call.bind(fleet), sshd, deployRoot);
    const executor = await fleet.executor(2, {});
    const project = await fleet.call("/projects", { name: "Link Vault", description: "Keeps links." });
    const engineering = await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" });
    expect(await finished(engineering.id), "engineering run").toMatchObject({ status: "succeeded" });
    const devops = await until("the deploy run", async () => {
      const { items } = await fleet.call(`/projects/${project.id}/runs`);
      return items.find((item: { kind: string }) => item.kind === "devops");
    });
    const deployed = await finished(devops.id);
    expect(deployed, deployed.error).toMatchObject({ status: "succeeded" });

    // The repository: created private in the App's organization, holding the scaffold and the Developer's commit.
    const url = `${github.gitUrl}/${OWNER}/link-vault.git`;
    expect((await fleet.call(`/projects/${project.id}`)).repoUrl).toBe(url);
    expect(github.created).toEqual([
      {
        fullName: `${OWNER}/link-vault`,
        visibility: "private",
        description: "Link Vault: shortens links; GET /health answers 200.",
      },
    ]);
    const bare = path.join(root, OWNER, "link-vault.git");
    expect(git(bare, "log", "--format=%s", "main").split("\n")).toEqual([
      "Link Vault: iteration 1",
      "Scaffold link-vault from node-service",
    ]);

    const built = await steps(engineering.id);
    expect(built.map((step) => [step.name, step.status])).toEqual([
      ["architect", "succeeded"],
      ["repository", "succeeded"],
      ["prepare", "succeeded"],
      ["develop 1", "succeeded"],
      ["test 1", "succeeded"],
    ]);
    const timeline = [...built, ...(await steps(devops.id))];
    expect(timeline.map((step) => step.name)).toEqual(
      expect.arrayContaining(["inspect", "deploy", "health"]),
    );
    expect(timeline.find((step) => step.name === "repository")?.detail).toEqual({
      fullName: `${OWNER}/link-vault`,
      created: true,
    });

    // The installation was looked up with the App's JWT; the repository was created with an
    // administration token; every job token is scoped to this repository and to contents.
    expect(github.requests.filter((request) => request.auth === "invalid")).toEqual([]);
    expect(github.requests).toContainEqual({
      method: "GET",
      path: `/orgs/${OWNER}/installation`,
      auth: "jwt",
    });
    expect(github.requests).toContainEqual({ method: "POST", path: `/orgs/${OWNER}/repos`, auth: "token" });
    const [creation, ...jobTokens] = github.tokens;
    expect(creation).toMatchObject({ repositories: null, permissions: { administration: "write" } });
    expect(jobTokens.length).toBeGreaterThan(0);
    for (const minted of jobTokens)
      expect(minted).toMatchObject({ repositories: ["link-vault"], permissions: { contents: "write" } });

    // Git went through the token: pushes (scaffold, iteration 1) and clones all authorized.
    const pushes = github.git.requests.filter((request) => request.url.endsWith("/git-receive-pack"));
    const fetches = github.git.requests.filter((request) => request.url.endsWith("/git-upload-pack"));
    expect(pushes.length).toBeGreaterThanOrEqual(2);
    expect(fetches.length).toBeGreaterThanOrEqual(4);
    for (const request of [...pushes, ...fetches]) expect(request.authorized).toBe(true);

    // Each job that touched the repository names the token by reference only.
    const jobIds = timeline
      .filter((step) => ["prepare", "develop 1", "test 1", "inspect", "deploy"].includes(step.name))
      .map((step) => step.jobId as string);
    expect(jobIds).toHaveLength(5);
    for (const id of jobIds) {
      const job = await fleet.job(id);
      expect(job.secrets.GIT_TOKEN, `job ${id}`).toEqual({ github: "link-vault" });
      expect(job.executorId).toBe(executor.id);
    }

    // The deployed service answers.
    const [deployment] = await queryD1<{ url: string }>(
      path.join(fleet.dir, "state"),
      "SELECT url FROM deployments WHERE project_id = ? AND status = 'deployed'",
      project.id,
    );
    expect((await fetch(`${deployment?.url}/health`)).status).toBe(200);

    // Canaries: no token and no line of the App's key anywhere they must not be.
    const needles = [
      ...github.tokens.map((minted) => minted.token),
      ...github.privateKey.split("\n").filter((line) => line.length > 40),
    ];
    const logs = (await Promise.all(jobIds.map((id) => fleet.log(id)))).join("\n");
    const stored = await Promise.all(
      (await filesUnder(path.join(fleet.dir, "state")))
        .filter((file) => !/(secrets\.env|dev\.vars)$/.test(file))
        .map((file) => readFile(file, "latin1")),
    );
    const places = {
      logs,
      worker: fleet.worker.output(),
      executor: executor.output(),
      state: stored.join("\n"),
      timeline: JSON.stringify(timeline),
    };
    // The scan reads what it should: the hub's stored jobs name the token's reference.
    expect(places.state).toContain('"GIT_TOKEN":{"github":"link-vault"}');
    for (const [place, text] of Object.entries(places))
      for (const needle of needles) expect(text.includes(needle), `a secret in ${place}`).toBe(false);
  });

  it("finds a repository someone made before and refuses its other content", async () => {
    github.addRepository("taken-name", { commit: true });
    const project = await fleet.call("/projects", { name: "Taken Name", description: "Was taken." });
    const run = await finished(
      (await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" })).id,
    );
    expect(run.status).toBe("failed");
    expect(run.error).toContain("already has a main branch with other content");
    const timeline = await steps(run.id);
    expect(timeline.find((step) => step.name === "repository")).toMatchObject({
      status: "succeeded",
      detail: { fullName: `${OWNER}/taken-name`, created: false },
    });
    // Their commit is untouched, and the project has no repository recorded.
    expect(git(path.join(root, OWNER, "taken-name.git"), "log", "--format=%s", "main")).toBe("theirs");
    expect((await fleet.call(`/projects/${project.id}`)).repoUrl).toBeNull();
  });

  it("ends the run with GitHub's reason when the App may not create the repository", async () => {
    github.suspended = true;
    try {
      const project = await fleet.call("/projects", { name: "Paused Org", description: "Never made." });
      const run = await finished(
        (await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" })).id,
      );
      expect(run).toMatchObject({
        status: "failed",
        error: `The repository could not be created: GitHub answered 403 to creating the repository ${OWNER}/paused-org: This installation has been suspended`,
      });
      expect((await steps(run.id)).map((step) => [step.name, step.status])).toEqual([
        ["architect", "succeeded"],
        ["repository", "failed"],
      ]);
    } finally {
      github.suspended = false;
    }
  });

  it("fails a job whose repository token cannot be minted, saying why", async () => {
    // A project recorded with an App repository that does not exist (deleted on GitHub, say).
    const project = await fleet.call("/projects", {
      name: "Ghost",
      description: "Its repository is gone.",
      repoUrl: `${github.gitUrl}/${OWNER}/ghost.git`,
    });
    const run = await finished((await fleet.call(`/projects/${project.id}/runs`, { kind: "devops" })).id);
    expect(run.status).toBe("failed");
    expect(run.error).toContain(
      `The GitHub token for repository ghost (for GIT_TOKEN) could not be minted: GitHub answered 422 to a token for ${OWNER}/ghost: There is at least one repository that does not exist`,
    );
  });
});
