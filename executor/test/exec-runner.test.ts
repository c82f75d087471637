/** The exec runner with real child processes. */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isRunning } from "../../test/support/processes.ts";
import type { RunContext } from "../src/jobs/runner.ts";
import { runExec } from "../src/kinds/exec/runner.ts";
import { runners } from "../src/kinds/index.ts";
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

  it("as registered, never shows a secret value in its log or error: whole, split between writes, line by line", async () => {
    const token = `tok-${randomUUID()}`;
    const key = `-----BEGIN TEST KEY-----\nline-one-${randomUUID()}\nline-two-${randomUUID()}\n-----END TEST KEY-----\n`;
    const { ctx, logs, text } = await context({ secrets: { API_TOKEN: token, KEY: key, SHORT: "abc" } });
    const registered = runners.exec;
    const printing = [
      'echo "token $API_TOKEN"; echo "stderr $API_TOKEN" >&2',
      // The token in two writes, far enough apart to arrive as two chunks.
      'printf "split %s" "$(echo "$API_TOKEN" | cut -c1-10)"; sleep 0.3; echo "$API_TOKEN" | cut -c11-',
      'printf "key %s|" "$KEY"; echo "line $(printf "%s\n" "$KEY" | sed -n 3p)"',
      'echo "short $SHORT"; exit 3',
    ];
    const outcome = await registered({ command: ["sh", "-c", printing.join("\n")], env: {} }, ctx);
    expect(outcome).toMatchObject({ status: "failed", error: "Exited with 3" });
    // What came before the token's first half was passed on; the half was held back for the rest.
    const stdout = logs.filter((l) => l.stream === "stdout").map((l) => l.chunk);
    expect(stdout.some((chunk) => chunk.endsWith("split "))).toBe(true);
    expect(text("stdout")).toBe("token ***\nsplit ***\nkey ***|line ***\nshort abc\n");
    expect(text("stderr")).toBe("stderr ***\n");
    for (const secret of [token, token.slice(0, 10), token.slice(10), ...key.split("\n").slice(1, 3)])
      expect(text()).not.toContain(secret);

    // A spawn error quotes the command.
    const failed = await registered({ command: [`/no/such/dir/${token}`], env: {} }, ctx);
    expect(failed.error).toMatch(/^Could not start `\/no\/such\/dir\/\*\*\*`/);
    expect(failed.error).not.toContain(token);
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
