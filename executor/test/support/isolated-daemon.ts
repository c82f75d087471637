/**
 * A real daemon (`orchestrator executor`) for jobs-as-attackers tests: root as these tests run,
 * with supplementary groups of its own (which no job may keep), a canary in its environment, its
 * token in a 0600 file of a directory open to all (so only the file's mode keeps it), job uids
 * from `range`, and a stub hub that assigns the jobs. Also: bare repositories made from files.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { UidRange } from "../../src/process/job-users.ts";
import { fixtureGit, tempDir } from "./git-fixtures.ts";
import { type StubHub, stubHub } from "./stub-hub.ts";

const cli = path.resolve(import.meta.dirname, "../../src/cli.ts");

export interface IsolatedDaemon {
  hub: StubHub;
  pid: number;
  dataDir: string;
  tokenFile: string;
  token: string;
  /** A value only in the daemon's environment. */
  canary: string;
  inRange(uid: number): boolean;
  stop(): Promise<void>;
}

export async function startIsolatedDaemon(range: UidRange): Promise<IsolatedDaemon> {
  const hub = await stubHub();
  const dataDir = await tempDir("co-isolation-data-");
  const tokenDir = await tempDir("co-isolation-token-");
  await chmod(tokenDir, 0o755);
  const tokenFile = path.join(tokenDir, "token");
  const token = `coe_${randomUUID()}`;
  await writeFile(tokenFile, token, { mode: 0o600 });
  const canary = `daemon-canary-${randomUUID()}`;
  const args = ["executor", "--url", hub.url, "--data-dir", dataDir, "--capacity", "3", "--grace-ms", "0"];
  args.push("--token-file", tokenFile, "--job-uid-range", `${range.first}-${range.last}`);
  // setpriv sets the groups and execs: the daemon keeps its pid.
  const daemon: ChildProcess = spawn("setpriv", ["--groups", "4,27", "--", process.execPath, cli, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", DAEMON_CANARY: canary },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await hub.capabilities;
  return {
    hub,
    pid: daemon.pid as number,
    dataDir,
    tokenFile,
    token,
    canary,
    inRange: (uid) => uid >= range.first && uid <= range.last,
    async stop() {
      if (daemon.exitCode === null) {
        daemon.kill("SIGTERM");
        await once(daemon, "exit");
      }
      hub.close();
    },
  };
}

/** A bare repository with one commit on main holding `files` (text, or `{ symlink: target }`). */
export async function bareRepoOf(files: Record<string, string | { symlink: string }>): Promise<string> {
  const root = await tempDir("co-isolation-repo-");
  const work = path.join(root, "work");
  fixtureGit(root, "init", "--quiet", "--initial-branch=main", work);
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(work, name);
    await mkdir(path.dirname(file), { recursive: true });
    if (typeof content === "string") await writeFile(file, content);
    else await symlink(content.symlink, file);
  }
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", "start");
  fixtureGit(root, "clone", "--quiet", "--bare", work, path.join(root, "project.git"));
  return path.join(root, "project.git");
}

export async function waitFor<T>(what: string, probe: () => T | undefined, ms = 30_000): Promise<T> {
  for (const started = Date.now(); Date.now() - started < ms; ) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
