/**
 * `fs.promises` calls, counted with their awaited time while counting is on (a pass-through
 * otherwise). Installed before anything runs, so `cp`, which binds its functions on first use,
 * is counted too.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const COUNTED = `access chmod copyFile lstat mkdir mkdtemp open opendir readdir readFile readlink rename
  rm stat symlink unlink utimes writeFile`.split(/\s+/);

const fsCalls = new Map<string, { calls: number; ms: number }>();
let counting = false;

/** Wraps the counted functions of `fs.promises` (and their ESM exports) in the counter. */
export function installFsCounter(): void {
  const promisesApi = fs.promises as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of COUNTED) {
    const original = promisesApi[name];
    if (!original) continue;
    promisesApi[name] = (...args: unknown[]) => {
      if (!counting) return original(...args);
      const started = performance.now();
      return original(...args).finally(() => {
        const entry = fsCalls.get(name) ?? { calls: 0, ms: 0 };
        entry.calls++;
        entry.ms += performance.now() - started;
        fsCalls.set(name, entry);
      });
    };
  }
  syncBuiltinESMExports();
}

/** Counting on or off. */
export function setCounting(on: boolean): void {
  counting = on;
}

export interface FsProfile {
  /** The run's elapsed ms. */
  elapsed: number;
  /** Calls in all. */
  total: number;
  /** Per function: calls and awaited ms, the longest first. */
  calls: [string, { calls: number; ms: number }][];
}

/** The calls of one run (`run` is told to count them). */
export async function fsProfile(run: (countFs: boolean) => Promise<number>): Promise<FsProfile> {
  fsCalls.clear();
  const elapsed = await run(true);
  const calls = [...fsCalls].sort((a, b) => b[1].ms - a[1].ms);
  return { elapsed, total: calls.reduce((sum, [, entry]) => sum + entry.calls, 0), calls };
}
