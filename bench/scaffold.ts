/**
 * Scaffold benchmark: the built-in Copier engine (`executor/src/scaffold`) rendering a generated
 * template of ~200 files, as a ratio to a plain recursive copy (`fs.promises.cp`) of the same tree
 * measured in the same run. Target: at most 1.5× the copy with the executor's renderer (Python's
 * Jinja2, compiled templates kept between scaffolds); also shown: the same compiling every
 * template (a template's first scaffold) and the MiniJinja fallback.
 *
 * The template is generated deterministically in a temporary directory: a copier.yml with seven
 * questions (str, int, bool, a multiselect) and a conditional `_exclude`; ~120 `.jinja` files of
 * 1–8 KiB with variables, filters (`lower`, `replace`, `tojson`), `{% if %}` and `{% for %}`;
 * ~70 plain files (text, and a few binary ones of 4–64 KiB); templated directory names, one
 * conditional path segment and the answers file. Both are warmed up, then run alternately, each
 * into a fresh destination. Then a breakdown: the renders timed apart from the file system, and
 * the `fs.promises` calls each side makes (counted in one more run of each, after the timed ones).
 *
 * The parts are in bench/scaffold/: the template (template.ts, source-text.ts), the timed runs
 * (runs.ts), the fs counter (fs-calls.ts), the render breakdown (breakdown.ts), the report.
 *
 *   npm run bench:scaffold
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { renderBreakdown } from "./scaffold/breakdown.ts";
import { fsProfile, installFsCounter } from "./scaffold/fs-calls.ts";
import { printReport } from "./scaffold/report.ts";
import { alternate, benchRuns } from "./scaffold/runs.ts";
import { countFiles, generateTemplate } from "./scaffold/template.ts";

installFsCounter();
const work = await mkdtemp(path.join(os.tmpdir(), "bench-scaffold-"));
try {
  const templateRoot = path.join(work, "template-root");
  const counts = await generateTemplate(templateRoot);
  const source = await countFiles(templateRoot);
  const runs = benchRuns(work, templateRoot);
  const times = await alternate({
    copy: runs.copyOnce,
    jinja2: runs.scaffoldOnce,
    jinja2Cold: runs.scaffoldColdOnce,
    minijinja: runs.scaffoldMiniOnce,
  });
  const copyFs = await fsProfile(runs.copyOnce);
  const scaffoldFs = await fsProfile(runs.scaffoldOnce);
  const breakdown = await renderBreakdown(templateRoot);
  printReport({
    source,
    counts,
    written: runs.scaffoldWrote(),
    times,
    copyFs,
    scaffoldFs,
    breakdown,
  });
} finally {
  await rm(work, { recursive: true, force: true });
}
