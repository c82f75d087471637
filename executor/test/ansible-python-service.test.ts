/**
 * The Python template deployed the way the DevOps graph deploys a project: real `ansible-playbook`
 * (deploy_project, process manager) against an sshd on 127.0.0.1, the start command taken from the
 * rendered project's manifest and passed as argv (`start_argv`), as the DevOps graph passes it.
 * It runs as its project's user on Debian's python3, answers its health path on the allocated
 * port, keeps its SQLite data across releases (the `data` directory the role shares between
 * them), and is removed by undeploy_project.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scaffold } from "../src/scaffold/scaffold.ts";
import {
  ansibleAvailable,
  type DeployTarget,
  projectUserOf,
  startDeployTarget,
} from "./support/deploy-target.ts";
import { fixtureGit, tempDir } from "./support/git-fixtures.ts";
import { sshdAvailable } from "./support/sshd.ts";

const PROJECT = "hello-py";
const template = path.resolve(import.meta.dirname, "../../templates/python-service");
const ansible = ansibleAvailable();
let server: DeployTarget;
let startArgv: string[];

/** Renders the template with this description, commits it to the test repository; its manifest's start. */
async function commitRelease(description: string): Promise<string[]> {
  const project = path.join(await tempDir("co-python-service-"), "project");
  await scaffold({
    templateRoot: template,
    srcPath: "python-service",
    commit: null,
    destination: project,
    data: { project_name: PROJECT, description, modules: ["database"] },
    defaults: true,
    trust: false,
    taskEnv: {},
    log: () => {},
  });
  fixtureGit(project, "init", "--quiet", "--initial-branch=main");
  fixtureGit(project, "add", "--all");
  fixtureGit(project, "commit", "--quiet", "-m", description);
  fixtureGit(project, "push", "--quiet", "--force", server.repo.path, "main");
  const manifest = JSON.parse(await readFile(path.join(project, "orchestrator.json"), "utf8"));
  return manifest.service.start;
}

function spec(playbook: "deploy_project" | "undeploy_project") {
  return {
    playbook,
    target: server.target(),
    sshKeySecret: "SSH_KEY",
    vars: {
      project: PROJECT,
      deploy_root: server.deployRoot,
      service_manager: "process",
      ...(playbook === "deploy_project"
        ? {
            port: server.port,
            start_argv: startArgv,
            health_retries: 40,
            health_delay: 0.5,
            // As the EnvAnalyzer decides it: `# computed:` keeps .env.example's value.
            app_env: { DATABASE_PATH: `./data/${PROJECT}.db` },
          }
        : {}),
    },
    ...(playbook === "deploy_project" ? { source: { url: server.repo.url, ref: "main" } } : {}),
  };
}

const appLog = () => readFile(path.join(server.deployRoot, PROJECT, "logs/app.log"), "utf8");

async function run(playbook: "deploy_project" | "undeploy_project") {
  const outcome = await server.run(spec(playbook));
  const log = await appLog().catch(() => "(no log)");
  return { ...outcome, explain: () => `${outcome.explain()}\n${log}` };
}

const call = async (route: string, init?: RequestInit) => {
  const res = await fetch(`http://127.0.0.1:${server.port}${route}`, {
    ...init,
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, body: await res.json() };
};

beforeAll(async () => {
  if (!ansible || !sshdAvailable()) return;
  server = await startDeployTarget(PROJECT);
  startArgv = await commitRelease("First release");
}, 60_000);

afterAll(() => server?.stop(), 60_000);

describe.skipIf(!ansible || !sshdAvailable())("the Python template, deployed", { timeout: 300_000 }, () => {
  it("starts by its manifest's start command as the project's user and answers its health path", async () => {
    expect(startArgv).toEqual(["python3", "-m", "app"]);
    const deployed = await run("deploy_project");
    expect(deployed.status, deployed.explain()).toBe("succeeded");
    expect(await call("/health")).toEqual({ status: 200, body: { status: "ok", service: PROJECT } });
    expect((await call("/")).body).toEqual({ message: "First release" });
    const created = await call("/items", { method: "POST", body: JSON.stringify({ name: "kept" }) });
    expect(created).toEqual({ status: 201, body: { id: 1, name: "kept" } });
    const log = await appLog();
    expect(log).toContain(`${PROJECT} listening on ${server.port}`);
  });

  it("a new release is started in place of the old one and finds the data the old one wrote", async () => {
    await commitRelease("Second release");
    const deployed = await run("deploy_project");
    expect(deployed.status, deployed.explain()).toBe("succeeded");
    expect((await call("/")).body).toEqual({ message: "Second release" });
    expect((await call("/items")).body).toEqual([{ id: 1, name: "kept" }]);
    // The old release got SIGTERM and took its graceful path (serve_forever returned).
    const log = await appLog();
    expect(log).toContain(`${PROJECT} stopped`);
    // The database is the shared directory's, written by the project's user.
    const database = await stat(path.join(server.deployRoot, PROJECT, "shared/data", `${PROJECT}.db`));
    expect(String(database.uid)).toBe(
      spawnSync("id", ["-u", projectUserOf(PROJECT)], { encoding: "utf8" }).stdout.trim(),
    );
  });

  it("undeploy_project stops it and removes its directory", async () => {
    const undeployed = await run("undeploy_project");
    expect(undeployed.status, undeployed.explain()).toBe("succeeded");
    await expect(call("/health")).rejects.toThrow();
    expect(existsSync(path.join(server.deployRoot, PROJECT))).toBe(false);
  });
});
