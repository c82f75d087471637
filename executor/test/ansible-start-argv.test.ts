/**
 * The start command reaches the deployed process as data: deploy_project (real `ansible-playbook`,
 * process manager, an sshd on 127.0.0.1) given `start_argv` with spaces, `;`, `$(…)`, backticks,
 * quotes, a glob, `$HOME` and Jinja, as a project's manifest could hold them: the service gets
 * each word exactly, nothing is run by a shell or evaluated by Ansible, and `.co-start` holds the
 * words single-quoted. A list the role cannot quote safely (a newline in a word) is refused.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ansibleAvailable, type DeployTarget, startDeployTarget } from "./support/deploy-target.ts";
import { sshdAvailable } from "./support/sshd.ts";

const PROJECT = "argv-probe";
const ansible = ansibleAvailable();
const CANARY = path.join(tmpdir(), `co-argv-canary-${process.pid}`);

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

let server: DeployTarget;

function deploySpec(startArgv: string[]) {
  return {
    playbook: "deploy_project",
    target: server.target(),
    sshKeySecret: "SSH_KEY",
    vars: {
      project: PROJECT,
      deploy_root: server.deployRoot,
      service_manager: "process",
      port: server.port,
      start_argv: startArgv,
      health_retries: 40,
      health_delay: 0.5,
    },
    source: { url: server.repo.url, ref: "main" },
  };
}

const deploy = (startArgv: string[]) => server.run(deploySpec(startArgv));

beforeAll(async () => {
  if (!ansible || !sshdAvailable()) return;
  server = await startDeployTarget(PROJECT, { "serve.py": SERVICE });
}, 60_000);

afterAll(() => server?.stop(), 60_000);

describe.skipIf(!ansible || !sshdAvailable())("start_argv", { timeout: 300_000 }, () => {
  it("reaches the service word for word, run by no shell and no template", async () => {
    const deployed = await deploy(["python3", "serve.py", ...WORDS]);
    expect(deployed.status, deployed.explain()).toBe("succeeded");
    expect((await fetch(`http://127.0.0.1:${server.port}/health`)).status).toBe(200);
    const argv = JSON.parse(
      await readFile(path.join(server.deployRoot, PROJECT, "shared/data/argv.json"), "utf8"),
    );
    expect(argv).toEqual(WORDS);
    for (const canary of ["semicolon", "subshell", "backtick", "jinja"])
      expect(existsSync(`${CANARY}-${canary}`), canary).toBe(false);
    const start = await readFile(path.join(server.deployRoot, PROJECT, "current/.co-start"), "utf8");
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
