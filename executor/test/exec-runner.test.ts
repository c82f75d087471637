/** The exec runner with real child processes. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isRunning } from "../../test/support/processes.ts";
import { runExec } from "../src/runners/exec.ts";
import type { RunContext } from "../src/runners/runner.ts";
import { runContext } from "./support/run-context.ts";
import { removeTempDirs } from "./support/temp.ts";

afterAll(removeTempDirs);

const context = (overrides: Partial<RunContext> = {}) => runContext(overrides, "co-exec-");

describe("exec runner", () => {
  it("runs argv without a shell, in the workdir, with only PATH, HOME, the spec's env and the secrets", async () => {
    process.env.DAEMON_ONLY_CANARY = "must-not-leak";
    const { ctx, text } = await context({ secrets: { API_TOKEN: "s3cret" } });
    const outcome = await runExec(
      {
        command: ["sh", "-c", 'pwd; env | sort; echo "$1"', "sh", "$(not expanded)"],
        env: { GREETING: "hi" },
      },
      ctx,
    );
    delete process.env.DAEMON_ONLY_CANARY;
    expect(outcome).toMatchObject({ status: "succeeded", output: { exitCode: 0, signal: null } });
    const out = text("stdout");
    expect(out.split("\n")[0]).toBe(ctx.workdir);
    expect(out).toContain("GREETING=hi");
    expect(out).toContain("API_TOKEN=s3cret");
    expect(out).toContain("$(not expanded)");
    expect(out).not.toContain("must-not-leak");
    expect(out).not.toContain("ORCHESTRATOR_EXECUTOR_TOKEN");
  });

  it("passes stdin, separates stderr, and reports a failing exit code", async () => {
    const { ctx, text } = await context();
    const outcome = await runExec(
      { command: ["sh", "-c", "cat; echo bad >&2; exit 7"], env: {}, stdin: "input\n" },
      ctx,
    );
    expect(outcome).toMatchObject({ status: "failed", output: { exitCode: 7 }, error: "Exited with 7" });
    expect(text("stdout")).toBe("input\n");
    expect(text("stderr")).toBe("bad\n");
  });

  it("reports a command that cannot start", async () => {
    const { ctx } = await context();
    const outcome = await runExec({ command: ["/no/such/binary"], env: {} }, ctx);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/Could not start `\/no\/such\/binary`/);
  });

  it("stops the whole process tree at the deadline (timed_out) and on abort (cancelled)", async () => {
    for (const how of ["deadline", "abort"] as const) {
      const controller = new AbortController();
      const { ctx } = await context({
        signal: controller.signal,
        deadlineAt: how === "deadline" ? Date.now() + 300 : Date.now() + 30_000,
      });
      const pidFile = path.join(ctx.workdir, "grandchild.pid");
      const running = runExec(
        { command: ["sh", "-c", `sleep 300 & echo $! > ${pidFile}; wait`], env: {} },
        ctx,
      );
      let grandchild = 0;
      for (let i = 0; i < 100 && !grandchild; i++) {
        grandchild = Number(await readFile(pidFile, "utf8").catch(() => "0"));
        if (!grandchild) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (how === "abort") controller.abort();
      const outcome = await running;
      expect(outcome.status).toBe(how === "deadline" ? "timed_out" : "cancelled");
      for (let i = 0; i < 50 && isRunning(grandchild); i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(isRunning(grandchild)).toBe(false);
    }
  });
});
