/**
 * Reading test runs' output: `node --test` and Python's unittest output made here by running them
 * (node's spec and tap reporters, with and without colour; unittest with and without --verbose),
 * Jest and Vitest output from checked-in samples (support/test-output/), and the bounded, masked
 * tail the runner keeps.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastChars, OutputTail } from "../src/kinds/test/output-tail.ts";
import { MAX_FAILURE_LENGTH, MAX_FAILURES, summarise } from "../src/kinds/test/summary.ts";
import { writeTree } from "./scaffold/support.ts";
import { removeTempDirs, tempDir } from "./support/temp.ts";

const samples = path.resolve(import.meta.dirname, "support/test-output");

/** Passes, failures (top level, in a suite, a subtest), a skip and a todo. */
const NODE_FIXTURE = `
import { describe, test } from "node:test";
import assert from "node:assert/strict";
test("adds", () => assert.equal(1 + 1, 2));
test("subtracts wrong", () => assert.equal(2 - 1, 3));
describe("suite one", () => {
  test("inner ok", () => {});
  test("inner broken", () => { throw new Error("boom"); });
  test.skip("skipped one", () => {});
  test.todo("todo one");
});
test("parent with subtests", async (t) => {
  await t.test("child fails", () => assert.ok(false));
  await t.test("child passes", () => {});
});
`;
const NODE_COUNTS = { total: 9, passed: 3, failed: 4, skipped: 2 };
const NODE_FAILURES = ["subtracts wrong", "inner broken", "child fails"];

/** `node --test` on the fixture, stdout and stderr together as the runner sees them. */
async function nodeTest(dir: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const run = promisify(execFile)(process.execPath, ["--test", ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", CI: "true", ...env },
  });
  const { stdout, stderr } = await run.catch((error: { stdout: string; stderr: string }) => error);
  return stdout + stderr;
}

/** A pass, a failure, an error, a skip, an expected failure and a failing subtest. */
const UNITTEST_FIXTURE = `
import unittest

class Sample(unittest.TestCase):
    def test_adds(self):
        self.assertEqual(1 + 1, 2)

    def test_subtracts_wrong(self):
        self.assertEqual(2 - 1, 3)

    def test_raises(self):
        raise RuntimeError("boom")

    @unittest.skip("later")
    def test_skipped(self):
        pass

    @unittest.expectedFailure
    def test_known_bug(self):
        self.assertTrue(False)

    def test_cases(self):
        for n in (1, 2):
            with self.subTest(n=n):
                self.assertEqual(n, 1)
`;

/** `python3 -m unittest` on the fixture, stdout and stderr together; null without python3. */
async function unittest(dir: string, args: string[]): Promise<string | null> {
  type Finished = { stdout: string; stderr: string; code?: unknown };
  const run: Promise<Finished> = promisify(execFile)("python3", ["-m", "unittest", ...args], { cwd: dir });
  const { stdout, stderr, code } = await run.catch((error: Finished) => error);
  return code === "ENOENT" ? null : stdout + stderr;
}

