/**
 * project_logs (real `ansible-playbook`, an sshd on 127.0.0.1): a tiny service deployed with
 * deploy_project under the process manager prints numbered lines and a secret; the play returns
 * its last `lines` lines as the job's result (`logs`), honours `since`, masks the job's secrets
 * in the result and the log, says nothing is deployed (not a failure) before the deploy, and
 * refuses bad variables.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { AnsibleResult, AnsibleSpec, PROJECT_LOGS_MAX_BYTES } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectLogs } from "../src/kinds/ansible/project-logs.ts";
import { runAnsible } from "../src/kinds/ansible/runner.ts";
import { mask, secretNeedles } from "../src/process/mask.ts";
import { bareRepo, fixtureGit, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { runContext } from "./support/run-context.ts";
import { freePort, type Sshd, sshdAvailable, startSshd } from "./support/sshd.ts";

const PROJECT = "logs-probe";
const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const projectUser = `co-${PROJECT}-${createHash("sha1").update(PROJECT).digest("hex").slice(0, 6)}`;
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

let sshd: Sshd;
let deployRoot: string;
let repo: { path: string; url: string };
let port: number;

const target = () => ({ host: sshd.host, port: sshd.port, user: sshd.user, knownHosts: sshd.knownHostsLine });

async function run(spec: unknown, secrets: Record<string, string> = {}) {
  const test = await runContext({
    workdir: await tempDir("co-ansible-job-"),
    secrets: { SSH_KEY: sshd.privateKey, ...secrets },
    deadlineAt: Date.now() + 120_000,
  });
  const outcome = await runAnsible(AnsibleSpec.parse(spec), test.ctx);
  const output = outcome.output === undefined ? null : AnsibleResult.parse(outcome.output);
  return { ...outcome, output, log: test.text(), explain: () => `${outcome.error}\n${test.text()}` };
}

/** project_logs with these variables; the canary is a job secret (what the executor masks). */
const readLogs = (vars: Record<string, unknown>) =>
  run(
    {
      playbook: "project_logs",
      target: target(),
      sshKeySecret: "SSH_KEY",
      vars: { project: PROJECT, deploy_root: deployRoot, service_manager: "auto", ...vars },
      secretVars: { token: "TOKEN" },
    },
    { TOKEN: CANARY },
  );

const linesOf = (text: string | undefined) => (text ?? "").split("\n").filter((line) => line !== "");

beforeAll(async () => {
  if (!ansible || !sshdAvailable()) return;
  sshd = await startSshd();
  deployRoot = await tempDir("co-logs-deploy-root-");
  await chmod(deployRoot, 0o755);
  repo = await bareRepo(await tempDir("co-logs-repo-"), PROJECT, 0);
  const work = await tempDir("co-logs-work-");
  await writeFile(path.join(work, "serve.py"), SERVICE);
  fixtureGit(work, "init", "--quiet", "--initial-branch=main");
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", "the probe");
  fixtureGit(work, "push", "--quiet", "--force", repo.path, "main");
  port = await freePort();
}, 60_000);

afterAll(async () => {
  const ctl = path.join(deployRoot ?? "", PROJECT, "bin", "co-app-ctl");
  if (existsSync(ctl)) spawnSync(ctl, ["stop"], { timeout: 20_000 });
  spawnSync("userdel", [projectUser]);
  await sshd?.stop();
  await removeTempDirs();
}, 60_000);

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
    const deployed = await run(
      {
        playbook: "deploy_project",
        target: target(),
        sshKeySecret: "SSH_KEY",
        vars: {
          project: PROJECT,
          deploy_root: deployRoot,
          service_manager: "process",
          port,
          start_argv: ["python3", "serve.py"],
          health_retries: 40,
          health_delay: 0.5,
        },
        secretEnv: { TOKEN: "TOKEN" },
        source: { url: repo.url, ref: "main" },
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
