/**
 * project_logs (real `ansible-playbook`, an sshd on 127.0.0.1): a tiny service deployed with
 * deploy_project under the process manager prints numbered lines and a secret; the play returns
 * its last `lines` lines as the job's result (`logs`), honours `since`, masks the job's secrets
 * in the result and the log, says nothing is deployed (not a failure) before the deploy, and
 * refuses bad variables.
 */
import { createHash } from "node:crypto";
import { PROJECT_LOGS_MAX_BYTES } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectLogs } from "../src/kinds/ansible/project-logs.ts";
import { mask, secretNeedles } from "../src/process/mask.ts";
import { ansibleAvailable, type DeployTarget, startDeployTarget } from "./support/deploy-target.ts";
import { sshdAvailable } from "./support/sshd.ts";

const PROJECT = "logs-probe";
const ansible = ansibleAvailable();
const CANARY = `canary-${createHash("sha1").update(String(process.pid)).digest("hex").slice(0, 16)}`;

/** Prints 150 numbered lines, one with the secret, then answers /health on $PORT. */
const SERVICE = `import http.server, os
for n in range(150):
    print(f"line {n}", flush=True)
print("token is " + os.environ["TOKEN"], flush=True)
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Health).serve_forever()
`;

let server: DeployTarget;

/** project_logs with these variables; the canary is a job secret (what the executor masks). */
const readLogs = (vars: Record<string, unknown>) =>
  server.run(
    {
      playbook: "project_logs",
      target: server.target(),
      sshKeySecret: "SSH_KEY",
      vars: { project: PROJECT, deploy_root: server.deployRoot, service_manager: "auto", ...vars },
      secretVars: { token: "TOKEN" },
    },
    { TOKEN: CANARY },
  );

const linesOf = (text: string | undefined) => (text ?? "").split("\n").filter((line) => line !== "");

beforeAll(async () => {
  if (!ansible || !sshdAvailable()) return;
  server = await startDeployTarget(PROJECT, { "serve.py": SERVICE });
}, 60_000);

afterAll(() => server?.stop(), 60_000);

describe("the project_logs result", () => {
  const masking = (text: string) => mask(text, secretNeedles([CANARY]));

  it("drops terminal escapes and control characters, masks the whole text, keeps the flag", () => {
    const text = `\x1b[31mred\x1b[0m\r\nbell\x07 ${CANARY.slice(0, 9)}${CANARY.slice(9)}\n`;
    expect(projectLogs({ project_logs: { manager: "systemd", text, truncated: "True" } }, masking)).toEqual({
      manager: "systemd",
      text: "red\nbell ***\n",
      truncated: true,
    });
    expect(projectLogs({}, masking)).toBeUndefined();
  });

  it("keeps at most PROJECT_LOGS_MAX_BYTES, from the first whole line", () => {
    const text = Array.from({ length: 20_000 }, (_, n) => `line ${n}`).join("\n");
    const logs = projectLogs({ project_logs: { manager: "process", text, truncated: false } }, masking);
    expect(logs?.truncated).toBe(true);
    expect(logs?.text.length).toBeLessThanOrEqual(PROJECT_LOGS_MAX_BYTES);
    expect(logs?.text.endsWith("line 19999")).toBe(true);
    expect(logs?.text).toMatch(/^line \d+\n/);
  });
});

describe.skipIf(!ansible || !sshdAvailable())("project_logs", { timeout: 300_000 }, () => {
  it("answers empty, not failed, when nothing is deployed", async () => {
    const read = await readLogs({ lines: 10 });
    expect(read.status, read.explain()).toBe("succeeded");
    expect(read.output?.logs).toEqual({ manager: null, text: "", truncated: false });
  });

  it("reads the last lines of a deployed service, secrets masked, since honoured", async () => {
    const deployed = await server.run(
      {
        playbook: "deploy_project",
        target: server.target(),
        sshKeySecret: "SSH_KEY",
        vars: {
          project: PROJECT,
          deploy_root: server.deployRoot,
          service_manager: "process",
          port: server.port,
          start_argv: ["python3", "serve.py"],
          health_retries: 40,
          health_delay: 0.5,
        },
        secretEnv: { TOKEN: "TOKEN" },
        source: { url: server.repo.url, ref: "main" },
      },
      { TOKEN: CANARY },
    );
    expect(deployed.status, deployed.explain()).toBe("succeeded");

    const read = await readLogs({ lines: 5, since: "10m" });
    expect(read.status, read.explain()).toBe("succeeded");
    expect(read.output?.logs?.manager).toBe("process");
    expect(read.output?.logs?.truncated).toBe(false);
    expect(linesOf(read.output?.logs?.text)).toEqual([
      "line 146",
      "line 147",
      "line 148",
      "line 149",
      "token is ***",
    ]);
    expect(read.log).not.toContain(CANARY);

    // The log was last written before this time: nothing since.
    const future = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");
    const later = await readLogs({ lines: 5, since: future });
    expect(later.status, later.explain()).toBe("succeeded");
    expect(later.output?.logs).toEqual({ manager: "process", text: "", truncated: false });
  });

  it("refuses lines out of 1..1000 and a since it does not know", async () => {
    for (const vars of [{ lines: 1001 }, { lines: 10, since: "10 minutes; id" }]) {
      const refused = await readLogs(vars);
      expect(refused.status).toBe("failed");
      expect(refused.output?.failure?.task).toBe("app : Check the variables");
      expect(refused.output?.logs).toBeUndefined();
    }
  });
});
