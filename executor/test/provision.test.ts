/**
 * provision_server for real, through the `ansible` job kind, against a fresh Debian server (a
 * privileged container of its own network namespace, reached over SSH on 127.0.0.1:
 * support/provision-target.ts): apt installs Caddy, Docker, git, Node; the pinned Node comes from
 * npm; the deploy user, sshd's hardening and the nftables firewall are applied. Then a project is
 * deployed onto it as the deploy user and answers through the server's Caddy (its internal CA),
 * and provisioning again changes nothing (`changed=0`).
 *
 * The target runs no systemd: the roles take the paths they take on such a host (services by
 * their init scripts, the firewall applied but not enabled at boot); the test prints them.
 *
 * Cold (no cached root file system, no cached packages) this takes minutes; see ansible/README.md.
 */
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildExecutor } from "../../scripts/build-executor.ts";
import { HEALTHY_SERVER_JS } from "../../test/support/service-repo.ts";
import { type PlaybookRun, runPlaybook } from "./support/deploy-target.ts";
import { bareRepo, fixtureGit, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { keyPair, type ProvisionTarget, startProvisionTarget } from "./support/provision-target.ts";
import { httpsGet } from "./support/proxy.ts";

const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const PROJECT = "hello";
const DOMAIN = "apps.test";
const PORT = 8080;
const PLAY_TIMEOUT_MS = 1_200_000;

let target: ProvisionTarget;
let deployKey: { privateKey: string; publicKey: string };
let repoUrl: string;
const runs: { name: string; run: PlaybookRun; seconds: number }[] = [];

beforeAll(async () => {
  if (!ansible)
    throw new Error("ansible-playbook is not installed (bash scripts/system-deps.sh installs ansible-core)");
  target = await startProvisionTarget();
  deployKey = keyPair(await tempDir("co-provision-keys-"), "deploy");
  const repo = await bareRepo(await tempDir("co-provision-repo-"), PROJECT, 0);
  repoUrl = repo.url;
  const work = await tempDir("co-provision-src-");
  await writeFile(path.join(work, "server.js"), HEALTHY_SERVER_JS);
  fixtureGit(work, "init", "--quiet", "--initial-branch=main");
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", "service");
  fixtureGit(work, "push", "--quiet", repo.path, "main");
}, 600_000);

afterAll(async () => {
  for (const { name, run, seconds } of runs) {
    const host = run.output?.hosts.target;
    console.log(`${name}: ${run.status} in ${seconds} s, recap ${JSON.stringify(host ?? null)}`);
  }
  await target?.stop();
  await removeTempDirs();
}, 120_000);

interface Play {
  source?: boolean;
  secretVars?: Record<string, string>;
  secrets?: Record<string, string>;
}

async function play(
  name: string,
  user: string,
  key: string,
  playbook: string,
  vars: object,
  more: Play = {},
) {
  const started = Date.now();
  const run = await runPlaybook(
    { privateKey: key },
    {
      playbook,
      target: { host: "127.0.0.1", port: target.sshPort, user, knownHosts: target.knownHostsLine },
      sshKeySecret: "SSH_KEY",
      vars,
      secretVars: more.secretVars ?? {},
      ...(more.source ? { source: { url: repoUrl, ref: "main" } } : {}),
    },
    more.secrets ?? {},
    PLAY_TIMEOUT_MS,
  );
  runs.push({ name, run, seconds: Math.round((Date.now() - started) / 1000) });
  return run;
}

/** The tasks whose result on the target had this status, by name, from the job's log. */
function tasksWith(run: PlaybookRun, status: string): string[] {
  const found: string[] = [];
  let task = "";
  for (const line of run.log.split("\n")) {
    const started = /TASK \[(.+)\]$/.exec(line);
    if (started) task = started[1] as string;
    else if (line.includes(`${status}: [target]`)) found.push(task);
  }
  return found;
}

/**
 * What the target cannot do here, said once: without CAP_SYS_RESOURCE (a sandboxed host) Debian's
 * init script cannot raise dockerd's open-files limit, so Docker is installed but not started.
 */
const dockerStarts = () => !target.missingCapabilities.includes("sys_resource");

const PROVISION_VARS = () => ({
  deploy_public_key: deployKey.publicKey,
  ...(dockerStarts() ? {} : { docker_start: false }),
  // The target's sshd listens on 22 (the test reaches it through a forwarded port).
  ssh_port: 22,
  public_service_ports: false,
});

describe("provision_server on a fresh Debian server", { timeout: PLAY_TIMEOUT_MS * 3 }, () => {
  it("provisions it, a project deploys onto it and answers through its proxy, and a second run changes nothing", async () => {
    const first = await play(
      "provision_server",
      "root",
      target.rootKey,
      "provision_server",
      PROVISION_VARS(),
    );
    expect(first.status, first.explain()).toBe("succeeded");
    console.log(
      `provision_server skipped on this target: ${tasksWith(first, "skipped").join("; ") || "nothing"}`,
    );

    if (!dockerStarts())
      console.log(
        "Docker is not started in the target: this host cannot give it CAP_SYS_RESOURCE, which " +
          "Debian's init script needs to raise dockerd's open-files limit (docker_start: false)",
      );
    // What it installed and configured.
    expect(target.exec("/usr/local/bin/node --version").trim()).toBe("v24.21.0");
    expect(target.exec("caddy version")).toMatch(/^v?2\./);
    if (dockerStarts())
      expect(target.exec("docker info --format '{{.ServerVersion}}'").trim()).toMatch(/^\d+\./);
    else expect(target.exec("docker --version")).toMatch(/^Docker version/);
    expect(target.exec("nft list table inet orchestrator")).toContain("tcp dport 22 accept");
    const sshd = target.exec("sshd -T");
    expect(sshd).toMatch(/^passwordauthentication no$/m);
    expect(sshd).toMatch(/^permitrootlogin without-password$/m);
    expect(target.exec("stat -c '%U %a' /srv/apps").trim()).toBe("deploy 755");
    expect(target.exec("cat ~deploy/.ssh/authorized_keys").trim()).toBe(deployKey.publicKey);

    // A project, deployed by the deploy user with its own key, behind the server's Caddy.
    const deployed = await play(
      "deploy_project",
      "deploy",
      deployKey.privateKey,
      "deploy_project",
      {
        project: PROJECT,
        port: PORT,
        start_command: "node server.js",
        health_delay: 1,
        proxy_domains: [`${PROJECT}.${DOMAIN}`],
        proxy_tls: "internal",
      },
      { source: true },
    );
    expect(deployed.status, deployed.explain()).toBe("succeeded");
    const ca = target.exec("cat /srv/apps/.proxy/data/pki/authorities/local/root.crt");
    const answer = await httpsGet(`https://${PROJECT}.${DOMAIN}:${target.httpsPort}/health`, ca);
    expect(answer).toEqual({ status: 200, body: "ok" });

    const second = await play(
      "provision_server again",
      "root",
      target.rootKey,
      "provision_server",
      PROVISION_VARS(),
    );
    expect(second.status, second.explain()).toBe("succeeded");
    expect(tasksWith(second, "changed"), second.log).toEqual([]);
    expect(second.output?.hosts.target?.changed).toBe(0);
    // Still serving after the second run (sshd reloaded or not, the firewall as it was).
    expect(await httpsGet(`https://${PROJECT}.${DOMAIN}:${target.httpsPort}/health`, ca)).toEqual({
      status: 200,
      body: "ok",
    });
  });

  it("provision_executor installs the executor daemon beside it and runs it; a second run changes nothing", async () => {
    // No hub answers there: the daemon keeps trying to connect.
    const vars = {
      executor_hub_url: "http://127.0.0.1:9",
      executor_bundle: buildExecutor(),
      ...(dockerStarts() ? {} : { docker_start: false }),
    };
    const executor = {
      secretVars: { executor_token: "EXECUTOR_TOKEN" },
      secrets: { EXECUTOR_TOKEN: "a-token" },
    };
    const first = await play(
      "provision_executor",
      "root",
      target.rootKey,
      "provision_executor",
      vars,
      executor,
    );
    expect(first.status, first.explain()).toBe("succeeded");
    console.log(
      `provision_executor skipped on this target: ${tasksWith(first, "skipped").join("; ") || "nothing"}`,
    );
    // Not systemd's unit here: the control script (start-stop-daemon) runs the daemon.
    target.exec("/opt/orchestrator/bin/orchestrator-executor-ctl status");
    expect(target.exec("stat -c %U /proc/$(cat /run/orchestrator-executor.pid)").trim()).toBe("orchestrator");
    expect(target.exec("stat -c '%U %a' /etc/orchestrator/executor.token").trim()).toBe("orchestrator 600");
    expect(target.exec("cat /var/log/orchestrator-executor.log")).toContain("executor starting");

    const second = await play(
      "provision_executor again",
      "root",
      target.rootKey,
      "provision_executor",
      vars,
      executor,
    );
    expect(second.status, second.explain()).toBe("succeeded");
    expect(tasksWith(second, "changed"), second.log).toEqual([]);
    expect(second.output?.hosts.target?.changed).toBe(0);
    target.exec("/opt/orchestrator/bin/orchestrator-executor-ctl status");
  });
});
