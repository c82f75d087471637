/**
 * undeploy_project through the `ansible` job kind (real ansible-playbook against an sshd on
 * 127.0.0.1, support/sshd.ts): a project deployed as a supervised process is stopped and removed
 * (its processes, its port, its directory, its Unix user), a project beside it keeps running, and a
 * second run, or a run for a project never deployed there, changes nothing.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyUserNode } from "./support/any-user-node.ts";
import { projectUserOf, runPlaybook } from "./support/deploy-target.ts";
import { bareRepo, fixtureGit, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { listening, processesOf } from "./support/host-probes.ts";
import { freePort, type Sshd, sshdAvailable, startSshd } from "./support/sshd.ts";

const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
let sshd: Sshd;
let deployRoot: string;
let repoUrl: string;
const ports: Record<string, number> = {};

const userOf = projectUserOf;

function spec(playbook: "deploy_project" | "undeploy_project", project: string) {
  return {
    playbook,
    target: { host: sshd.host, port: sshd.port, user: sshd.user, knownHosts: sshd.knownHostsLine },
    sshKeySecret: "SSH_KEY",
    vars: {
      project,
      deploy_root: deployRoot,
      service_manager: "process",
      ...(playbook === "deploy_project"
        ? { port: ports[project], start_command: `${anyUserNode()} server.js`, health_delay: 0.5 }
        : {}),
    },
    ...(playbook === "deploy_project" ? { source: { url: repoUrl, ref: "main" } } : {}),
  };
}

const run = (spec: unknown) => runPlaybook(sshd, spec);

const health = async (project: string) => {
  const response = await fetch(`http://127.0.0.1:${ports[project]}/health`);
  return (await response.json()) as { status: string; uid: number };
};

const getent = (database: string, name: string) => spawnSync("getent", [database, name]).status;

beforeAll(async () => {
  if (!ansible || !sshdAvailable()) return;
  sshd = await startSshd();
  deployRoot = await tempDir("co-undeploy-root-");
  // Services run as their project's user, who must reach the deploy root (as under /srv).
  await chmod(deployRoot, 0o755);
  const repo = await bareRepo(await tempDir("co-undeploy-repo-"), "service", 0);
  repoUrl = repo.url;
  const work = await tempDir("co-undeploy-src-");
  await writeFile(
    path.join(work, "server.js"),
    `require("node:http").createServer((req, res) => {
  res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "application/json" });
  res.end(JSON.stringify({ status: "ok", uid: process.getuid() }));
}).listen(Number(process.env.PORT), "127.0.0.1");
`,
  );
  fixtureGit(work, "init", "--quiet", "--initial-branch=main");
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", "service");
  fixtureGit(work, "push", "--quiet", repo.path, "main");
  for (const project of ["gone-soon", "stays"]) ports[project] = await freePort();
}, 60_000);

afterAll(async () => {
  // What an undeploy left running (if the test failed), and the project beside it.
  for (const project of ["gone-soon", "stays"]) {
    const ctl = path.join(deployRoot ?? "", project, "bin", "co-app-ctl");
    if (existsSync(ctl)) spawnSync(ctl, ["stop"], { timeout: 20_000 });
    spawnSync("userdel", [userOf(project)]);
  }
  await sshd?.stop();
  await removeTempDirs();
}, 60_000);

describe.skipIf(!ansible || !sshdAvailable())("undeploy_project", { timeout: 300_000 }, () => {
  it("passes --syntax-check", () => {
    const check = spawnSync(
      "ansible-playbook",
      [
        "-i",
        "localhost,",
        "--syntax-check",
        path.resolve(import.meta.dirname, "../../ansible/undeploy_project.yml"),
      ],
      {
        env: {
          ...process.env,
          ANSIBLE_CONFIG: path.resolve(import.meta.dirname, "../../ansible/ansible.cfg"),
        },
      },
    );
    expect(check.status, String(check.stderr)).toBe(0);
  });

  it("stops and removes the service, its directory and its user; the project beside it runs on", async () => {
    for (const project of ["gone-soon", "stays"]) {
      const deployed = await run(spec("deploy_project", project));
      expect(deployed.status, deployed.explain()).toBe("succeeded");
    }
    const { uid } = await health("gone-soon");
    expect(getent("passwd", userOf("gone-soon"))).toBe(0);
    expect(await processesOf(uid)).not.toEqual([]);

    const undeployed = await run(spec("undeploy_project", "gone-soon"));
    expect(undeployed.status, undeployed.explain()).toBe("succeeded");
    expect(undeployed.output?.hosts.target).toMatchObject({ failed: 0, unreachable: 0 });
    expect(undeployed.output?.hosts.target?.changed).toBeGreaterThan(0);

    // The supervisor and the service are gone, and nothing answers on the port.
    expect(await processesOf(uid)).toEqual([]);
    expect(await listening(ports["gone-soon"] as number)).toBe(false);
    expect(existsSync(path.join(deployRoot, "gone-soon"))).toBe(false);
    expect(getent("passwd", userOf("gone-soon"))).toBe(2);
    expect(getent("group", userOf("gone-soon"))).toBe(2);

    // Only that project: the one beside it is untouched.
    expect((await health("stays")).status).toBe("ok");
    expect(existsSync(path.join(deployRoot, "stays", "current"))).toBe(true);
    expect(getent("passwd", userOf("stays"))).toBe(0);
  });

  it("a second run, or a project never deployed here, changes nothing", async () => {
    for (const project of ["gone-soon", "never-here"]) {
      const again = await run(spec("undeploy_project", project));
      expect(again.status, again.explain()).toBe("succeeded");
      expect(again.output?.hosts.target).toMatchObject({ changed: 0, failed: 0 });
    }
    expect((await health("stays")).status).toBe("ok");
  });

  it("refuses a project name that is not a slug before touching anything", async () => {
    const parsed = spec("undeploy_project", "stays");
    const refused = await run({ ...parsed, vars: { ...parsed.vars, project: "../stays" } });
    expect(refused.status).toBe("failed");
    expect(refused.output?.failure?.task).toBe("app : Check the variables");
    expect((await health("stays")).status).toBe("ok");
  });
});
