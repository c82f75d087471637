/**
 * The app role's systemd paths against a real systemd: real `ansible-playbook` through the
 * executor's `ansible` runner, as the `deploy` user (sudo), onto a Debian server whose PID 1 is
 * systemd (support/systemd-target.ts: a container booting /sbin/init, its sshd on a 127.0.0.1
 * port). A tiny python3 service, `service_manager: systemd`:
 *
 * - deploy_project writes `co-<project>.service` (nothing for `systemd-analyze verify` to say),
 *   enables and starts it: it runs as the project's user with `.env`'s variables (a value with
 *   quotes, `$` and backslashes read back unchanged by `EnvironmentFile=`) and answers on its port
 *   inside the server;
 * - a second commit (`service_manager: auto`, which finds systemd) restarts it; killed, systemd
 *   starts it again (`Restart=always`);
 * - a release that never answers fails the deploy (the message names the journal) and
 *   rollback_project brings back the one that was live; restart_project starts it afresh;
 *   server_check says `systemd running`, and `degraded` with a failed unit's name; project_logs
 *   (manager `auto`) reads the unit's journal, `since` honoured; undeploy_project stops and
 *   disables the unit, removes its file (systemd forgets it), the project's directory and its user;
 * - behind the server's Caddy (Debian's caddy.service, reloaded by systemctl) with a standby port,
 *   releases go blue-green with a unit per slot: the new one starts beside the live one, Caddy
 *   moves to it (asked over TLS inside the server), the old one stops; the live slot's unit is the
 *   one enabled; a rollback switches back the same way; undeploy removes both units.
 *
 * Cold (no cached root file system) scripts/test-images.sh builds it first (30 to 50 s here).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./support/containers.ts";
import { ansibleAvailable, type PlaybookRun, projectUserOf, runPlaybook } from "./support/deploy-target.ts";
import { bareRepo, fixtureGit, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { type SystemdTarget, startSystemdTarget } from "./support/systemd-target.ts";

const PROJECT = "sd-probe";
const UNIT = `co-${PROJECT}.service`;
const PORT = 8080;
const APP_DIR = `/srv/apps/${PROJECT}`;
/** What `.env` carries through systemd's EnvironmentFile= to the service, character for character. */
const GREETING = `it's "$HOME" \\ \`id\` $((1+1))`;
const PLAY_TIMEOUT_MS = 180_000;
/** The blue-green project: two slots, a unit each, behind the server's Caddy. */
const GREEN = "sd-green";
const GREEN_PORTS = [8090, 8091] as const;
const GREEN_UNITS = { a: `co-${GREEN}.service`, b: `co-${GREEN}_b.service` };
const GREEN_NAME = `${GREEN}.apps.test`;
const GREEN_PROXY = { proxy_domains: [GREEN_NAME], proxy_https_port: 8443, proxy_tls: "internal" };

/**
 * Prints a line per start, then answers /health (200) and / (who and what it is, as JSON). On
 * SIGTERM it exits with status 1, as many services do (a JVM's 143, a Node `process.exit(1)`):
 * systemd then counts each stop as a failure.
 */
const SERVICE = `import http.server, json, os, pwd, signal, sys
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
VERSION = open("version.txt").read().strip()
INFO = {"version": VERSION, "user": pwd.getpwuid(os.getuid()).pw_name, "home": os.environ.get("HOME"),
        "greeting": os.environ.get("GREETING"), "cwd": os.getcwd()}
print(f"serving {VERSION} on {os.environ['PORT']}", flush=True)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok" if self.path == "/health" else json.dumps(INFO).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
`;

const ansible = ansibleAvailable();
let server: SystemdTarget;
let repo: { path: string; url: string };
const commits: string[] = [];
const runs: { name: string; status: string; seconds: number }[] = [];

async function commit(version: string, service = SERVICE): Promise<string> {
  const work = await tempDir("co-systemd-src-");
  await writeFile(path.join(work, "serve.py"), service);
  await writeFile(path.join(work, "version.txt"), `${version}\n`);
  fixtureGit(work, "init", "--quiet", "--initial-branch=main");
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", version);
  fixtureGit(work, "push", "--quiet", "--force", repo.path, "main");
  const sha = fixtureGit(work, "rev-parse", "HEAD");
  commits.push(sha);
  return sha;
}

