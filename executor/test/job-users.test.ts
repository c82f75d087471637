/**
 * The job users' pool where it cannot (or may not) switch users: the uid range must be nobody
 * else's on the host, and a daemon that cannot switch users (told so, rather than dropping this
 * process's privileges) refuses jobs that run code on the host, saying what to set, unless allowed
 * to run them as its own user.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { Daemon } from "../src/daemon/daemon.ts";
import { JobUsers, rangeConflicts, SHARED_UID_REFUSED } from "../src/process/job-users.ts";
import { stubHub } from "./support/stub-hub.ts";
import { removeTempDirs, tempDir } from "./support/temp.ts";

const RANGE = { first: 1_900_500_100, last: 1_900_500_109 };

afterAll(removeTempDirs);

describe("the job uid range", () => {
  it("must be nobody's: no user or group of the host, no subordinate ids (Sysbox's, say)", async () => {
    const etc = await tempDir("co-isolation-etc-");
    await writeFile(
      path.join(etc, "passwd"),
      "root:x:0:0::/root:/bin/sh\nalice:x:1900000005:100::/home/alice:/bin/sh\n",
    );
    await writeFile(path.join(etc, "subuid"), "sysbox:165536:268435456\n");
    expect(await rangeConflicts({ first: 1_900_000_000, last: 1_900_000_999 }, etc)).toEqual([
      `alice (1900000005) in ${etc}/passwd`,
    ]);
    expect(await rangeConflicts({ first: 200_000, last: 200_999 }, etc)).toEqual([
      `sysbox's 165536-268600991 in ${etc}/subuid`,
    ]);
    expect(await rangeConflicts({ first: 1_900_001_000, last: 1_900_001_999 }, etc)).toEqual([]);
  });
});

describe("without a way to switch users", { timeout: 60_000 }, () => {
  async function daemonThat(allowShared: boolean) {
    const local = await stubHub();
    const instance = new Daemon({
      url: local.url,
      token: "coe_test",
      capacity: 1,
      labels: {},
      dataDir: await tempDir("co-isolation-shared-"),
      templatesDir: path.resolve(import.meta.dirname, "../../templates"),
      ansibleDir: path.resolve(import.meta.dirname, "../../ansible"),
      jobUsers: new JobUsers({ range: RANGE, allowShared, switchable: false }),
      log: pino({ level: "silent" }),
    });
    await instance.start();
    return { hub: local, daemon: instance };
  }

  it("refuses jobs that run code on the host, saying what to set, and does not advertise exec", async () => {
    const { hub: local, daemon: instance } = await daemonThat(false);
    try {
      expect(await local.capabilities).not.toContain("exec");
      const refused = await local.run("exec", { command: ["true"] });
      expect(refused).toMatchObject({ status: "failed", error: SHARED_UID_REFUSED });
      expect(refused.error).toContain("--allow-shared-uid-jobs");
      const agent = await local.run("agent", { adapter: "custom", command: ["true"], prompt: "x" });
      expect(agent).toMatchObject({ status: "failed", error: SHARED_UID_REFUSED });
      // A job that runs nothing of its own on the host still runs.
      const git = await local.run("git", { steps: [{ op: "init", branch: "main" }] });
      expect(git.status, git.error).toBe("succeeded");
    } finally {
      await instance.shutdown(0);
      local.close();
    }
  });

  it("allowed to, runs them as its own user", async () => {
    const { hub: local, daemon: instance } = await daemonThat(true);
    try {
      expect(await local.capabilities).toContain("exec");
      const result = await local.run("exec", { command: ["sh", "-c", "echo uid $(id -u)"] });
      expect(result.status, result.error).toBe("succeeded");
      expect(result.log).toContain(`uid ${process.getuid?.()}\n`);
    } finally {
      await instance.shutdown(0);
      local.close();
    }
  });
});
