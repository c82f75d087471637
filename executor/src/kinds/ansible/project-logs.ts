/**
 * project_logs' answer: the service's output the play returned with set_stats (`project_logs`),
 * made fit for the job's result: terminal escapes and control characters out (they would bloat
 * the result frame as JSON escapes), every job secret masked once more on the whole text (the
 * stream was masked chunk by chunk, and as JSON), and bounded.
 */
import { PROJECT_LOGS_MAX_BYTES, type ProjectLogsOutput } from "@codegen-orchestrator/shared";
import { z } from "zod";

const Returned = z.object({
  manager: z.enum(["process", "systemd", "compose"]).nullable().catch(null),
  text: z.string().catch(""),
  // Ansible may hand a templated boolean back as its text.
  truncated: z
    .union([z.boolean(), z.string().transform((value) => value.toLowerCase() === "true")])
    .catch(false),
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what this removes
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]/g;

/** The logs in the play's set_stats data, or undefined when the play returned none. */
export function projectLogs(
  data: Record<string, unknown>,
  mask: (text: string) => string,
): ProjectLogsOutput | undefined {
  if (data.project_logs === undefined) return undefined;
  const returned = Returned.parse(data.project_logs);
  let text = mask(returned.text.replace(/\r\n/g, "\n").replace(ESCAPES, ""));
  let truncated = returned.truncated;
  if (text.length > PROJECT_LOGS_MAX_BYTES) {
    const cut = text.slice(text.length - PROJECT_LOGS_MAX_BYTES);
    text = cut.slice(cut.indexOf("\n") + 1);
    truncated = true;
  }
  return { manager: returned.manager, text, truncated };
}
