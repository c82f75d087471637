/**
 * Factory Droid, headless: `droid exec -o json --auto high`, the prompt from a private file (argv is
 * visible to every user of the host, and limited in length), `-s` to go on with a session. The
 * spec's `mcp` is Droid's user configuration (`~/.factory/mcp.json` in the agent's HOME, 0600),
 * naming the key's variable, which Droid expands when it loads the file: no file holds the key.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  type Adapter,
  type AgentInvocation,
  agentBinary,
  baseEnv,
  mcpConfig,
  parseCliResult,
} from "./adapter.ts";

/** Writes (or, without `mcp`, removes: the HOME outlives the job) Droid's MCP configuration. */
async function droidMcp(invocation: AgentInvocation): Promise<Record<string, string>> {
  const dir = path.join(invocation.home, ".factory");
  const file = path.join(dir, "mcp.json");
  const mcp = mcpConfig(invocation);
  if (!mcp) {
    await rm(file, { force: true });
    return {};
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(file, mcp.json, { mode: 0o600 });
  return mcp.env;
}

export const droid: Adapter = {
  async command(invocation) {
    const { spec } = invocation;
    const promptFile = path.join(invocation.scratch, "prompt.md");
    await writeFile(promptFile, spec.prompt, { mode: 0o600 });
    const mcpEnv = await droidMcp(invocation);
    return {
      command: agentBinary(invocation, "droid", "ORCHESTRATOR_DROID_BIN"),
      args: [
        "exec",
        "-o",
        "json",
        "--auto",
        "high",
        "--cwd",
        invocation.cwd,
        "-f",
        promptFile,
        ...(spec.resumeSession ? ["-s", spec.resumeSession] : []),
        ...(spec.model ? ["-m", spec.model] : []),
      ],
      env: {
        ...baseEnv(invocation),
        ...(invocation.apiKey ? { FACTORY_API_KEY: invocation.apiKey } : {}),
        ...mcpEnv,
      },
    };
  },
  parse: (outcome) => parseCliResult(outcome, "Droid"),
};
