/**
 * A custom agent: any command that speaks a small JSON contract.
 *
 * stdin, one JSON object:
 *   { "prompt": string, "sessionId": string | null, "workdir": string, "model": string | null,
 *     "maxTurns": number | null, "mcp": { "url": string } | null }
 * stdout, a JSON object (the last line that parses, so progress lines may come before it):
 *   { "result": string, "sessionId"?: string, "isError"?: boolean, "costUsd"?: number,
 *     "turns"?: number, "usage"?: { "inputTokens", "outputTokens", "cacheReadInputTokens"?,
 *     "cacheCreationInputTokens"? } }
 * The model API key, when the job names one, is in AGENT_API_KEY; the key for the orchestrator's
 * MCP server (`mcp`, a streamable-HTTP endpoint taking it as a bearer token) in ORCHESTRATOR_MCP_KEY.
 * A non-zero exit is a failure.
 */
import { z } from "zod";
import { type Adapter, baseEnv, lastJson, MCP_KEY_VARIABLE } from "./adapter.ts";

const CustomResult = z.object({
  result: z.string(),
  sessionId: z.string().optional(),
  isError: z.boolean().optional(),
  costUsd: z.number().nonnegative().optional(),
  turns: z.number().int().nonnegative().optional(),
  usage: z
    .object({
      inputTokens: z.number().int().nonnegative(),
      outputTokens: z.number().int().nonnegative(),
      cacheReadInputTokens: z.number().int().nonnegative().default(0),
      cacheCreationInputTokens: z.number().int().nonnegative().default(0),
    })
    .optional(),
});

export const customAgent: Adapter = {
  async command(invocation) {
    const { spec } = invocation;
    const [command = "", ...args] = spec.command ?? [];
    return {
      command,
      args,
      stdin: JSON.stringify({
        prompt: spec.prompt,
        sessionId: spec.resumeSession ?? null,
        workdir: invocation.cwd,
        model: spec.model ?? null,
        maxTurns: spec.maxTurns ?? null,
        mcp: invocation.mcpUrl ? { url: invocation.mcpUrl } : null,
      }),
      env: {
        ...baseEnv(invocation),
        ...(invocation.apiKey ? { AGENT_API_KEY: invocation.apiKey } : {}),
        ...(invocation.mcpKey ? { [MCP_KEY_VARIABLE]: invocation.mcpKey } : {}),
      },
    };
  },
  parse(outcome) {
    const parsed = CustomResult.safeParse(lastJson(outcome.stdout));
    if (!parsed.success) {
      throw new Error(
        `the custom agent's result breaks the contract: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`,
      );
    }
    const r = parsed.data;
    return {
      sessionId: r.sessionId ?? null,
      result: r.result,
      isError: r.isError ?? outcome.exitCode !== 0,
      costUsd: r.costUsd ?? null,
      usage: r.usage ?? null,
      turns: r.turns ?? null,
    };
  },
};