type Playbook =
  | "deploy_project"
  | "rollback_project"
  | "restart_project"
  | "project_logs"
  | "undeploy_project"
  | "server_check";

async function play(playbook: Playbook, vars: Record<string, unknown> = {}): Promise<PlaybookRun> {
  const started = Date.now();
  const run = await runPlaybook(
    server,
    {
      playbook,
      target: server.target(),
      sshKeySecret: "SSH_KEY",
      vars: playbook === "server_check" ? vars : { project: PROJECT, service_manager: "systemd", ...vars },
      ...(playbook === "deploy_project" ? { source: { url: repo.url, ref: "main" } } : {}),
    },
    {},
    PLAY_TIMEOUT_MS,
  );
  runs.push({ name: playbook, status: run.status, seconds: Math.round((Date.now() - started) / 1000) });
  const journal = () => server.exec(`journalctl -u ${UNIT} -n 30 --no-pager || true`);
  return { ...run, explain: () => `${run.explain()}\njournal:\n${journal()}` };
}

const DEPLOY = {
  port: PORT,
  start_argv: ["python3", "serve.py"],
  app_env: { GREETING },
  health_retries: 40,
  health_delay: 0.25,
};

/** GET http://127.0.0.1:<PORT><route> inside the server (its loopback), the body. */
const get = (route: string) =>
  server.exec(
    `python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:${PORT}${route}", timeout=5).read().decode())'`,
  );
const info = () => JSON.parse(get("/")) as Record<string, string>;
/** GET / of the blue-green project through Caddy inside the server (TLS with its name, HTTP/1.0). */
const throughCaddy = () =>
  JSON.parse(
    server.exec(
      `python3 -c 'import socket, ssl, sys
tls = ssl._create_unverified_context().wrap_socket(socket.create_connection(("127.0.0.1", 8443), 5), server_hostname="${GREEN_NAME}")
tls.sendall(b"GET / HTTP/1.0\\r\\nHost: ${GREEN_NAME}\\r\\n\\r\\n")
answer = b"".join(iter(lambda: tls.recv(65536), b""))
sys.stdout.write(answer.split(b"\\r\\n\\r\\n", 1)[1].decode())'`,
    ),
  ) as Record<string, string>;
const systemctl = (...args: string[]) => server.exec(`systemctl ${args.join(" ")} || true`).trim();
/** What `probe` gives, or null while it throws (the service not answering yet). */
const attempt = <T>(probe: () => T): T | null => {
  try {
    return probe();
  } catch {
    return null;
  }
};
const mainPid = () => systemctl("show", "--property=MainPID", "--value", UNIT);

