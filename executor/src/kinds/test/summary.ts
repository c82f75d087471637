/**
 * What a test run's output says about it: the counts from the runner's summary and the names of
 * the failing tests, for the runners whose output we know: TAP and `node --test` (its spec and tap
 * reporters), Jest, Vitest and Python's unittest. Colour codes are stripped first. Several
 * summaries (a workspace whose packages run one after the other) add up; no summary, no counts.
 */
import { stripVTControlCharacters } from "node:util";
import type { TestCounts } from "@codegen-orchestrator/shared";

export const MAX_FAILURES = 50;
export const MAX_FAILURE_LENGTH = 300;

export interface TestSummary {
  counts: TestCounts | null;
  failures: string[];
}

export function summarise(output: string): TestSummary {
  const lines = stripVTControlCharacters(output).replaceAll("\r", "").split("\n");
  return { counts: parseCounts(lines), failures: parseFailures(lines) };
}

type Tally = Record<string, number>;

/** `# tests 9` (TAP, node's tap reporter) or `ℹ tests 9` (node's spec reporter), and the lines after it. */
const NODE_LINE = /^\s*(?:#|ℹ)\s+(tests|pass|fail|cancelled|skipped|todo)\s+(\d+)\s*$/;
/** `Tests:       1 failed, 1 skipped, 2 passed, 4 total` */
const JEST_LINE = /^\s*Tests:\s+(.*?)\b(\d+) total\s*$/;
/** `Tests  1 failed | 2 passed | 1 skipped (4)` */
const VITEST_LINE = /^\s*Tests\s+(\d.*?)\s*\((\d+)\)\s*$/;
/** unittest's `Ran 4 tests in 0.012s`, then (after a blank line) its verdict. */
const UNITTEST_RAN = /^Ran (\d+) tests? in \S+s$/;
/** `OK`, `OK (skipped=1)`, `FAILED (failures=1, errors=2, expected failures=1)` */
const UNITTEST_VERDICT = /^(?:OK|FAILED)(?: \((.*)\))?$/;

function parseCounts(lines: readonly string[]): TestCounts | null {
  const found: TestCounts[] = [];
  let node: Tally | null = null;
  let unittestRan: number | null = null;
  const endNode = () => {
    if (node) found.push(countsOf(node.tests ?? 0, node, "pass", "fail"));
    node = null;
  };
  for (const line of lines) {
    const ran = UNITTEST_RAN.exec(line);
    if (ran) {
      unittestRan = Number(ran[1]);
      continue;
    }
    if (unittestRan !== null && line.trim() !== "") {
      const verdict = UNITTEST_VERDICT.exec(line.trim());
      if (verdict) found.push(unittestCounts(unittestRan, verdict[1] ?? ""));
      unittestRan = null;
      continue;
    }
    const nodeLine = NODE_LINE.exec(line);
    if (nodeLine) {
      const [, key = "", value = "0"] = nodeLine;
      if (key === "tests") {
        endNode();
        node = {};
      }
      if (node) node[key] = Number(value);
      continue;
    }
    const jest = JEST_LINE.exec(line);
    const vitest = jest ? null : VITEST_LINE.exec(line);
    const other = jest ?? vitest;
    if (other) {
      const [, parts = "", total = "0"] = other;
      found.push(countsOf(Number(total), tallyParts(parts), "passed", "failed"));
    }
  }
  endNode();
  if (found.length === 0) return null;
  return found.reduce((sum, c) => ({
    total: sum.total + c.total,
    passed: sum.passed + c.passed,
    failed: sum.failed + c.failed,
    skipped: sum.skipped + c.skipped,
  }));
}

/** `1 failed, 2 passed` or `1 failed | 2 passed` as { failed: 1, passed: 2 }. */
function tallyParts(parts: string): Tally {
  const tally: Tally = {};
  for (const [, n, word = ""] of parts.matchAll(/(\d+) ([a-z]+)/g)) tally[word] = Number(n);
  return tally;
}

/**
 * `failures=1, errors=2, skipped=1, expected failures=1, unexpected successes=1` of `ran` tests:
 * errors and unexpected successes fail too; an expected failure passes. Failing subtests count
 * one each while `Ran` counts their test once, so passed never goes below 0.
 */
function unittestCounts(ran: number, parts: string): TestCounts {
  const tally: Tally = {};
  for (const [, key = "", n] of parts.matchAll(/([a-z ]+)=(\d+)/g)) tally[key.trim()] = Number(n);
  const failed = (tally.failures ?? 0) + (tally.errors ?? 0) + (tally["unexpected successes"] ?? 0);
  const skipped = tally.skipped ?? 0;
  return { total: ran, passed: Math.max(0, ran - failed - skipped), failed, skipped };
}

/** Cancelled tests (node: e.g. a timeout) count as failed; todo and pending ones as skipped. */
function countsOf(total: number, tally: Tally, pass: string, fail: string): TestCounts {
  const n = (key: string) => tally[key] ?? 0;
  return {
    total,
    passed: n(pass),
    failed: n(fail) + n("cancelled"),
    skipped: n("skipped") + n("todo") + n("pending"),
  };
}

/** A numbered TAP test point (`not ok 3 - name # SKIP`) or a node spec reporter line (`✖ name (1.2ms)`). */
const TAP_POINT = /^(\s*)(ok|not ok)\s+\d+\b(?:\s+-)?\s*(.*)$/;
const SPEC_POINT = /^(\s*)(✔|✖|﹣)\s+(.*)$/;
const DIRECTIVE = /\s+#\s*(skip|todo)\b.*$/i;
const SPEC_DURATION = /\s+\(\d+(?:\.\d+)?m?s\)$/;
/** Jest's `● Suite › name`; its `FAIL file` header; Vitest's `FAIL  file > name` and `× name 3ms`. */
const JEST_NAME = /^\s*●\s+(.+?)\s*$/;
const FAIL_HEADER = /^\s*FAIL\s+(\S.*?)\s*$/;
const VITEST_CROSS = /^\s*×\s+(.+?)(?:\s+\d+ms)?\s*$/;
/** unittest's report of each failing test: `FAIL: test_x (module.Class.test_x)`, also `ERROR: …`. */
const UNITTEST_HEADER = /^(?:FAIL|ERROR|UNEXPECTED SUCCESS): (\S.*?)\s*$/;

interface Point {
  indent: number;
  failed: boolean;
  name: string;
}

function testPoint(line: string): Point | null {
  const tap = TAP_POINT.exec(line);
  if (tap) {
    const [, indent = "", status, rest = ""] = tap;
    const todoOrSkip = DIRECTIVE.test(rest);
    const name = rest.replace(DIRECTIVE, "").replace(/\\([\\#])/g, "$1");
    return { indent: indent.length, failed: status === "not ok" && !todoOrSkip, name };
  }
  const spec = SPEC_POINT.exec(line);
  if (spec) {
    const [, indent = "", mark, rest = ""] = spec;
    const todoOrSkip = DIRECTIVE.test(rest);
    const name = rest.replace(DIRECTIVE, "").replace(SPEC_DURATION, "");
    if (name === "failing tests:") return null;
    return { indent: indent.length, failed: mark === "✖" && !todoOrSkip, name };
  }
  return null;
}

function parseFailures(lines: readonly string[]): string[] {
  const tree: string[] = [];
  const jest: string[] = [];
  const vitest: string[] = [];
  const crosses: string[] = [];
  const unittest: string[] = [];
  // TAP and node nest subtests deeper and report the parent after them: a failing parent is
  // left out when one of its subtests failed (it failed because of them). By indent: whether a
  // test point at that depth failed since the last point above it.
  const failedAt = new Map<number, boolean>();
  let failFile: string | null = null;
  for (const line of lines) {
    const point = testPoint(line);
    if (point) {
      let childFailed = false;
      for (const [indent, failed] of failedAt) {
        if (indent <= point.indent) continue;
        childFailed ||= failed;
        failedAt.delete(indent);
      }
      if (point.failed && !childFailed && point.name) tree.push(point.name);
      failedAt.set(point.indent, (failedAt.get(point.indent) ?? false) || point.failed);
      continue;
    }
    const header = FAIL_HEADER.exec(line)?.[1];
    if (header !== undefined) {
      // Vitest names the test (`file > name`) or a file that did not load (`file [ file ]`).
      if (header.includes(" > ") || /\[ .+ \]$/.test(header)) vitest.push(header);
      else failFile = header;
      continue;
    }
    const bullet = JEST_NAME.exec(line)?.[1];
    if (bullet !== undefined) {
      jest.push(bullet === "Test suite failed to run" && failFile ? `${failFile}: ${bullet}` : bullet);
      continue;
    }
    const cross = VITEST_CROSS.exec(line)?.[1];
    if (cross !== undefined) {
      crosses.push(cross);
      continue;
    }
    const unittestName = UNITTEST_HEADER.exec(line)?.[1];
    if (unittestName !== undefined) unittest.push(unittestName);
  }
  const names = [...tree, ...jest, ...(vitest.length > 0 ? vitest : crosses), ...unittest];
  return [...new Set(names.map(bounded))].slice(0, MAX_FAILURES);
}

const bounded = (name: string) =>
  name.length > MAX_FAILURE_LENGTH ? `${name.slice(0, MAX_FAILURE_LENGTH - 1)}…` : name;
