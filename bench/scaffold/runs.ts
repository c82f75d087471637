/**
 * The two sides of the benchmark, each run into a fresh destination: a plain recursive copy
 * (`fs.promises.cp`) of the template, and the built-in Copier engine rendering it.
 */
import { cp, rm } from "node:fs/promises";
import path from "node:path";
import { scaffold } from "../../executor/src/scaffold/scaffold.ts";
import { setCounting } from "./fs-calls.ts";

export const ROUNDS = 15;
const WARMUP = 3;

/** One run of a side; with `countFs`, its `fs.promises` calls are counted. Returns its elapsed ms. */
export type Run = (countFs?: boolean) => Promise<number>;

export function benchRuns(work: string, templateRoot: string) {
  let serial = 0;
  /** Runs `fn` into a fresh destination (removed afterwards, untimed); returns the elapsed ms. */
  const timed = async (fn: (destination: string) => Promise<unknown>, countFs = false) => {
    const destination = path.join(work, `out-${serial++}`, "acme-widgets");
    setCounting(countFs);
    const started = performance.now();
    await fn(destination);
    const elapsed = performance.now() - started;
    setCounting(false);
    await rm(path.dirname(destination), { recursive: true, force: true });
    return elapsed;
  };
  const copyOnce: Run = (countFs) =>
    timed((destination) => cp(templateRoot, destination, { recursive: true }), countFs);
  let written = 0;
  const scaffoldOnce: Run = (countFs) =>
    timed(async (destination) => {
      const report = await scaffold({
        templateRoot,
        srcPath: templateRoot,
        commit: null,
        destination,
        data: {},
        defaults: true,
        trust: false,
        taskEnv: {},
        log: () => {},
      });
      written = report.files.length;
    }, countFs);
  /** How many files the last scaffold wrote. */
  const scaffoldWrote = () => written;
  return { copyOnce, scaffoldOnce, scaffoldWrote };
}

/** Both sides warmed up, then run alternately ROUNDS times; the elapsed ms of each. */
export async function alternate(runs: { copyOnce: Run; scaffoldOnce: Run }) {
  for (let i = 0; i < WARMUP; i++) {
    await runs.copyOnce();
    await runs.scaffoldOnce();
  }
  const copies: number[] = [];
  const scaffolds: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    copies.push(await runs.copyOnce());
    scaffolds.push(await runs.scaffoldOnce());
  }
  return { copies, scaffolds };
}
