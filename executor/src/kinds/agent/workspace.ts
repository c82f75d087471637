/**
 * Where an agent works: a checkout, and a HOME that keeps the agent's session files. A named
 * workspace lives under the executor's cache and is reused by later jobs (so `--resume` finds its
 * session at the same path); its checkout is fresh each time. One job at a time per workspace.
 *
 * The agent may rewrite the checkout's `.git` (its config can name commands git runs, a remote to
 * send the push and its password to), so the daemon reads, commits and pushes what it changed
 * through a copy of the git directory made before the agent ran, kept where only the daemon goes.
 * With a job user, the workspace is that user's while the job runs, and the daemon's (closed to
 * every job user) between jobs: its processes must be stopped before `release`.
 */
import { chmod, chown, cp, lstat, mkdir, mkdtemp, open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { AgentSpec, GitAuthor } from "@codegen-orchestrator/shared";
import type { Git } from "../../git/git.ts";
import { assertNoSymlinkBetween, giveTree } from "../../process/job-files.ts";
import type { ProcessUser } from "../../process/run-process.ts";

/** Where an agent's changes go: the spec's `checkout.push`. */
type AgentPush = NonNullable<NonNullable<AgentSpec["checkout"]>["push"]>;

export interface Workspace {
  /** The checkout the agent works in. */
  cwd: string;
  home: string;
  scratch: string;
  /**
   * The daemon's file of the sessions' reported cost totals (session-costs.ts), beside a named
   * workspace; null for a workspace thrown away after the job (none of its sessions is resumed).
   */
  costLedger: string | null;
  /** The daemon's copy of the checkout's git directory, taken before the agent runs. */
  gitDir: string;
  /** Gives the checkout, HOME and scratch directory to the job's user, before the agent runs. */
  handTo(user: ProcessUser): Promise<void>;
  /** Throws a JobFailure when the checkout is not where it was; call it once the agent is stopped. */
  assertInPlace(): Promise<void>;
  release(): Promise<void>;
}

const BASELINE_AUTHOR: GitAuthor = { name: "Codegen Orchestrator", email: "orchestrator@localhost" };

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Workspaces this process holds (its jobs share the process, so a pid cannot tell them apart). */
const held = new Set<string>();
const BUSY = "another agent job is using this workspace; run one at a time per workspace";

/** Takes the workspace's lock: the first job in wins; a lock whose holder process died is taken over. */
async function lock(file: string): Promise<void> {
  if (held.has(file)) throw new Error(BUSY);
  held.add(file);
  try {
    await lockFile(file);
  } catch (error) {
    held.delete(file);
    throw error;
  }
}

async function lockFile(file: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(await readFile(file, "utf8").catch(() => "0"));
      if (holder && holder !== process.pid && isAlive(holder)) break;
      await rm(file, { force: true });
    }
  }
  throw new Error(BUSY);
}

export async function openWorkspace(spec: AgentSpec, workdir: string, cacheDir: string): Promise<Workspace> {
  const workspaces = path.join(cacheDir, "agent-workspaces");
  // The nearest directory no job user ever owns: the checkout is checked against it.
  const base = spec.workspace ? workspaces : path.dirname(workdir);
  const root = spec.workspace ? path.join(workspaces, spec.workspace) : path.join(workdir, "agent");
  await mkdir(root, { recursive: true, mode: 0o700 });
  // Beside the workspace, not in it: the job's user owns the workspace while it runs.
  const lockFile = `${root}.lock`;
  if (spec.workspace) await lock(lockFile);
  let handed = false;
  const workspace: Workspace = {
    cwd: path.join(root, "checkout"),
    home: path.join(root, "home"),
    scratch: path.join(workdir, "agent-scratch"),
    costLedger: spec.workspace ? `${root}.session-costs.json` : null,
    gitDir: await mkdtemp(`${workdir}.git-`),
    handTo: async (user) => {
      handed = true;
      if (spec.workspace) for (const dir of [cacheDir, workspaces]) await chmod(dir, 0o711);
      // With whatever earlier jobs' users left in HOME.
      await giveTree(root, user);
      await giveTree(workspace.scratch, user);
    },
    assertInPlace: () => assertNoSymlinkBetween(base, workspace.cwd),
    release: async () => {
      await rm(workspace.scratch, { recursive: true, force: true });
      await rm(workspace.gitDir, { recursive: true, force: true });
      if (!spec.workspace) return;
      if (handed) {
        // Between jobs, no job user may enter it (the uid goes to other projects' jobs next), and
        // HOME is the daemon's again, as a container running as the daemon's uid expects. The
        // checkout is replaced by the next job.
        const daemon = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
        await giveTree(workspace.home, daemon);
        await chown(root, daemon.uid, daemon.gid);
      }
      await rm(lockFile, { force: true });
      held.delete(lockFile);
    },
  };
  await rm(workspace.cwd, { recursive: true, force: true });
  // An earlier job's user may have left something else than a directory there (a symlink).
  if ((await lstat(workspace.home).catch(() => null))?.isDirectory() === false) await rm(workspace.home);
  await mkdir(workspace.home, { recursive: true, mode: 0o700 });
  await mkdir(workspace.scratch, { recursive: true, mode: 0o700 });
  return workspace;
}

