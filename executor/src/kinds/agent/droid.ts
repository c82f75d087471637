/**
 * Factory Droid, headless: `droid exec -o json --auto high`, the prompt from a private file (argv is
 * visible to every user of the host, and limited in length), `-s` to go on with a session.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { type Adapter, agentBinary, baseEnv, parseCliResult } from "./adapter.ts";

export const droid: Adapter = {
  async command(invocation) {
    const { spec } = invocation;
    const promptFile = path.join(invocation.scratch, "prompt.md");
    await writeFile(promptFile, spec.prompt, { mode: 0o600 });
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
      },
    };
  },
  parse: (outcome) => parseCliResult(outcome, "Droid"),
};