beforeAll(async () => {
  if (!ansible)
    throw new Error("ansible-playbook is not installed (bash scripts/system-deps.sh installs ansible-core)");
  const started = Date.now();
  server = await startSystemdTarget();
  console.log(
    `systemd target booted (${server.systemState}) in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  repo = await bareRepo(await tempDir("co-systemd-repo-"), PROJECT, 0);
}, 300_000);

afterAll(async () => {
  for (const { name, status, seconds } of runs) console.log(`${name}: ${status} in ${seconds} s`);
  await server?.stop();
  await removeTempDirs();
}, 120_000);

describe("the app role under a real systemd", { timeout: PLAY_TIMEOUT_MS }, () => {
  it("boots the server with systemd as PID 1", () => {
    expect(server.exec("cat /proc/1/comm").trim()).toBe("systemd");
    expect(["running", "degraded"]).toContain(server.systemState);
    if (server.systemState !== "running")
      console.log(`systemd is degraded here: ${systemctl("--failed", "--no-legend", "--plain")}`);
  });

  it("deploy_project installs the unit, enabled and active, running as the project's user with its .env", async () => {
    const one = await commit("one");
    const deployed = await play("deploy_project", DEPLOY);
    expect(deployed.status, deployed.explain()).toBe("succeeded");
    expect(systemctl("is-active", UNIT)).toBe("active");
    expect(systemctl("is-enabled", UNIT)).toBe("enabled");
    // systemd finds nothing to say about the unit file (an unknown directive, a bad value).
    expect(server.exec(`systemd-analyze verify /etc/systemd/system/${UNIT} 2>&1`)).toBe("");
    expect(info()).toEqual({
      version: "one",
      user: projectUserOf(PROJECT),
      home: `${APP_DIR}/home`,
      greeting: GREETING,
      cwd: `${APP_DIR}/releases/${one}`,
    });
    expect(get("/health")).toBe("ok");
  });

  it("a second commit restarts the service (`auto` finds systemd: PID 1)", async () => {
    const pid = mainPid();
    await commit("two");
    const deployed = await play("deploy_project", { ...DEPLOY, service_manager: "auto" });
    expect(deployed.status, deployed.explain()).toBe("succeeded");
    expect(info().version).toBe("two");
    expect(mainPid()).not.toBe(pid);
    expect(systemctl("is-active", UNIT)).toBe("active");
  });

  it("killed, the service is started again by systemd", async () => {
    const pid = mainPid();
    server.exec(`kill -KILL ${pid}`);
    const restarted = await waitFor("systemd to start the service again", async () => {
      const now = mainPid();
      return now !== pid && now !== "0" && attempt(() => info().version) === "two" ? now : null;
    });
    expect(restarted).not.toBe(pid);
    expect(Number(systemctl("show", "--property=NRestarts", "--value", UNIT))).toBeGreaterThanOrEqual(1);
  });

  it("a release that never answers fails the deploy, naming the journal; rollback_project brings the last one back", async () => {
    await commit("three", `import sys\nprint("three gives up", flush=True)\nsys.exit(1)\n`);
    const failed = await play("deploy_project", { ...DEPLOY, health_retries: 4 });
    expect(failed.status).toBe("failed");
    expect(failed.output?.failure?.task).toBe("app : Fail unless the service is healthy");
    expect(failed.output?.failure?.message).toContain(`Log: journalctl -u ${UNIT}`);
    expect(server.exec(`journalctl -u ${UNIT} --no-pager`)).toContain("three gives up");

    // `previous` is the release that was live (two).
    const rolled = await play("rollback_project", { port: PORT });
    expect(rolled.status, rolled.explain()).toBe("succeeded");
    expect(info()).toMatchObject({ version: "two", cwd: `${APP_DIR}/releases/${commits[1]}` });
    expect(systemctl("is-active", UNIT)).toBe("active");
  });

  it("restart_project starts the service afresh", async () => {
    const pid = mainPid();
    const restarted = await play("restart_project", { port: PORT, health_delay: 0.25 });
    expect(restarted.status, restarted.explain()).toBe("succeeded");
    expect(mainPid()).not.toBe(pid);
    expect(info().version).toBe("two");
  });

  it("server_check says systemd runs, and names a failed unit as a problem", async () => {
    const healthy = await play("server_check", { service_manager: "systemd" });
    expect(healthy.status, healthy.explain()).toBe("succeeded");
    expect(healthy.output?.check?.serviceManager).toBe(`systemd ${server.systemState}`);
    server.exec("systemd-run --unit=co-broken.service --quiet /bin/false");
    await waitFor(
      "co-broken.service to fail",
      async () => systemctl("is-failed", "co-broken.service") === "failed",
    );
    try {
      const degraded = await play("server_check", { service_manager: "systemd" });
      expect(degraded.status, degraded.explain()).toBe("succeeded");
      expect(degraded.output?.check?.serviceManager).toMatch(/^systemd degraded .*co-broken\.service/);
      expect(degraded.output?.check?.problems.join("\n")).toContain("co-broken.service");
    } finally {
      server.exec("systemctl reset-failed co-broken.service");
    }
  });

  it("project_logs reads the unit's journal", async () => {
    const read = await play("project_logs", { service_manager: "auto", lines: 500 });
    expect(read.status, read.explain()).toBe("succeeded");
    expect(read.output?.logs?.manager).toBe("systemd");
    const text = read.output?.logs?.text ?? "";
    expect(text).toContain(`serving one on ${PORT}`);
    expect(text).toContain("three gives up");
    expect(text).toContain(`serving two on ${PORT}`);
    const recent = await play("project_logs", { lines: 1, since: "10m" });
    expect(recent.status, recent.explain()).toBe("succeeded");
    expect(recent.output?.logs?.text.trim().split("\n")).toHaveLength(1);
    // Nothing written since then: nothing returned.
    const future = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");
    const later = await play("project_logs", { lines: 5, since: future });
    expect(later.status, later.explain()).toBe("succeeded");
    expect(later.output?.logs).toEqual({ manager: "systemd", text: "", truncated: false });
  });

  it("behind Caddy (Debian's caddy.service) with a standby port, releases go blue-green: a unit per slot", async () => {
    const green = { project: GREEN, port: GREEN_PORTS[0], standby_port: GREEN_PORTS[1], ...GREEN_PROXY };
    const deploy = () => play("deploy_project", { ...DEPLOY, ...green, drain_seconds: 0 });
    await commit("green-1");
    const first = await deploy();
    expect(first.status, first.explain()).toBe("succeeded");
    expect(throughCaddy()).toMatchObject({ version: "green-1" });
    expect(systemctl("is-active", GREEN_UNITS.a)).toBe("active");
    expect(systemctl("is-enabled", GREEN_UNITS.a)).toBe("enabled");

    // The next release starts as slot b on the standby port; Caddy moves to it; slot a stops.
    await commit("green-2");
    const second = await deploy();
    expect(second.status, second.explain()).toBe("succeeded");
    expect(throughCaddy()).toMatchObject({ version: "green-2" });
    expect(systemctl("is-active", GREEN_UNITS.b)).toBe("active");
    expect(systemctl("is-active", GREEN_UNITS.a)).not.toBe("active");
    // The live slot is the one that starts at boot.
    expect(systemctl("is-enabled", GREEN_UNITS.b)).toBe("enabled");
    expect(systemctl("is-enabled", GREEN_UNITS.a)).toBe("disabled");
    expect(server.exec(`cat /srv/apps/${GREEN}/run/live-slot`).trim()).toBe("b");
    expect(server.exec(`systemd-analyze verify /etc/systemd/system/${GREEN_UNITS.b} 2>&1`)).toBe("");
    expect(systemctl("is-active", "caddy")).toBe("active");

    // Rolled back: the release that was live starts again as slot a, and Caddy goes back to it.
    const rolled = await play("rollback_project", { ...green, rollback_to: commits.at(-2) });
    expect(rolled.status, rolled.explain()).toBe("succeeded");
    expect(throughCaddy()).toMatchObject({ version: "green-1" });
    expect(systemctl("is-active", GREEN_UNITS.a)).toBe("active");
    expect(systemctl("is-active", GREEN_UNITS.b)).not.toBe("active");

    // Undeployed: both units gone, and no failed unit left (the service exits 1 on SIGTERM).
    const undeployed = await play("undeploy_project", { project: GREEN, ...GREEN_PROXY });
    expect(undeployed.status, undeployed.explain()).toBe("succeeded");
    for (const unit of Object.values(GREEN_UNITS))
      expect(systemctl("show", "--property=LoadState", "--value", unit)).toBe("not-found");
    expect(systemctl("list-units", "--failed", "--no-legend", "--plain")).not.toContain(GREEN);
  });

  it("undeploy_project stops and disables the unit, removes its file, the project and its user", async () => {
    const undeployed = await play("undeploy_project");
    expect(undeployed.status, undeployed.explain()).toBe("succeeded");
    expect(server.exec(`test -e /etc/systemd/system/${UNIT} && echo there || echo gone`).trim()).toBe("gone");
    expect(systemctl("show", "--property=LoadState", "--value", UNIT)).toBe("not-found");
    expect(systemctl("is-active", UNIT)).not.toBe("active");
    // Its stop failed (status 1 on SIGTERM), yet systemd keeps no failed unit behind.
    expect(systemctl("is-failed", UNIT)).not.toBe("failed");
    expect(systemctl("list-units", "--failed", "--no-legend", "--plain")).not.toContain(UNIT);
    expect(() => get("/health")).toThrow();
    expect(server.exec(`test -e ${APP_DIR} && echo there || echo gone`).trim()).toBe("gone");
    expect(server.exec(`getent passwd ${projectUserOf(PROJECT)} || echo none`).trim()).toBe("none");
  });
});
