/** The benchmark's report: the two sides' times, where the scaffold's time goes, the fs calls. */
import type { Breakdown } from "./breakdown.ts";
import type { FsProfile } from "./fs-calls.ts";
import { ROUNDS } from "./runs.ts";
import { ms, percentile } from "./stats.ts";

/** The scaffold (the executor's renderer) may take at most this many times the copy. */
const TARGET = 1.5;

export interface BenchResults {
  /** The template's files and bytes, and its templates and plain files. */
  source: { files: number; bytes: number };
  counts: { templates: number; plain: number };
  /** The files a scaffold writes. */
  written: number;
  /** Elapsed ms of each round, per side. */
  times: Record<"copy" | "jinja2" | "jinja2Cold" | "minijinja", number[]>;
  copyFs: FsProfile;
  scaffoldFs: FsProfile;
  breakdown: Breakdown;
}

export function printReport(results: BenchResults): void {
  const copyMedian = percentile(results.times.copy, 50);
  const scaffoldMedian = percentile(results.times.jinja2, 50);
  printTimes(results, copyMedian, scaffoldMedian);
  printBreakdown(results.breakdown, copyMedian, percentile(results.times.minijinja, 50));
  printFsCalls(results);
}

function printTimes(results: BenchResults, copyMedian: number, scaffoldMedian: number): void {
  const { source, counts, written, times } = results;
  const ratio = scaffoldMedian / copyMedian;
  console.log(`\nScaffold benchmark (${new Date().toISOString()}, Node ${process.version})\n`);
  console.log(
    `template: ${source.files} files, ${(source.bytes / 1024).toFixed(0)} KiB (${counts.templates} .jinja, ` +
      `${counts.plain} plain incl. 6 binary, copier.yml, 2 included); scaffold writes ${written} files; ${ROUNDS} rounds each, in turn\n`,
  );
  const row = (what: string, side: number[], note: string) => [
    what,
    ms(percentile(side, 50)),
    ms(percentile(side, 90)),
    note,
  ];
  const versus = (side: number[]) => `${(percentile(side, 50) / copyMedian).toFixed(2)}× the copy`;
  const rows = [
    ["", "median", "p90", ""],
    row("plain copy, fs.promises.cp (baseline)", times.copy, ""),
    row(
      "scaffold, Jinja2, compiled kept",
      times.jinja2,
      `${ratio.toFixed(2)}× the copy (target ≤ ${TARGET}×): ${ratio <= TARGET ? "met" : "missed"}`,
    ),
    row(
      "scaffold, Jinja2, compiling all",
      times.jinja2Cold,
      `${versus(times.jinja2Cold)} (a template's first scaffold)`,
    ),
    row("scaffold, MiniJinja (fallback)", times.minijinja, versus(times.minijinja)),
  ];
  for (const [what = "", median = "", p90 = "", note = ""] of rows)
    console.log(`${what.padEnd(40)} ${median.padStart(9)} ${p90.padStart(9)}  ${note}`);
}

function printBreakdown(breakdown: Breakdown, copyMedian: number, scaffoldMedian: number): void {
  const { files, tags, outputs, segments, rewrite, renderFiles, renderPaths } = breakdown;
  const { emptyRenders, emptyNoContext, newEnvironment } = breakdown;
  const perFile = (n: number, count: number) => `${((n / count) * 1000).toFixed(0)} µs each`;
  console.log(`\nWhere the MiniJinja scaffold's time goes (medians of 7, outside the file system):`);
  const parts = [
    [
      `render ${files} file templates (${tags} tags, ${outputs} outputs)`,
      ms(renderFiles),
      perFile(renderFiles, files),
    ],
    ["  of which rewriteTemplate (syntax.ts)", ms(rewrite), perFile(rewrite, files)],
    [
      `  of which the fixed cost of a render call ("x", same context)`,
      ms(emptyRenders),
      `${perFile(emptyRenders, files)} (empty context: ${perFile(emptyNoContext, files)})`,
    ],
    [`render ${segments} templated path segments`, ms(renderPaths), perFile(renderPaths, segments)],
    ["new JinjaEnvironment (once per scaffold)", ms(newEnvironment), ""],
    [
      "the rest: fs, config, questions, staging and move",
      ms(scaffoldMedian - renderFiles - renderPaths - newEnvironment),
      `(copy: ${ms(copyMedian)})`,
    ],
  ];
  for (const [what = "", figure = "", note = ""] of parts)
    console.log(`  ${what.padEnd(62)} ${figure.padStart(9)}  ${note}`);
}

function printFsCalls({ source, copyFs, scaffoldFs }: BenchResults): void {
  console.log(`\nfs.promises calls of one more run each (count, awaited time; the copy overlaps some):`);
  for (const [what, profile] of [
    ["copy", copyFs],
    ["scaffold", scaffoldFs],
  ] as const) {
    console.log(
      `  ${what.padEnd(9)} ${profile.total} calls, ${(profile.total / source.files).toFixed(1)} per file of the template, ` +
        `in a ${ms(profile.elapsed)} run: ` +
        profile.calls.map(([name, entry]) => `${name} ${entry.calls} (${ms(entry.ms)})`).join(", "),
    );
  }
}
