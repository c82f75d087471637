/**
 * Files a job's user works on: handed over before its processes run, and checked before the
 * daemon, which may run as root, uses them again. By then the job's processes are stopped, so
 * nothing changes between the check and the use.
 */
import { lchown, lstat, readdir, realpath } from "node:fs/promises";
import path from "node:path";
import { JobFailure } from "../containers/job-failure.ts";
import type { ProcessUser } from "./run-process.ts";

const ignoreGone = (error: NodeJS.ErrnoException) => {
  if (error.code !== "ENOENT") throw error;
};

/**
 * `root` and everything in it made `user`'s. A symlink (`root` itself included: a job may have
 * put one in place of a directory) is changed itself, never followed.
 */
export async function giveTree(root: string, user: ProcessUser): Promise<void> {
  const info = await lstat(root).catch(ignoreGone);
  if (!info) return;
  await lchown(root, user.uid, user.gid);
  if (!info.isDirectory()) return;
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const child = path.join(root, entry.name);
    if (entry.isDirectory()) await giveTree(child, user);
    else await lchown(child, user.uid, user.gid).catch(ignoreGone);
  }
}

/**
 * Throws a JobFailure unless `target` is still reached from `base` (a directory the job never
 * owned) through real directories: a job owns those in between, and a symlink put there would send
 * the daemon to other files of the host (to commit and push them, say).
 */
export async function assertNoSymlinkBetween(base: string, target: string): Promise<void> {
  const expected = path.join(await realpath(base), path.relative(base, target));
  const real = await realpath(target).catch(() => null);
  if (real !== expected)
    throw new JobFailure(`${target} was moved or replaced by a symlink while the job ran: it is not used`);
}
