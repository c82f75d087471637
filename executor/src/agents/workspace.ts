/**
 * Where an agent works: a checkout, and a HOME that keeps the agent's session files. A named
 * workspace lives under the executor's cache and is reused by later jobs (so `--resume` finds its
 * session at the same path); its checkout is fresh each time. One job at a time per workspace.
 */
import { mkdir, open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { AgentSpec, GitAuthor } from "@codegen-orchestrator/shared";
import type { Git } from "../git/git.ts";

export interface Workspace {
  /** The checkout the agent works in. */
  cwd: string;
  home: string;
  scratch: string;
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
  const root = spec.workspace
    ? path.join(cacheDir, "agent-workspaces", spec.workspace)
    : path.join(workdir, "agent");
  await mkdir(root, { recursive: true, mode: 0o700 });
  const lockFile = path.join(root, "lock");
  if (spec.workspace) await lock(lockFile);
  const workspace: Workspace = {
    cwd: path.join(root, "checkout"),
    home: path.join(root, "home"),
    scratch: path.join(workdir, "agent-scratch"),
    release: async () => {
      await rm(workspace.scratch, { recursive: true, force: true });
      if (spec.workspace) {
        await rm(lockFile, { force: true });
        held.delete(lockFile);
      }
    },
  };
  await rm(workspace.cwd, { recursive: true, force: true });
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
    if (head) return head;
  } else {
    await parent.init(name, { branch: "main" });
  }
  const baseline = await git.commitAll({ message: "baseline", author: BASELINE_AUTHOR, allowEmpty: true });
  if (!baseline) throw new Error("could not record the checkout's baseline");
  return baseline;
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

/** Every path that differs from the baseline, commits the agent made included. */
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
