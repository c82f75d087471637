/**
 * Factory Droid, headless: `droid exec -o json --auto high`, the prompt from a private file (argv is
 * visible to every user of the host, and limited in length), `-s` to go on with a session.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { defaultPath } from "../process/run-process.ts";
import { type Adapter, baseEnv, parseCliResult } from "./adapter.ts";

export const droid: Adapter = {
  async command(invocation) {
    const { spec } = invocation;
    const promptFile = path.join(invocation.scratch, "prompt.md");
    await writeFile(promptFile, spec.prompt, { mode: 0o600 });
    return {
      command: process.env.ORCHESTRATOR_DROID_BIN || "droid",
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
        ...baseEnv(invocation, defaultPath()),
        ...(invocation.apiKey ? { FACTORY_API_KEY: invocation.apiKey } : {}),
      },
    };
  },
  parse: (outcome) => parseCliResult(outcome, "Droid"),
};
