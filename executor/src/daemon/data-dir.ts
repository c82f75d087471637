/**
 * The daemon's data directory: `jobs/` (each job's workdir and its process group's id, emptied at
 * every start, the groups killed: what a crash left there belongs to jobs the hub has requeued
 * since) and `cache/` (kept between jobs: agent workspaces,
 * copier's templates). With job users, the path to a workdir and to the agent workspaces must be
 * searchable by them (0711: they can enter what they are given, never list it), and the rest of
 * the cache closed to them.
 */
import { chmod, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";

export interface DataDirs {
  jobs: string;
  cache: string;
}

export interface DataDirOptions {
  /** Whether jobs run as users of their own, who must reach their workdirs. */
  forJobUsers: boolean;
  /** Told each process group left by an earlier run, killed. */
  onLeftover: (pid: number) => void;
}

export async function prepareDataDir(dataDir: string, options: DataDirOptions): Promise<DataDirs> {
  const dirs = { jobs: path.join(dataDir, "jobs"), cache: path.join(dataDir, "cache") };
  await killLeftovers(dirs.jobs, options.onLeftover);
  await rm(dirs.jobs, { recursive: true, force: true });
  await mkdir(dirs.jobs, { recursive: true });
  await mkdir(dirs.cache, { recursive: true });
  if (!options.forJobUsers) return dirs;
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0)
      throw new Error(
        `job users cannot reach the data directory ${dataDir}: ${dir} is closed to other users (chmod o+x it, or choose another --data-dir)`,
      );
    if (dir === path.dirname(dir)) break;
  }
  for (const dir of [dataDir, dirs.jobs, dirs.cache]) await chmod(dir, 0o711);
  // Templates cloned with a job's credentials stay the daemon's.
  const templates = path.join(dirs.cache, "copier");
  await mkdir(templates, { recursive: true, mode: 0o700 });
  await chmod(templates, 0o700);
  return dirs;
}

/** Kills the process groups whose ids runners wrote beside their workdirs (`<workdir>.pid`). */
async function killLeftovers(jobsDir: string, onKilled: (pid: number) => void): Promise<void> {
  const entries = await readdir(jobsDir).catch(() => [] as string[]);
  for (const entry of entries.filter((name) => name.endsWith(".pid"))) {
    const pid = Number(await readFile(path.join(jobsDir, entry), "utf8").catch(() => ""));
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      process.kill(-pid, "SIGKILL");
      onKilled(pid);
    } catch {
      // Already gone.
    }
  }
}
