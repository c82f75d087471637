/**
 * Which job uids the executor daemons of this host hold: one file per uid in a directory only
 * the daemon's user may write (`/run/orchestrator-executor/job-uids` by default), created
 * exclusively and holding the daemon's pid. So two daemons on one host, whatever their ranges,
 * never hand out the same uid, and a daemon that starts after a crash knows which uids its
 * predecessor may have left processes running as.
 */
import { lstat, mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";

export const DEFAULT_CLAIMS_DIR = "/run/orchestrator-executor/job-uids";

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

export class UidClaims {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Creates the directory if need be; refuses one that others could write in (or swap for a symlink). */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const info = await lstat(this.dir);
    if (!info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o022) !== 0)
      throw new Error(
        `${this.dir} (where job uids are claimed) must be a directory of the executor's user that no one else can write in`,
      );
  }

  /** Takes `uid` for this process; false when another live daemon (or this one) holds it. */
  async claim(uid: number): Promise<boolean> {
    try {
      const handle = await open(this.#file(uid), "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
  }

  async drop(uid: number): Promise<void> {
    await rm(this.#file(uid), { force: true });
  }

  /**
   * At start: removes the claims in `first`..`last` whose daemon is gone (or was this process
   * before it re-executed itself) and returns their uids, whose processes nobody stops otherwise.
   */
  async takeOverStale(first: number, last: number): Promise<number[]> {
    const stale: number[] = [];
    for (const name of await readdir(this.dir)) {
      const uid = Number(name);
      if (!/^\d+$/.test(name) || uid < first || uid > last) continue;
      const holder = await this.#holder(uid);
      if (holder !== null && holder !== process.pid && isAlive(holder)) continue;
      // Read again just before: a claim made since by a live daemon is left alone.
      if ((await this.#holder(uid)) !== holder) continue;
      await this.drop(uid);
      stale.push(uid);
    }
    return stale;
  }

  async #holder(uid: number): Promise<number | null> {
    const text = await readFile(this.#file(uid), "utf8").catch(() => "");
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  }

  #file(uid: number): string {
    return path.join(this.dir, String(uid));
  }
}
