/**
 * Claude Code, headless: `claude -p --output-format stream-json --verbose` (the session as JSON
 * lines, the result last: each model turn is the job's progress), the prompt on stdin, `--resume`
 * to go on with a session. Unattended but not unbounded: `acceptEdits` plus an explicit tool list (as root,
 * Claude Code refuses to skip permissions outside a sandbox, and it should).
 */
import { existsSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { z } from "zod";
import {
  type Adapter,
  type AgentInvocation,
  agentBinary,
  baseEnv,
  MCP_SERVER_NAME,
  mcpConfig,
  parseCliResult,
} from "./adapter.ts";

/** What `stream-json` prints, as far as progress needs: an assistant message per turn, the result last. */
const StreamEvent = z.object({ type: z.string(), message: z.object({ id: z.string() }).optional() });

/**
 * The Claude Code binary npm installed with this project (its platform package; the wrapper
 * package's postinstall is not run), or null. A host's own `claude` is used when this is absent.
 */
export function bundledClaudeBinary(): string | null {
  try {
    const manifest = createRequire(import.meta.url).resolve(
      `@anthropic-ai/claude-code-${process.platform}-${process.arch}/package.json`,
    );
    const binary = path.join(path.dirname(manifest), "claude");
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

export const CLAUDE_DEFAULT_TOOLS = ["Bash", "Edit", "MultiEdit", "Write", "Read", "Glob", "Grep", "LS"];

/**
 * `spec.mcp` as Claude Code takes it: a config file in the run's scratch directory (0600) naming
 * the key's variable, only that server (`--strict-mcp-config`: none of the host's), and all its
 * tools allowed (`mcp__orchestrator`): what they may do is what the key may.
 */
async function mcpOptions(
  invocation: AgentInvocation,
): Promise<{ args: string[]; env: Record<string, string> }> {
  const mcp = mcpConfig(invocation);
  if (!mcp) return { args: [], env: {} };
  const file = path.join(invocation.scratch, "mcp.json");
  await writeFile(file, mcp.json, { mode: 0o600 });
  return { args: ["--mcp-config", file, "--strict-mcp-config"], env: mcp.env };
}

export const claudeCode: Adapter = {
  async command(invocation) {
    const { spec } = invocation;
    const mcp = await mcpOptions(invocation);
    const tools = [
      ...(spec.allowedTools ?? CLAUDE_DEFAULT_TOOLS),
      ...(spec.mcp ? [`mcp__${MCP_SERVER_NAME}`] : []),
    ];
    const args = [
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "acceptEdits",
      "--allowedTools",
      tools.join(","),
      ...mcp.args,
      ...(spec.resumeSession ? ["--resume", spec.resumeSession] : []),
      ...(spec.model ? ["--model", spec.model] : []),
      ...(spec.maxTurns ? ["--max-turns", String(spec.maxTurns)] : []),
    ];
    return {
      command: agentBinary(
        invocation,
        invocation.spec.isolation === "process" ? (bundledClaudeBinary() ?? "claude") : "claude",
        "ORCHESTRATOR_CLAUDE_BIN",
      ),
      args,
      stdin: spec.prompt,
      env: {
        ...baseEnv(invocation),
        // No auto-update, telemetry or other traffic beyond the model API.
        DISABLE_AUTOUPDATER: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        ...(invocation.apiKey ? { ANTHROPIC_API_KEY: invocation.apiKey } : {}),
        ...(spec.baseUrl ? { ANTHROPIC_BASE_URL: spec.baseUrl } : {}),
        ...mcp.env,
      },
    };
  },
  parse: (outcome) => parseCliResult(outcome, "Claude Code"),
  // `total_cost_usd` of a resumed session counts what its earlier jobs spent too.
  reportsSessionTotal: true,
  streamEvent(event) {
    const parsed = StreamEvent.safeParse(event);
    if (!parsed.success) return null;
    if (parsed.data.type === "result") return "result";
    const id = parsed.data.message?.id;
    return parsed.data.type === "assistant" && id ? { turn: id } : null;
  },
  // Claude Code keeps each session as <HOME>/.claude/projects/<its cwd, mangled>/<session id>.jsonl.
  async hasSession(home, sessionId) {
    const projects = path.join(home, ".claude", "projects");
    const dirs = await readdir(projects).catch(() => [] as string[]);
    return dirs.some((dir) => existsSync(path.join(projects, dir, `${sessionId}.jsonl`)));
  },
};
