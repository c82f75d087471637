/** The chat's timings and the Product-Owner conversation's limits (the model's are in models.ts). */
import { AgentAdapter } from "@codegen-orchestrator/shared";
import { z } from "zod";
import { defineSettings, list, positiveInt, setting } from "./define.ts";

export const chatSettings = defineSettings("Chat", {
  CHAT_REMIND_AFTER_S: setting(positiveInt, {
    default: 15 * 60,
    doc: "Seconds before an unanswered question or secret request is asked again.",
  }),
  CHAT_EXPIRE_AFTER_S: setting(positiveInt, {
    default: 24 * 60 * 60,
    doc: "Seconds before an unanswered question or secret request expires (at least the reminder's).",
  }),
  STATUS_EDIT_INTERVAL_MS: setting(positiveInt, {
    default: 3000,
    doc: "The least time between two edits of a run's status message, in ms (Telegram rate limits).",
  }),
  JOB_PROGRESS_POLL_S: setting(positiveInt, {
    default: 10,
    doc: "While a run's job runs, how often its chat looks at the job's progress (Ansible tasks done, test phase) for the run's status message, in seconds.",
  }),
  PO_MAX_TOOL_ROUNDS: setting(positiveInt, {
    default: 8,
    doc: "Model calls in one turn of the Product-Owner before it stops and says so.",
  }),
  PO_HISTORY_MAX_CHARS: setting(positiveInt, {
    default: 60_000,
    doc: "Size of the conversation history (characters of JSON) past which older turns are summarised.",
  }),
  PO_ENGINE: setting(z.enum(["sdk", "cli"]), {
    default: "sdk",
    doc: "The Product-Owner: `sdk` (a model-calling agent in the Worker) or `cli` (a coding-agent CLI run as an `agent` job on an executor, with the API as its MCP tools; see PO_CLI_ADAPTER).",
  }),
  PO_CLI_ADAPTER: setting(AgentAdapter, {
    default: "claude-code",
    doc: "The CLI of the `cli` Product-Owner: `claude-code`, `droid`, or `custom` (PO_CLI_COMMAND). It runs where the Developer's agent runs (DEVELOPER_ISOLATION, DEVELOPER_IMAGE).",
  }),
  PO_CLI_COMMAND: setting(list, {
    doc: "The custom Product-Owner's argv (PO_CLI_ADAPTER=custom), separated by spaces; it speaks the custom agent contract, with `mcp` in its request.",
  }),
  PO_CLI_TIMEOUT_S: setting(positiveInt, {
    default: 600,
    doc: "Seconds one turn of the `cli` Product-Owner may take (its agent job's timeout).",
  }),
});
