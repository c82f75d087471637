/** One interface over headless coding agents: start (or resume) a session, get a parsed result. */
import type { AgentSpec, AgentUsage } from "@codegen-orchestrator/shared";
import { z } from "zod";
import { defaultPath, type ProcessOutcome } from "../../process/run-process.ts";

export interface AgentInvocation {
  spec: AgentSpec;
  /** The checkout the agent works in. */
  cwd: string;
  /** The agent's HOME: kept per workspace, so its session files outlive the job. */
  home: string;
  /** A private directory for this run's files (a prompt file, say); removed afterwards. */
  scratch: string;
  /** The model API key, for the agent's process only. */
  apiKey: string | undefined;
  /** The orchestrator API key of the spec's `mcp`, for the agent's MCP session only. */
  mcpKey: string | undefined;
  /** The MCP endpoint of the spec's `mcp`: its `url`, else the orchestrator this executor serves. */
  mcpUrl: string | undefined;
  signal: AbortSignal;
  deadlineAt: number;
  log: (stream: "stdout" | "stderr" | "system", chunk: string) => void;
}

/** What every adapter reports, whatever its CLI prints. */
export interface AgentReport {
  sessionId: string | null;
  result: string;
  isError: boolean;
  costUsd: number | null;
  usage: AgentUsage | null;
  turns: number | null;
}

/** The orchestrator's MCP server's name in a CLI's config: its tools are `mcp__orchestrator__<operationId>`. */
export const MCP_SERVER_NAME = "orchestrator";
/** The variable a CLI's MCP config names for the key: the CLI expands it, so no file holds the key. */
export const MCP_KEY_VARIABLE = "ORCHESTRATOR_MCP_KEY";

/**
 * The spec's `mcp` as a CLI's MCP config file takes it (JSON: streamable HTTP, the key by its
 * variable's name) and the environment that carries the key; null when the job has no MCP server.
 */
export function mcpConfig(invocation: AgentInvocation): { json: string; env: Record<string, string> } | null {
  const { spec, mcpKey, mcpUrl } = invocation;
  if (!spec.mcp || mcpKey === undefined || mcpUrl === undefined) return null;
  const server = { type: "http", url: mcpUrl, headers: { Authorization: `Bearer \${${MCP_KEY_VARIABLE}}` } };
  return {
    json: JSON.stringify({ mcpServers: { [MCP_SERVER_NAME]: server } }),
    env: { [MCP_KEY_VARIABLE]: mcpKey },
  };
}

export interface AgentCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
  stdin?: string;
}

export interface Adapter {
  /** The command to run for this invocation. */
  command(invocation: AgentInvocation): Promise<AgentCommand>;
  /** The report, from what the command printed; throws with a clear message when it cannot. */
  parse(outcome: ProcessOutcome): AgentReport;
  /**
   * Whether the session's files are in this agent HOME, so that it can be resumed here. Adapters
   * that cannot tell leave it out (a resume is then attempted as asked).
   */
  hasSession?(home: string, sessionId: string): Promise<boolean>;
  /**
   * For a CLI that streams its session as JSON lines (stream.ts): what one event is, a model turn
   * (with its message's id, so that a turn printed in parts counts once) or the final result.
   * Adapters whose CLI prints only its result leave it out.
   */
  streamEvent?(event: unknown): { turn: string } | "result" | null;
  /**
   * Whether the reported cost is the session's running total rather than the job's own (Claude
   * Code's is, for a resumed session): the runner then books the difference (session-costs.ts).
   */
  reportsSessionTotal?: boolean;
}

/** The JSON result Claude Code (`--output-format json`) and Droid (`-o json`) print. */
const CliResult = z.object({
  session_id: z.string().optional(),
  result: z.string().optional(),
  is_error: z.boolean().optional(),
  total_cost_usd: z.number().optional(),
  num_turns: z.number().int().optional(),
  subtype: z.string().optional(),
  usage: z
    .object({
      input_tokens: z.number().optional(),
      output_tokens: z.number().optional(),
      cache_read_input_tokens: z.number().optional(),
      cache_creation_input_tokens: z.number().optional(),
    })
    .optional(),
});

/** The last JSON object a CLI printed on stdout (some print progress lines before it). */
export function lastJson(stdout: string): unknown {
  const text = stdout.trim();
  try {
    return JSON.parse(text);
  } catch {
    const lines = text.split("\n").reverse();
    for (const line of lines) {
      try {
        return JSON.parse(line);
      } catch {
        // Not this line.
      }
    }
  }
  throw new Error("the agent printed no JSON result");
}

export function parseCliResult(outcome: ProcessOutcome, name: string): AgentReport {
  const parsed = CliResult.safeParse(lastJson(outcome.stdout));
  if (!parsed.success)
    throw new Error(`${name} printed a result we cannot read: ${parsed.error.issues[0]?.message}`);
  const r = parsed.data;
  return {
    sessionId: r.session_id ?? null,
    result: r.result ?? r.subtype ?? "",
    isError: r.is_error ?? outcome.exitCode !== 0,
    costUsd: r.total_cost_usd ?? null,
    usage: r.usage
      ? {
          inputTokens: r.usage.input_tokens ?? 0,
          outputTokens: r.usage.output_tokens ?? 0,
          cacheReadInputTokens: r.usage.cache_read_input_tokens ?? 0,
          cacheCreationInputTokens: r.usage.cache_creation_input_tokens ?? 0,
        }
      : null,
    turns: r.num_turns ?? null,
  };
}

/**
 * What every agent process gets: its HOME, a UTF-8 locale, the spec's env, and on the host the
 * executor's PATH (in a container the image's own PATH applies).
 */
export const baseEnv = (invocation: AgentInvocation): Record<string, string> => ({
  ...(invocation.spec.isolation === "process" ? { PATH: defaultPath() } : {}),
  HOME: invocation.home,
  LANG: "C.UTF-8",
  ...invocation.spec.env,
});

/**
 * The agent's executable: on the host, the one `override` (an environment variable of the
 * executor) names, else `name` on PATH; in a container always `name` on the image's PATH.
 */
export const agentBinary = (invocation: AgentInvocation, name: string, override: string): string =>
  (invocation.spec.isolation === "process" && process.env[override]) || name;
