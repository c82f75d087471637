/**
 * restart_project (real `ansible-playbook`, process manager, an sshd on 127.0.0.1): a deployed
 * service whose supervisor was killed is started again and answers its health path; a project
 * with no current release is refused saying so, and nothing is created for it.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ansibleAvailable, type DeployTarget, startDeployTarget } from "./support/deploy-target.ts";
import { sshdAvailable } from "./support/sshd.ts";

const PROJECT = "restart-probe";
const ready = ansibleAvailable() && sshdAvailable();

/** Answers /health with its pid, so a restart shows as a new process. */
const SERVICE = `import http.server, os
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
        self.wfile.write(str(os.getpid()).encode())
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Health).serve_forever()
`;

let server: DeployTarget;

const vars = (project = PROJECT) => ({
  project,
  deploy_root: server.deployRoot,
  service_manager: "process",
  port: server.port,
  health_retries: 40,
  health_delay: 0.5,
});

const playbook = (name: string, extra: object = {}) => ({
  playbook: name,
  target: server.target(),
  sshKeySecret: "SSH_KEY",
  ...extra,
});

const pid = async () => {
  const response = await fetch(`http://127.0.0.1:${server.port}/health`, {
    signal: AbortSignal.timeout(3000),
  });
  return Number(await response.text());
};

beforeAll(async () => {
  if (!ready) return;
  server = await startDeployTarget(PROJECT, { "serve.py": SERVICE });
}, 60_000);

afterAll(() => server?.stop(), 60_000);

describe.skipIf(!ready)("restart_project", { timeout: 300_000 }, () => {
  it("starts a killed service again and waits for its health", async () => {
    const deployed = await server.run(
      playbook("deploy_project", {
        vars: { ...vars(), start_argv: ["python3", "serve.py"] },
        source: { url: server.repo.url, ref: "main" },
      }),
    );
    expect(deployed.status, deployed.explain()).toBe("succeeded");
    const before = await pid();

    // What an outage looks like: the supervisor and the service gone.
    spawnSync(path.join(server.deployRoot, PROJECT, "bin/co-app-ctl"), ["stop"], { timeout: 20_000 });
    await expect(pid()).rejects.toThrow();

    const restarted = await server.run(playbook("restart_project", { vars: vars() }));
    expect(restarted.status, restarted.explain()).toBe("succeeded");
    expect(restarted.output?.hosts.target).toMatchObject({ failed: 0, unreachable: 0 });
    const after = await pid();
    expect(after).not.toBe(before);
  });

  it("refuses a project with no current release, creating nothing", async () => {
    const refused = await server.run(playbook("restart_project", { vars: vars("never-deployed") }));
    expect(refused.status).toBe("failed");
    expect(refused.output?.failure?.message).toContain("has no current release on this host");
    expect(existsSync(path.join(server.deployRoot, "never-deployed"))).toBe(false);
  });
});
