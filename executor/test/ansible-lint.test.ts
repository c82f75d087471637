/**
 * The playbooks and roles of ansible/ pass ansible-lint (its default profile, with the skips
 * ansible/.ansible-lint gives reasons for). Run from ansible/, as that config file is found there.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ANSIBLE_DIR = path.resolve(import.meta.dirname, "../../ansible");
/** ansible-lint takes seconds here; one still running after LINT_KILL_MS is killed, failing the test. */
const LINT_KILL_MS = 120_000;

const installed = spawnSync("ansible-lint", ["--version"], { timeout: 60_000 }).status === 0;

/** One issue of ansible-lint's codeclimate output (the fields read here). */
interface Issue {
  check_name: string;
  level?: string;
  description: string;
  location: { path: string; lines?: { begin: number }; positions?: { begin: { line: number } } };
}

/** `file:line rule message`, the way a failure lists a violation. */
const describeIssue = (issue: Issue) =>
  `${issue.location.path}:${issue.location.lines?.begin ?? issue.location.positions?.begin.line ?? "?"} ` +
  `${issue.check_name} ${issue.description}`;

describe("ansible-lint", () => {
  it("is installed (scripts/system-deps.sh installs it)", () => {
    expect(installed, "missing: ansible-lint; run `bash scripts/system-deps.sh`").toBe(true);
  });

  it.skipIf(!installed)(
    "finds no violation in ansible/",
    () => {
      const run = spawnSync("ansible-lint", ["-f", "codeclimate", "--nocolor", "--offline"], {
        cwd: ANSIBLE_DIR,
        encoding: "utf8",
        timeout: LINT_KILL_MS,
        killSignal: "SIGKILL",
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, NO_COLOR: "1", PYTHONDONTWRITEBYTECODE: "1" },
      });
      const said = `exit ${run.status ?? run.signal}${run.error ? ` (${run.error.message})` : ""}\nstderr:\n${run.stderr}`;
      let issues: Issue[];
      try {
        issues = JSON.parse(run.stdout) as Issue[];
      } catch {
        throw new Error(`ansible-lint printed no codeclimate JSON: ${said}\nstdout:\n${run.stdout}`);
      }
      // Warnings (a rule's warning level) do not fail ansible-lint, nor this test.
      const violations = issues.filter((issue) => issue.level !== "warning").map(describeIssue);
      expect(violations, said).toEqual([]);
      expect(run.status, said).toBe(0);
    },
    LINT_KILL_MS + 30_000,
  );
});
