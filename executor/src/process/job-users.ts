/**
 * The users a job's processes run as. Each running job that runs code on this host (an exec
 * command, a project's tests, an agent in process isolation, a template's tasks) gets a uid of
 * its own from a configured range (gid the same number, no supplementary groups, no /etc/passwd
 * entry needed), so it can read neither the daemon's token file, credentials and /proc entries
 * nor another job's files, nor signal its processes. When the job ends, every process still
 * running as that uid is killed, and only then is the uid handed out again.
 *
 * Switching users takes root, with CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER
 * and CAP_KILL (a bounding set may drop the rest). Root it must be: a child of another user with
 * those capabilities would keep them after setuid (and through execve, if ambient), while root's
 * are all cleared when it leaves uid 0. A daemon that cannot runs such jobs as its own user only
 * when the operator allows it (`allowShared`), and refuses them otherwise, saying what to set.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { ProcessUser } from "./run-process.ts";
import { DEFAULT_CLAIMS_DIR, UidClaims } from "./uid-claims.ts";
import { killProcessesOf } from "./uid-processes.ts";

export interface UidRange {
  first: number;
  last: number;
}

/**
 * Clear of what hosts usually hand out: regular and system users, systemd's dynamic users,
 * subordinate ids of /etc/subuid (Sysbox takes 165536 onwards, 256 Mi of them) and
 * systemd-nspawn's container range (up to 1879048191).
 */
export const DEFAULT_JOB_UIDS: UidRange = { first: 1_900_000_000, last: 1_900_000_999 };
const LOWEST_UID = 65_536;
const HIGHEST_UID = 2_147_483_646;

/** `FIRST-LAST`, e.g. `1900000000-1900000999`; throws saying what is wrong. */
export function parseUidRange(text: string): UidRange {
  const match = /^(\d{1,10})-(\d{1,10})$/.exec(text.trim());
  const [first, last] = [Number(match?.[1]), Number(match?.[2])];
  if (!match || first > last || first < LOWEST_UID || last > HIGHEST_UID)
    throw new Error(
      `a job uid range is FIRST-LAST, with ${LOWEST_UID} <= FIRST <= LAST <= ${HIGHEST_UID}: ${JSON.stringify(text)}`,
    );
  return { first, last };
}

/** The capabilities job users need, by bit: CHOWN, DAC_OVERRIDE, FOWNER, KILL, SETGID, SETUID. */
const NEEDED_CAPABILITIES = [0, 1, 3, 5, 6, 7];