/**
 * Puts the project in the workspace: a clone at the spec's ref, or an empty repository with a
 * baseline commit, so that what the agent changes can be listed either way. Returns the baseline.
 */
export async function prepareCheckout(spec: AgentSpec, workspace: Workspace, git: Git): Promise<string> {
  const parent = git.at(path.dirname(workspace.cwd));
  const name = path.basename(workspace.cwd);
  if (spec.checkout) {
    const head = await parent.clone(spec.checkout.url, name, { ref: spec.checkout.ref });
    if (head) return keepGitDir(workspace, head);
  } else {
    await parent.init(name, { branch: "main" });
  }
  const baseline = await git.commitAll({ message: "baseline", author: BASELINE_AUTHOR, allowEmpty: true });
  if (!baseline) throw new Error("could not record the checkout's baseline");
  return keepGitDir(workspace, baseline);
}

/** Copies the fresh checkout's git directory to the daemon's own, and returns `head`. */
async function keepGitDir(workspace: Workspace, head: string): Promise<string> {
  await cp(path.join(workspace.cwd, ".git"), workspace.gitDir, { recursive: true, verbatimSymlinks: true });
  return head;
}

const CHANGE: Record<string, "added" | "modified" | "deleted" | "renamed"> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "added",
  T: "modified",
};

export const MAX_CHANGES = 1000;

/**
 * Every path of the work tree that differs from the baseline, whatever the agent committed in its
 * own `.git`; `git` works through the daemon's git directory (`Workspace.gitDir`).
 */
export async function changesSince(git: Git, baseline: string) {
  await git.run(["add", "--all"]);
  const diff = await git.run(["diff", "--cached", "--name-status", "-M", "-z", baseline, "--"]);
  const fields = diff.stdout.split("\0").filter(Boolean);
  const changes: { path: string; change: "added" | "modified" | "deleted" | "renamed" }[] = [];
  for (let i = 0; i < fields.length; ) {
    const status = fields[i++] ?? "";
    const kind = CHANGE[status[0] ?? ""] ?? "modified";
    // Renames and copies name the old path, then the new one.
    if (status.startsWith("R") || status.startsWith("C")) i++;
    changes.push({ path: fields[i++] ?? "", change: kind });
  }
  return { changes: changes.slice(0, MAX_CHANGES), truncated: changes.length > MAX_CHANGES };
}

/**
 * What the agent changed since the baseline, committed and pushed to `push.branch` when there is a
 * `push` (the spec asks, and the agent did not report an error) and anything changed.
 */
export async function publishChanges(git: Git, baseline: string, push: AgentPush | undefined) {
  const { changes, truncated } = await changesSince(git, baseline);
  let commit: string | null = null;
  let pushed = false;
  if (push && changes.length > 0) {
    if ((await git.currentBranch()) !== push.branch) await git.checkout(push.branch, { create: true });
    commit = await git.commitAll({ message: push.message, author: push.author });
    if (commit) {
      await git.push({ branch: push.branch });
      pushed = true;
    }
  }
  return { changes, truncated, commit, pushed };
}
