/**
 * deploy_project and undeploy_project behind the server's proxy (real ansible-playbook against an
 * sshd on 127.0.0.1, real Caddy under the process supervisor with its internal CA): the project
 * answers at https://<project>.<base domain> verified against that CA, its port only on 127.0.0.1
 * (the proxy is the listener), a second project gets its own site beside it, a domain that is not
 * a domain name never reaches the Caddyfile, and an undeploy removes the site, the other staying.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyUserNode } from "./support/any-user-node.ts";
import { projectUserOf, runPlaybook } from "./support/deploy-target.ts";
import { bareRepo, fixtureGit, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { listening } from "./support/host-probes.ts";
import { caddyAvailable, caOf, httpsGet, proxyDirOf, stopProxy } from "./support/proxy.ts";
import { freePort, type Sshd, sshdAvailable, startSshd } from "./support/sshd.ts";

const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const ready = ansible && sshdAvailable() && caddyAvailable();
const DOMAIN = "apps.test";
const PROJECTS = ["shop", "blog"];
let sshd: Sshd;
let deployRoot: string;
let repoUrl: string;
let httpsPort: number;
const ports: Record<string, number> = {};

function spec(playbook: "deploy_project" | "undeploy_project", project: string, domains?: unknown) {
  return {
    playbook,
    target: { host: sshd.host, port: sshd.port, user: sshd.user, knownHosts: sshd.knownHostsLine },
    sshKeySecret: "SSH_KEY",
    vars: {
      project,
      deploy_root: deployRoot,
      service_manager: "process",
      ...(playbook === "deploy_project"
        ? {
            port: ports[project],
            start_command: `${anyUserNode()} server.js`,
            health_delay: 0.5,
            proxy_domains: domains ?? [`${project}.${DOMAIN}`],
            proxy_https_port: httpsPort,
            proxy_tls: "internal",
            proxy_bind: "127.0.0.1",
            // A project asking for every interface does not get it behind the proxy.
            app_env: { HOST: "0.0.0.0" },
          }
        : {}),
    },
    ...(playbook === "deploy_project" ? { source: { url: repoUrl, ref: "main" } } : {}),
  };
}

const run = (playbook: "deploy_project" | "undeploy_project", project: string, domains?: unknown) =>
  runPlaybook(sshd, spec(playbook, project, domains));
const site = (project: string) => `https://${project}.${DOMAIN}:${httpsPort}/health`;

beforeAll(async () => {
  if (!ready) return;
  sshd = await startSshd();
  deployRoot = await tempDir("co-proxy-root-");
  await chmod(deployRoot, 0o755);
  const repo = await bareRepo(await tempDir("co-proxy-repo-"), "service", 0);
  repoUrl = repo.url;
  const work = await tempDir("co-proxy-src-");
  // The service listens where HOST says (the playbook's loopback behind a proxy).
  await writeFile(
    path.join(work, "server.js"),
    `require("node:http").createServer((req, res) => {
  res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "application/json" });
  res.end(JSON.stringify({ status: "ok", host: req.headers.host }));
}).listen(Number(process.env.PORT), process.env.HOST);
`,
  );
  fixtureGit(work, "init", "--quiet", "--initial-branch=main");
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", "service");
  fixtureGit(work, "push", "--quiet", repo.path, "main");
  httpsPort = await freePort();
  for (const project of PROJECTS) ports[project] = await freePort();
}, 60_000);

afterAll(async () => {
  if (!ready) return;
  for (const project of PROJECTS) {
    const ctl = path.join(deployRoot, project, "bin", "co-app-ctl");
    if (existsSync(ctl)) spawnSync(ctl, ["stop"], { timeout: 20_000 });
    spawnSync("userdel", [projectUserOf(project)]);
  }
  stopProxy(deployRoot);
  await sshd?.stop();
  await removeTempDirs();
}, 60_000);

describe.skipIf(!ready)("the server's proxy", { timeout: 240_000 }, () => {
  it("serves each project over HTTPS at its name, its port on loopback only, until it is undeployed", async () => {
    const first = await run("deploy_project", "shop");
    expect(first.status, first.explain()).toBe("succeeded");
    const ca = caOf(deployRoot);
    expect(await httpsGet(site("shop"), ca)).toEqual({
      status: 200,
      body: JSON.stringify({ status: "ok", host: `shop.${DOMAIN}:${httpsPort}` }),
    });
    // The service listens on 127.0.0.1 alone (HOST in its .env); the proxy on its bind address.
    const env = await readFile(path.join(deployRoot, "shop", "current", ".env"), "utf8");
    expect(env).toContain("HOST='127.0.0.1'");
    expect(env).not.toContain("0.0.0.0");
    expect(await listening(ports.shop as number, "127.0.0.1")).toBe(true);
    expect(await listening(ports.shop as number, "127.0.0.2")).toBe(false);
    expect(await listening(httpsPort, "127.0.0.2")).toBe(false);

    // A second run changes nothing (Caddy keeps running, its files unchanged).
    const again = await run("deploy_project", "shop");
    expect(again.status, again.explain()).toBe("succeeded");
    expect(again.output?.hosts.target, again.log).toMatchObject({ changed: 0, failed: 0 });

    // A second project: its own site beside the first, on the same proxy.
    const second = await run("deploy_project", "blog", ["blog.apps.test", "www.blog.example"]);
    expect(second.status, second.explain()).toBe("succeeded");
    expect((await httpsGet(site("blog"), ca)).status).toBe(200);
    expect((await httpsGet(`https://www.blog.example:${httpsPort}/health`, ca)).status).toBe(200);
    expect((await httpsGet(site("shop"), ca)).status).toBe(200);

    // Anything but a list of domain names fails before a file is written.
    for (const bad of [["shop.apps.test {\n}\n:80"], ["*.apps.test"], "shop.apps.test"]) {
      const refused = await run("deploy_project", "shop", bad);
      expect(refused.status, JSON.stringify(bad)).toBe("failed");
      expect(refused.output?.failure?.message).toContain("Bad proxy variables");
    }
    const written = await readFile(path.join(proxyDirOf(deployRoot), "sites", "shop.caddy"), "utf8");
    expect(written).toContain(`shop.${DOMAIN} {`);

    // Undeployed: its site is gone (no certificate for its name), the other one still answers.
    const removed = await run("undeploy_project", "shop");
    expect(removed.status, removed.explain()).toBe("succeeded");
    expect(existsSync(path.join(proxyDirOf(deployRoot), "sites", "shop.caddy"))).toBe(false);
    await expect(httpsGet(site("shop"), ca)).rejects.toThrow();
    expect((await httpsGet(site("blog"), ca)).status).toBe(200);
  });
});