/** Whether this process may run children as other users, hand them files and clean up after them. */
export function canSwitchUsers(): boolean {
  if (process.geteuid?.() !== 0) return false;
  try {
    const hex = /^CapEff:\s+([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    if (hex === undefined) return false;
    const effective = BigInt(`0x${hex}`);
    return NEEDED_CAPABILITIES.every((bit) => ((effective >> BigInt(bit)) & 1n) === 1n);
  } catch {
    return false; // Not Linux.
  }
}

/** Users and subordinate id ranges of this host's /etc files that fall in `range`. */
export async function rangeConflicts(range: UidRange, etc = "/etc"): Promise<string[]> {
  const lines = async (file: string) =>
    (await readFile(`${etc}/${file}`, "utf8").catch(() => "")).split("\n").filter((line) => line.trim());
  const overlaps = (start: number, end: number) => start <= range.last && end >= range.first;
  const conflicts: string[] = [];
  for (const file of ["passwd", "group"]) {
    for (const line of await lines(file)) {
      const [name, , id] = line.split(":");
      if (overlaps(Number(id), Number(id))) conflicts.push(`${name} (${id}) in ${etc}/${file}`);
    }
  }
  for (const file of ["subuid", "subgid"]) {
    for (const line of await lines(file)) {
      const [name, start, count] = line.split(":");
      const end = Number(start) + Number(count) - 1;
      if (overlaps(Number(start), end)) conflicts.push(`${name}'s ${start}-${end} in ${etc}/${file}`);
    }
  }
  return conflicts;
}

export interface JobUser extends ProcessUser {
  /** Kills every process running as this user; false when some would not die. */
  stopProcesses(): Promise<boolean>;
}

/** Why a job that runs code on this host cannot run here; its message is the job's error. */
export class JobUserUnavailable extends Error {}

export const SHARED_UID_REFUSED =
  "this executor cannot run the job's processes as a user of their own (that takes root, with CAP_SETUID, " +
  "CAP_SETGID, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER and CAP_KILL), and it may not run them as its own " +
  "user: run it as root, or, if jobs may run as the executor's own user (where they can read its " +
  "token file and other jobs' files), start it with --allow-shared-uid-jobs (ORCHESTRATOR_ALLOW_SHARED_UID_JOBS=1)";

export interface JobUsersOptions {
  range: UidRange;
  /** Without switching users, run jobs as the daemon's own user rather than refuse them. */
  allowShared: boolean;
  /** Whether this process can switch users: detected by default (`canSwitchUsers`). */
  switchable?: boolean;
  /** Where uids are claimed host-wide (uid-claims.ts). */
  claimsDir?: string;
}

export class JobUsers {
  readonly range: UidRange;
  readonly allowShared: boolean;
  readonly switchable: boolean;
  readonly #claims: UidClaims;
  /** Uids this daemon holds: in use, or kept out of use because something of theirs would not die. */
  readonly #held = new Set<number>();
  #next: number;

  constructor(options: JobUsersOptions) {
    this.range = options.range;
    this.allowShared = options.allowShared;
    this.switchable = options.switchable ?? canSwitchUsers();
    this.#claims = new UidClaims(options.claimsDir ?? DEFAULT_CLAIMS_DIR);
    this.#next = options.range.first;
  }

  /** Whether jobs that run code on this host can run here at all. */
  get hostJobs(): boolean {
    return this.switchable || this.allowShared;
  }

  /**
   * At the daemon's start: checks that the range is nobody else's, and kills whatever a daemon
   * that died left running as uids it held.
   */
  async prepare(): Promise<void> {
    if (!this.switchable) return;
    const conflicts = await rangeConflicts(this.range);
    if (conflicts.length > 0)
      throw new Error(
        `the job uid range ${this.range.first}-${this.range.last} is not free on this host: ${conflicts.slice(0, 3).join("; ")}; choose another with --job-uid-range`,
      );
    await this.#claims.open();
    const stale = new Set(await this.#claims.takeOverStale(this.range.first, this.range.last));
    if (stale.size > 0) await killProcessesOf((uid) => stale.has(uid));
  }

  /**
   * The user a job that runs code on this host runs as: one of its own, or null for the daemon's
   * own where that is allowed. Throws a JobUserUnavailable saying why not.
   */
  async acquire(): Promise<JobUser | null> {
    if (!this.switchable) {
      if (this.allowShared) return null;
      throw new JobUserUnavailable(SHARED_UID_REFUSED);
    }
    const { first, last } = this.range;
    const size = last - first + 1;
    for (let offset = 0; offset < size; offset++) {
      // Round the range: a uid just released is the last to be handed out again.
      const uid = first + ((this.#next - first + offset) % size);
      if (this.#held.has(uid)) continue;
      this.#held.add(uid);
      if (!(await this.#claims.claim(uid).catch(() => false))) {
        this.#held.delete(uid);
        continue;
      }
      this.#next = uid === last ? first : uid + 1;
      const user = this.#user(uid);
      // A claim lost (a reboot without /run, a cleaner) must not hand over a uid that runs something.
      if (await user.stopProcesses()) return user;
    }
    throw new JobUserUnavailable(
      `all ${size} job uids (${first}-${last}) are in use: the executor's --job-uid-range needs more than its capacity`,
    );
  }

  /**
   * After the job: its processes are killed, then its uid is free again. A uid whose processes
   * would not die stays claimed and out of use while this daemon runs (false).
   */
  async release(user: JobUser): Promise<boolean> {
    if (!(await user.stopProcesses())) return false;
    await this.#claims.drop(user.uid);
    this.#held.delete(user.uid);
    return true;
  }

  #user(uid: number): JobUser {
    return { uid, gid: uid, stopProcesses: () => killProcessesOf((id) => id === uid) };
  }
}
