import { readFileSync } from "node:fs";

/**
 * Whether a process is running. A killed process whose parent is gone can linger as a zombie
 * until something reaps it (this container's init may not): a zombie is not running.
 */
export function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}
