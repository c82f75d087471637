// Claude Code's stream-json, watched on its way to the job's log: one progress report per model
// turn (a message printed in parts counts once), the result line kept whole for the parse.
import { describe, expect, it } from "vitest";
import type { RunContext } from "../src/jobs/runner.ts";
import { claudeCode } from "../src/kinds/agent/claude-code.ts";
import { customAgent } from "../src/kinds/agent/custom.ts";
import { watchedLog } from "../src/kinds/agent/stream.ts";

function recorder() {
  const progress: { message: string; percent?: number }[] = [];
  const logged: string[] = [];
  const context: Pick<RunContext, "log" | "progress"> = {
    log: (_stream, chunk) => logged.push(chunk),
    progress: (message, percent) => progress.push({ message, ...(percent === undefined ? {} : { percent }) }),
  };
  return { context, progress, logged };
}

const line = (event: unknown) => `${JSON.stringify(event)}\n`;
const assistant = (id: string, text: string) =>
  line({ type: "assistant", message: { id, content: [{ type: "text", text }] } });
const result = { type: "result", subtype: "success", result: "done", session_id: "s-1", num_turns: 2 };

describe("agent stream", () => {
  it("reports each turn once, with the share of the turn limit, and keeps the result line", () => {
    const { context, progress, logged } = recorder();
    const { log, stream } = watchedLog(claudeCode, context, "claude-code", 4);
    const text = [
      line({ type: "system", subtype: "init", session_id: "s-1" }),
      assistant("msg_1", "looking"),
      assistant("msg_1", "a second block of the same turn"),
      line({ type: "user", message: { content: [{ type: "tool_result", content: "x".repeat(5000) }] } }),
      assistant("msg_2", "done"),
      line(result),
    ].join("");
    // Chunks cut anywhere, lines split between them.
    for (let at = 0; at < text.length; at += 7) log("stdout", text.slice(at, at + 7));
    log("stderr", '{"type":"assistant","message":{"id":"not-stdout"}}\n');

    expect(progress).toEqual([
      { message: "claude-code: turn 1 of 4", percent: 25 },
      { message: "claude-code: turn 2 of 4", percent: 50 },
    ]);
    expect(JSON.parse(stream?.resultLine() ?? "null")).toEqual(result);
    // The log gets everything, as it came.
    expect(logged.join("")).toContain(text);
  });

  it("reads a result printed without a final newline, and says nothing of lines that are not events", () => {
    const { context, progress } = recorder();
    const { log, stream } = watchedLog(claudeCode, context, "claude-code", undefined);
    log("stdout", "npm warn something\nnot json {\n");
    log("stdout", assistant("m", "hi"));
    log("stdout", JSON.stringify(result));
    expect(progress).toEqual([{ message: "claude-code: turn 1" }]);
    expect(stream?.resultLine()).toBe(JSON.stringify(result));
  });

  it("leaves the log of an agent whose CLI does not stream as it is", () => {
    const { context } = recorder();
    const watched = watchedLog(customAgent, context, "custom", 10);
    expect(watched.stream).toBeNull();
    expect(watched.log).toBe(context.log);
  });
});
