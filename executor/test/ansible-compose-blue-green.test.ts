/**
 * Blue-green releases of a Compose stack behind the server's proxy (real ansible-playbook against
 * an sshd on 127.0.0.1, docker-compose on a Docker engine of the test's own, real Caddy with its
 * internal CA). A stack that keeps no data runs in two compose projects, slot a (`co-<project>` on
 * `port`) and slot b (`co-<project>_b` on the standby port): while a client sends 50 requests a
 * second to https://<project>.<domain>/, a release, a rollback and a restart start beside the live
 * slot and the proxy switches, with not one request failing; a release that never becomes healthy
 * is taken down while the live one keeps serving. A release whose service mounts a volume stays in
 * place in the live slot, the play saying why; undeploy takes both slots' projects down.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEBIAN_IMAGE, ensureRootfsImage } from "./support/debian-image.ts";
import { ansibleAvailable, type DeployTarget, startDeployTarget } from "./support/deploy-target.ts";
import { startDockerEngine, type TestEngine } from "./support/docker-engine.ts";
import { revParse } from "./support/git-fixtures.ts";
import { caddyAvailable, proxyVars, siteGet, stopProxy } from "./support/proxy.ts";
import { freePort, sshdAvailable } from "./support/sshd.ts";
import { underSteadyLoad } from "./support/steady-load.ts";

const ready = ansibleAvailable() && sshdAvailable() && caddyAvailable();
const RATE_MS = 20;
let engine: TestEngine;
let server: DeployTarget;
let standbyPort: number;
let httpsPort: number;

/**
 * A one-service stack answering its version at every path, listening on PORT from .env (`env_file`)
 * and publishing that port, as the service templates do (slot b gives it the standby port);
 * `broken` answers 503 and has no compose healthcheck (it runs, and fails the play's health URL);
 * `volume` mounts a named volume.
 */
const HEALTHCHECK = `    healthcheck:
      test: ["CMD", "python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['PORT'] + '/health')"]
      interval: 1s
      timeout: 2s
      retries: 10
`;

const stack = (version: string, volume = false) => ({
  "compose.yaml": `services:
  web:
    build: ./web
    env_file: .env
    ports:
      - "\${PORT:-8080}:\${PORT:-8080}"
${version === "broken" ? "" : HEALTHCHECK}${volume ? "    volumes:\n      - cache:/cache\nvolumes:\n  cache:\n" : ""}`,
  "web/Dockerfile": `FROM ${DEBIAN_IMAGE}
WORKDIR /app
COPY . .
USER nobody
CMD ["python3", "web.py"]
`,
  "web/web.py": `import os, signal, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
VERSION = ${JSON.stringify(version)}
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = VERSION.encode()
        self.send_response(503 if VERSION == "broken" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
`,
});

