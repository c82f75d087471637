/**
 * The start command reaches the deployed process as data: deploy_project (real `ansible-playbook`,
 * process manager, an sshd on 127.0.0.1) given `start_argv` with spaces, `;`, `$(…)`, backticks,
 * quotes, a glob, `$HOME` and Jinja, as a project's manifest could hold them: the service gets
 * each word exactly, nothing is run by a shell or evaluated by Ansible, and `.co-start` holds the
 * words single-quoted. A list the role cannot quote safely (a newline in a word) is refused.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { AnsibleResult, AnsibleSpec } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAnsible } from "../src/kinds/ansible/runner.ts";
import { bareRepo, fixtureGit, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { runContext } from "./support/run-context.ts";
import { freePort, type Sshd, sshdAvailable, startSshd } from "./support/sshd.ts";

const PROJECT = "argv-probe";
const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const CANARY = path.join(tmpdir(), `co-argv-canary-${process.pid}`);
const projectUser = `co-${PROJECT}-${createHash("sha1").update(PROJECT).digest("hex").slice(0, 6)}`;

/** Writes the words it was given to data/argv.json, then answers /health on $PORT. */
const SERVICE = `import http.server, json, os, sys
with open("data/argv.json", "w") as out:
    json.dump(sys.argv[1:], out)
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Health).serve_forever()
`;

/** Words a shell or a template engine would act on, were they not data. */
const WORDS = [
  "two words",
  `; touch ${CANARY}-semicolon`,
  `$(touch ${CANARY}-subshell)`,
  `\`touch ${CANARY}-backtick\``,
  `it's "quoted" \\ and \\'`,
  `{{ lookup('pipe', 'touch ${CANARY}-jinja') }}`,
  "$HOME",
  "*",
  "--flag=a b",
];

let sshd: Sshd;
let deployRoot: string;
let repo: { path: string; url: string };
let port: number;

function deploySpec(startArgv: string[]) {
  return AnsibleSpec.parse({
    playbook: "deploy_project",
    target: { host: sshd.host, port: sshd.port, user: sshd.user, knownHosts: sshd.knownHostsLine },
    sshKeySecret: "SSH_KEY",
    vars: {
      project: PROJECT,
      deploy_root: deployRoot,
      service_manager: "process",
      port,
      start_argv: startArgv,
      health_retries: 40,
      health_delay: 0.5,
    },
    source: { url: repo.url, ref: "main" },
  });
}

async function deploy(startArgv: string[]) {
  const test = await runContext({
    workdir: await tempDir("co-ansible-job-"),
    secrets: { SSH_KEY: sshd.privateKey },
    deadlineAt: Date.now() + 120_000,
  });
  const outcome = await runAnsible(deploySpec(startArgv), test.ctx);
  const output = outcome.output === undefined ? null : AnsibleResult.parse(outcome.output);
  return { ...outcome, output, explain: () => `${outcome.error}\n${test.text()}` };
}

beforeAll(async () => {
  if (!ansible || !sshdAvailable()) return;
  sshd = await startSshd();
  deployRoot = await tempDir("co-argv-deploy-root-");
  await chmod(deployRoot, 0o755);
  repo = await bareRepo(await tempDir("co-argv-repo-"), PROJECT, 0);
  const work = await tempDir("co-argv-work-");
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

describe.skipIf(!ansible || !sshdAvailable())("start_argv", { timeout: 300_000 }, () => {
  it("reaches the service word for word, run by no shell and no template", async () => {
    const deployed = await deploy(["python3", "serve.py", ...WORDS]);
    expect(deployed.status, deployed.explain()).toBe("succeeded");
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const argv = JSON.parse(await readFile(path.join(deployRoot, PROJECT, "shared/data/argv.json"), "utf8"));
    expect(argv).toEqual(WORDS);
    for (const canary of ["semicolon", "subshell", "backtick", "jinja"])
      expect(existsSync(`${CANARY}-${canary}`), canary).toBe(false);
    const start = await readFile(path.join(deployRoot, PROJECT, "current/.co-start"), "utf8");
    expect(start.split("\n").slice(1)).toEqual([
      `exec python3 serve.py 'two words' '; touch ${CANARY}-semicolon' '$(touch ${CANARY}-subshell)' '\`touch ${CANARY}-backtick\`' 'it'"'"'s "quoted" \\ and \\'"'"'' '{{ lookup('"'"'pipe'"'"', '"'"'touch ${CANARY}-jinja'"'"') }}' '$HOME' '*' '--flag=a b'`,
      "",
    ]);
  });

  it("refuses a word that is not one line, before anything is deployed", async () => {
    const refused = await deploy(["python3", "serve.py", "two\nlines"]);
    expect(refused.status).toBe("failed");
    expect(refused.output?.failure?.task).toBe("app : Check the release's variables");
    expect(refused.output?.failure?.message).toContain("start_argv a list of at most 64");
  });
});