describe("test output summary", () => {
  const node: Record<string, string> = {};
  const python: Record<string, string | null> = {};
  beforeAll(async () => {
    const dir = await writeTree(await tempDir("co-summary-"), {
      "test/a.test.js": NODE_FIXTURE,
      "test_sample.py": UNITTEST_FIXTURE,
    });
    [node.spec, node.tap, node.colour, python.quiet, python.verbose] = await Promise.all([
      nodeTest(dir, []),
      nodeTest(dir, ["--test-reporter=tap"]),
      nodeTest(dir, ["--test-reporter=spec"], { FORCE_COLOR: "1" }),
      unittest(dir, ["test_sample"]),
      unittest(dir, ["--verbose", "test_sample"]),
    ]);
  });
  afterAll(removeTempDirs);

  it.each(["spec", "tap", "colour"])("node --test, %s: counts and the failing leaf tests", (reporter) => {
    const output = node[reporter] ?? "";
    if (reporter === "colour") expect(output).toContain("\u001b[");
    if (reporter === "tap") expect(output).toContain("not ok 3 - suite one");
    const summary = summarise(output);
    expect(summary.counts).toEqual(NODE_COUNTS);
    expect(summary.failures).toEqual(NODE_FAILURES);
  });

  it("node --test: the failing tests listed at the end are enough when the start was cut", () => {
    const spec = node.spec ?? "";
    const summary = summarise(spec.slice(spec.indexOf("ℹ tests")));
    expect(summary.counts).toEqual(NODE_COUNTS);
    expect(summary.failures).toEqual(NODE_FAILURES);
  });

  it.each(["quiet", "verbose"])(
    "Python's unittest, %s: Ran and the verdict, the FAIL and ERROR names",
    (mode) => {
      const output = python[mode];
      if (output === null) return console.warn("test-summary.test.ts: no python3: unittest skipped");
      expect(output).toMatch(/^FAILED \(failures=2, errors=1, skipped=1, expected failures=1\)$/m);
      const summary = summarise(output ?? "");
      // Six tests ran; the subtest failure counts once per failing case (here one).
      expect(summary.counts).toEqual({ total: 6, passed: 2, failed: 3, skipped: 1 });
      expect(summary.failures).toHaveLength(3);
      expect(summary.failures[0]).toMatch(/^test_raises \(test_sample\.Sample/);
      expect(summary.failures[1]).toMatch(/^test_cases \(test_sample\.Sample.*\(n=2\)$/);
      expect(summary.failures[2]).toMatch(/^test_subtracts_wrong \(test_sample\.Sample/);
      expect(summarise("Ran 3 tests in 0.002s\n\nOK (skipped=1)\n").counts).toEqual({
        total: 3,
        passed: 2,
        failed: 0,
        skipped: 1,
      });
    },
  );

  it("Jest: the Tests line, the ● names and a suite that failed to run", async () => {
    const summary = summarise(await readFile(path.join(samples, "jest.txt"), "utf8"));
    expect(summary.counts).toEqual({ total: 7, passed: 3, failed: 2, skipped: 2 });
    expect(summary.failures).toEqual([
      "test/broken.test.js: Test suite failed to run",
      "math › subtracts wrong",
      "nested › deeper › rejects odd input",
    ]);
  });

  it("Vitest (coloured): the Tests line and the FAIL names, a file that did not load included", async () => {
    const summary = summarise(await readFile(path.join(samples, "vitest.txt"), "utf8"));
    expect(summary.counts).toEqual({ total: 6, passed: 2, failed: 2, skipped: 2 });
    expect(summary.failures).toEqual([
      "test/broken.test.js [ test/broken.test.js ]",
      "test/a.test.js > subtracts wrong",
      "test/a.test.js > suite one > inner broken",
    ]);
  });

  it("Vitest without its failure details: the × lines name the tests", () => {
    const output = [
      " ❯ test/a.test.js (2 tests | 1 failed) 5ms",
      "   ✓ adds 1ms",
      "   × subtracts wrong 3ms",
      "     → expected 1 to be 3",
      "      Tests  1 failed | 1 passed (2)",
    ].join("\n");
    expect(summarise(output)).toEqual({
      counts: { total: 2, passed: 1, failed: 1, skipped: 0 },
      failures: ["subtracts wrong"],
    });
  });

  it("TAP: directives, escapes, summaries that add up; nothing recognised, no counts", () => {
    const block = (n: number) => `1..2\n# tests 2\n# pass ${2 - n}\n# fail ${n}\n`;
    const output = [
      "TAP version 13",
      "not ok 1 - later # TODO not written yet",
      "not ok 2 - a \\# in the name",
      "ok 3 - skipped # SKIP no database",
      block(1),
      "not ok 1 - second run",
      block(1),
    ].join("\n");
    expect(summarise(output)).toEqual({
      counts: { total: 4, passed: 2, failed: 2, skipped: 0 },
      failures: ["a # in the name", "second run"],
    });
    expect(summarise("make: *** [test] Error 1\nok, done\n")).toEqual({ counts: null, failures: [] });
  });

  it("keeps at most 50 failures, each bounded", () => {
    const lines = Array.from({ length: 80 }, (_, i) => `not ok ${i + 1} - test ${i} ${"x".repeat(400)}`);
    const { failures } = summarise(lines.join("\n"));
    expect(failures).toHaveLength(MAX_FAILURES);
    expect(failures.every((name) => name.length === MAX_FAILURE_LENGTH && name.endsWith("…"))).toBe(true);
    expect(failures[1]?.startsWith("test 1 x")).toBe(true);
  });
});

describe("output tail", () => {
  it("keeps the end within the limit and says when older output was dropped", () => {
    const tail = new OutputTail(10, []);
    tail.write("0123456789");
    expect(tail.end()).toEqual({ text: "0123456789", truncated: false });
    const long = new OutputTail(10, []);
    for (let i = 0; i < 100; i++) long.write(`line ${i}\n`);
    expect(long.end()).toEqual({ text: "8\nline 99\n", truncated: true });
  });

  it("masks a secret split between chunks", () => {
    const tail = new OutputTail(1000, ["hunter22"]);
    for (const chunk of ["pass: hun", "ter", "22 and hunter2", "2!"]) tail.write(chunk);
    expect(tail.end().text).toBe("pass: *** and ***!");
  });

  it("never starts with half a surrogate pair", () => {
    expect(lastChars("a😀b", 2)).toBe("b");
    expect(lastChars("a😀b", 3)).toBe("😀b");
  });
});