function spec(
  playbook: "deploy_project" | "rollback_project" | "restart_project" | "undeploy_project",
  more = {},
) {
  return {
    playbook,
    target: server.target(),
    sshKeySecret: "SSH_KEY",
    vars: {
      project: server.project,
      deploy_root: server.deployRoot,
      service_manager: "compose",
      docker_host: engine.host,
      ...(playbook === "undeploy_project"
        ? {}
        : {
            port: server.port,
            standby_port: standbyPort,
            health_delay: 0.5,
            health_retries: 40,
            drain_seconds: 1,
            ...proxyVars(server.project, httpsPort),
          }),
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

const liveSlot = () =>
  readFile(path.join(server.deployRoot, server.project, "run", "live-slot"), "utf8").catch(() => "none");

/** The running containers' compose projects and services (`co-stateless/web`). */
async function running(): Promise<string[]> {
  const list = await engine.docker.listContainers({ filters: { label: ["com.docker.compose.service"] } });
  return list
    .map((c) => `${c.Labels["com.docker.compose.project"]}/${c.Labels["com.docker.compose.service"]}`)
    .sort();
}

beforeAll(async () => {
  if (!ready) return;
  engine = await startDockerEngine({ sysboxRuntime: false });
  await ensureRootfsImage(engine, DEBIAN_IMAGE);
  server = await startDeployTarget("stateless", stack("v1"));
  standbyPort = await freePort();
  httpsPort = await freePort();
}, 240_000);

afterAll(async () => {
  if (!ready) return;
  stopProxy(server.deployRoot);
  await engine?.stop();
  await server.stop();
}, 120_000);

describe.skipIf(!ready)(
  "blue-green releases of a Compose stack behind the proxy",
  { timeout: 300_000 },
  () => {
    const A = "co-stateless/web";
    const B = "co-stateless_b/web";

    it("switches a stateless stack's releases, rollbacks and restarts without failing a request; an unhealthy release never serves", async () => {
      // Nothing runs yet: the first release goes in place, in slot a.
      const first = await server.run(spec("deploy_project"));
      expect(first.status, first.explain()).toBe("succeeded");
      expect(first.log).toContain("Say how the compose release goes live - in place in the live slot a");
      expect(await running()).toEqual([A]);
      const v1 = revParse(server.repo.path, "main") as string;

      await server.commit(stack("v2"), "v2");
      const release = await underLoad("deploy_project");
      expect(release.play.status, release.play.explain()).toBe("succeeded");
      expect(release.play.log).toContain(
        "Say how the compose release goes live - blue-green, the release starts in slot b",
      );
      expect(release.failed, JSON.stringify(release.failed.slice(0, 5))).toEqual([]);
      expect(Object.keys(release.bodies).sort()).toEqual(["v1", "v2"]);
      expect(release.answers.length).toBeGreaterThan(50);
      expect(await liveSlot()).toBe("b\n");
      expect(await running()).toEqual([B]);

      const rollback = await underLoad("rollback_project", { rollback_to: v1 });
      expect(rollback.play.status, rollback.play.explain()).toBe("succeeded");
      expect(rollback.failed, JSON.stringify(rollback.failed.slice(0, 5))).toEqual([]);
      expect(Object.keys(rollback.bodies).sort()).toEqual(["v1", "v2"]);
      expect(await liveSlot()).toBe("a\n");
      expect(await running()).toEqual([A]);

      const restart = await underLoad("restart_project");
      expect(restart.play.status, restart.play.explain()).toBe("succeeded");
      expect(restart.failed, JSON.stringify(restart.failed.slice(0, 5))).toEqual([]);
      expect(Object.keys(restart.bodies)).toEqual(["v1"]);
      expect(await liveSlot()).toBe("b\n");
      expect(await running()).toEqual([B]);

      // A release that never answers 200: taken down, v1 never stopped serving.
      await server.commit(stack("broken"), "broken");
      const broken = await underLoad("deploy_project", { health_retries: 6 });
      expect(broken.play.status).toBe("failed");
      expect(broken.play.output?.failure?.message).toMatch(
        /answered 503 .* the release that was live keeps serving/s,
      );
      expect(broken.failed, JSON.stringify(broken.failed.slice(0, 5))).toEqual([]);
      expect(Object.keys(broken.bodies)).toEqual(["v1"]);
      expect(await liveSlot()).toBe("b\n");
      expect(await running()).toEqual([B]);
    });

    it("keeps a stack whose service mounts a volume in place, in the live slot, saying why; undeploy takes both slots down", async () => {
      await server.commit(stack("v4", true), "v4 with a volume");
      const stateful = await server.run(spec("deploy_project"));
      expect(stateful.status, stateful.explain()).toBe("succeeded");
      expect(stateful.log).toContain("Say how the compose release goes live - in place in the live slot b");
      expect(stateful.log).toContain("service web mounts cache at /cache");
      expect(await liveSlot()).toBe("b\n");
      expect(await running()).toEqual([B]);
      const answer = await siteGet(server.deployRoot, server.project, httpsPort)();
      expect(answer).toEqual({ status: 200, body: "v4" });

      const undeployed = await server.run(spec("undeploy_project"));
      expect(undeployed.status, undeployed.explain()).toBe("succeeded");
      const left = await engine.docker.listContainers({
        all: true,
        filters: { label: ["com.docker.compose.project"] },
      });
      expect(left).toEqual([]);
      const volumes = ((await engine.docker.listVolumes()).Volumes ?? []).map((volume) => volume.Name);
      expect(volumes.filter((name) => name.startsWith("co-stateless"))).toEqual([]);
    });
  },
);
