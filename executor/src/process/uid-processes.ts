/**
 * Killing every process that runs as some uids, found in /proc whatever its process group or
 * session (a job's process can leave its group with setsid, or double-fork). Each is stopped
 * first, round after round until none is left running, so that nothing forks while the others
 * are killed; then all are killed at once. Zombies are left out: they run nothing, and their
 * parent (or init) reaps them.
 */
import { readdir, readFile } from "node:fs/promises";

/** How often the processes are looked for before giving up (at most about 2 s in all). */
const ROUNDS = 60;

interface Found {
  pid: number;
  stopped: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The live processes whose real, effective, saved or filesystem uid `matches`. */
async function processesOf(matches: (uid: number) => boolean): Promise<Found[]> {
  const pids = (await readdir("/proc").catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  const found = await Promise.all(
    pids.map(async (name): Promise<Found | null> => {
      const pid = Number(name);
      if (pid === process.pid) return null;
      // Gone since the listing: nothing to do.
      const status = await readFile(`/proc/${name}/status`, "utf8").catch(() => "");
      const state = /^State:\s+(\S)/m.exec(status)?.[1];
      if (state === undefined || state === "Z" || state === "X") return null;
      const uids = (/^Uid:\s+(.+)$/m.exec(status)?.[1] ?? "").trim().split(/\s+/).map(Number);
      if (!uids.some(matches)) return null;
      return { pid, stopped: state === "T" || state === "t" };
    }),
  );
  return found.filter((process) => process !== null);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Exited in between.
  }
}

/** Kills every process of the uids `matches` takes; true when none is left, false when some would not die. */
export async function killProcessesOf(matches: (uid: number) => boolean): Promise<boolean> {
  for (let round = 0; round < ROUNDS; round++) {
    const found = await processesOf(matches);
    if (found.length === 0) return true;
    const running = found.filter((process) => !process.stopped);
    // Stopping gives up half-way: a process that cannot stop (in the kernel, say) still gets killed.
    if (running.length > 0 && round < ROUNDS / 2) {
      for (const { pid } of running) signal(pid, "SIGSTOP");
      await sleep(1);
      continue;
    }
    for (const { pid } of found) signal(pid, "SIGKILL");
    await sleep(Math.min(5 * (round + 1), 50));
  }
  return false;
}
