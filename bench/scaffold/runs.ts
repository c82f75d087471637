/**
 * The sides of the benchmark, each run into a fresh destination: a plain recursive copy
 * (`fs.promises.cp`) of the template, and the built-in Copier engine rendering it with each
 * renderer: Python's Jinja2 with its compiled templates kept (the executor's way), the same
 * compiling every template (the first scaffold of a template), and MiniJinja (the fallback).
 */
import { cp, rm } from "node:fs/promises";
import path from "node:path";
import type { RendererChoice } from "../../executor/src/scaffold/jinja/renderer.ts";
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
  const renderCacheDir = path.join(work, "jinja2-cache");
  const scaffoldWith =
    (renderer: RendererChoice, cached: boolean): Run =>
    (countFs) =>
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
          renderer,
          ...(cached ? { renderCacheDir } : {}),
        });
        written = report.files.length;
      }, countFs);
  /** How many files the last scaffold wrote. */
  const scaffoldWrote = () => written;
  return {
    copyOnce,
    // The executor's way: Python's Jinja2, its compiled templates kept between scaffolds.
    scaffoldOnce: scaffoldWith("jinja2", true),
    scaffoldColdOnce: scaffoldWith("jinja2", false),
    scaffoldMiniOnce: scaffoldWith("minijinja", false),
    scaffoldWrote,
  };
}

/** The sides of a run, by name: the copy first (the baseline). */
export type Sides = Record<"copy" | "jinja2" | "jinja2Cold" | "minijinja", Run>;

/** Every side warmed up, then all run in turn ROUNDS times; the elapsed ms of each. */
export async function alternate(sides: Sides): Promise<Record<keyof Sides, number[]>> {
  const names = Object.keys(sides) as (keyof Sides)[];
  for (let i = 0; i < WARMUP; i++) for (const name of names) await sides[name]();
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
    keyof Sides,
    number[]
  >;
  for (let i = 0; i < ROUNDS; i++) for (const name of names) times[name].push(await sides[name]());
  return times;
}
