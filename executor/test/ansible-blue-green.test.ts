/**
 * Blue-green releases behind the server's proxy (real ansible-playbook against an sshd on
 * 127.0.0.1, real Caddy with its internal CA): while a client sends 50 requests a second to
 * https://<project>.<domain>/, a new release starts beside the live one on the standby port, the
 * proxy switches to it and the old one stops; a rollback and a restart do the same; a release that
 * never becomes healthy is stopped while the old one keeps serving. Not one request fails, and each
 * answer comes from exactly one of the releases.
 */
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyUserNode } from "./support/any-user-node.ts";
import { ansibleAvailable, type DeployTarget, startDeployTarget } from "./support/deploy-target.ts";
import { revParse } from "./support/git-fixtures.ts";
import { listening } from "./support/host-probes.ts";
import { caddyAvailable, proxyVars, siteGet, stopProxy } from "./support/proxy.ts";
import { freePort, sshdAvailable } from "./support/sshd.ts";
import { underSteadyLoad } from "./support/steady-load.ts";

const ready = ansibleAvailable() && sshdAvailable() && caddyAvailable();
const RATE_MS = 20;
let server: DeployTarget;
let standbyPort: number;
let httpsPort: number;

/** A service answering its version at every path; /health answers `healthStatus`. */
const service = (version: string, healthStatus = 200) => ({
  "server.js": `require("node:http").createServer((req, res) => {
  res.writeHead(req.url === "/health" ? ${healthStatus} : 200, { "content-type": "text/plain" });
  res.end(${JSON.stringify(version)});
}).listen(Number(process.env.PORT), process.env.HOST);
`,
});

function spec(playbook: "deploy_project" | "rollback_project" | "restart_project", more = {}) {
  return {
    playbook,
    target: server.target(),
    sshKeySecret: "SSH_KEY",
    vars: {
      project: server.project,
      deploy_root: server.deployRoot,
      service_manager: "process",
      port: server.port,
      standby_port: standbyPort,
      health_delay: 0.5,
      health_retries: 10,
      drain_seconds: 1,
      ...proxyVars(server.project, httpsPort),
      ...(playbook === "deploy_project" ? { start_command: `${anyUserNode()} server.js` } : {}),
      ...more,
    },
    ...(playbook === "deploy_project" ? { source: { url: server.repo.url, ref: "main" } } : {}),
  };
}

/** Runs the playbook while the client sends its steady load; the play and what the client got. */
const underLoad = (playbook: Parameters<typeof spec>[0], more = {}) =>
  underSteadyLoad(
    () => server.run(spec(playbook, more)),
    siteGet(server.deployRoot, server.project, httpsPort),
    RATE_MS,
  );

const liveSlot = () => readFile(path.join(server.deployRoot, server.project, "run", "live-slot"), "utf8");

beforeAll(async () => {
  if (!ready) return;
  server = await startDeployTarget("bluegreen", service("v1"));
  standbyPort = await freePort();
  httpsPort = await freePort();
}, 60_000);

afterAll(async () => {
  if (!ready) return;
  stopProxy(server.deployRoot);
  await server.stop();
}, 60_000);

describe.skipIf(!ready)("blue-green releases behind the proxy", { timeout: 300_000 }, () => {
  it("switch releases, roll back and restart without failing a request; an unhealthy release never serves", async () => {
    const first = await server.run(spec("deploy_project"));
    expect(first.status, first.explain()).toBe("succeeded");
    expect(await liveSlot()).toBe("a\n");
    const v1 = revParse(server.repo.path, "main") as string;

    // v2 starts on the standby port beside v1, the proxy switches, v1 drains and stops.
    await server.commit(service("v2"), "v2");
    const release = await underLoad("deploy_project");
    expect(release.play.status, release.play.explain()).toBe("succeeded");
    expect(release.failed, JSON.stringify(release.failed.slice(0, 5))).toEqual([]);
    expect(Object.keys(release.bodies).sort()).toEqual(["v1", "v2"]);
    expect(release.answers.length).toBeGreaterThan(50);
    expect(await liveSlot()).toBe("b\n");
    expect(await listening(standbyPort)).toBe(true);
    expect(await listening(server.port)).toBe(false);

    // The same commit again: nothing starts, stops or changes.
    const again = await server.run(spec("deploy_project"));
    expect(again.output?.hosts.target, again.log).toMatchObject({ changed: 0, failed: 0 });

    // Rollback: v1's release (kept on the host) starts beside v2, then the same switch back.
    const rollback = await underLoad("rollback_project", { rollback_to: v1 });
    expect(rollback.play.status, rollback.play.explain()).toBe("succeeded");
    expect(rollback.failed, JSON.stringify(rollback.failed.slice(0, 5))).toEqual([]);
    expect(Object.keys(rollback.bodies).sort()).toEqual(["v1", "v2"]);
    expect(await liveSlot()).toBe("a\n");

    // A restart (a monitor's recovery) is a fresh start beside the live release.
    const restart = await underLoad("restart_project");
    expect(restart.play.status, restart.play.explain()).toBe("succeeded");
    expect(restart.failed).toEqual([]);
    expect(Object.keys(restart.bodies)).toEqual(["v1"]);
    expect(await liveSlot()).toBe("b\n");

    // v3 never answers its health check: it is stopped, v1 never stopped serving.
    await server.commit(service("v3", 503), "v3");
    const broken = await underLoad("deploy_project");
    expect(broken.play.status).toBe("failed");
    expect(broken.play.output?.failure?.message).toContain("the release that was live keeps serving");
    expect(broken.failed).toEqual([]);
    expect(Object.keys(broken.bodies)).toEqual(["v1"]);
    expect(await liveSlot()).toBe("b\n");
    expect(await listening(server.port)).toBe(false);
    const ctl = path.join(server.deployRoot, server.project, "bin", "co-app-ctl");
    expect(spawnSync(ctl, ["status", "a"]).status).toBe(1);
  });
});
