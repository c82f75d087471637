/**
 * server_check (real `ansible-playbook`, an sshd on 127.0.0.1): the play returns the host's
 * figures (disk free, memory available, load per core) as the job's result (`check`), with no
 * problem under lenient thresholds and the reason when a threshold cannot be met; bad variables
 * are refused; a stopped sshd is Ansible's `unreachable` outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverCheck } from "../src/kinds/ansible/server-check.ts";
import { ansibleAvailable, runPlaybook } from "./support/deploy-target.ts";
import { type Sshd, sshdAvailable, startSshd } from "./support/sshd.ts";

const ready = ansibleAvailable() && sshdAvailable();
let sshd: Sshd;

/** server_check with these variables; thresholds no machine fails unless a test says otherwise. */
const check = (vars: Record<string, unknown>) =>
  runPlaybook(sshd, {
    playbook: "server_check",
    target: { host: sshd.host, port: sshd.port, user: sshd.user, knownHosts: sshd.knownHostsLine },
    sshKeySecret: "SSH_KEY",
    vars: {
      // Not there yet: the check measures its nearest existing parent's file system.
      deploy_root: "/srv/co-server-check-probe/apps",
      service_manager: "process",
      min_disk_free_percent: 0,
      min_memory_available_percent: 0,
      max_load_per_core: 1000,
      ...vars,
    },
  });

beforeAll(async () => {
  if (ready) sshd = await startSshd();
}, 60_000);

afterAll(() => sshd?.stop(), 30_000);

describe("the server_check result", () => {
  it("takes Ansible's text for numbers and None, and refuses figures out of range", () => {
    const returned = { diskFreePercent: "42.5", memoryAvailablePercent: 60, loadPerCore: "0.1" };
    expect(serverCheck({ server_check: { ...returned, serviceManager: "None", problems: [] } })).toEqual({
      diskFreePercent: 42.5,
      memoryAvailablePercent: 60,
      loadPerCore: 0.1,
      serviceManager: null,
      problems: [],
    });
    expect(serverCheck({})).toBeUndefined();
    const overFull = { ...returned, diskFreePercent: "142", serviceManager: null, problems: [] };
    expect(() => serverCheck({ server_check: overFull })).toThrow();
  });
});

describe.skipIf(!ready)("server_check", { timeout: 120_000 }, () => {
  it("returns the host's figures, and no problem under thresholds it meets", async () => {
    const run = await check({});
    expect(run.status, run.explain()).toBe("succeeded");
    const figures = run.output?.check;
    expect(figures?.problems).toEqual([]);
    expect(figures?.diskFreePercent).toBeGreaterThan(0);
    expect(figures?.diskFreePercent).toBeLessThanOrEqual(100);
    expect(figures?.memoryAvailablePercent).toBeGreaterThan(0);
    expect(figures?.memoryAvailablePercent).toBeLessThanOrEqual(100);
    expect(figures?.loadPerCore).toBeGreaterThanOrEqual(0);
    expect(run.output?.hosts.target).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
  });

  it("says which threshold the host does not meet", async () => {
    const run = await check({ min_disk_free_percent: 100.5, min_memory_available_percent: 100.5 });
    expect(run.status, run.explain()).toBe("succeeded");
    const problems = run.output?.check?.problems ?? [];
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^disk [\d.]+% free, below 100\.5%$/);
    expect(problems[1]).toMatch(/^memory [\d.]+% available, below 100\.5%$/);
  });

  it("refuses bad variables", async () => {
    const run = await check({ deploy_root: "/srv/$(id)", max_load_per_core: "-1" });
    expect(run.status).toBe("failed");
    expect(run.output?.failure?.task).toBe("server_check : Check the variables");
    expect(run.output?.check).toBeUndefined();
  });

  it("is Ansible's unreachable outcome when sshd is down", async () => {
    await sshd.stop();
    const run = await check({});
    expect(run.status).toBe("failed");
    expect(run.output?.hosts.target?.unreachable).toBe(1);
    expect(run.output?.check).toBeUndefined();
  });
});
