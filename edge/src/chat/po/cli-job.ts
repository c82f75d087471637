/**
 * The `agent` job of one turn of the `cli` Product-Owner (PO_ENGINE=cli): the coding-agent CLI of
 * PO_CLI_ADAPTER, where the Developer's agent runs (developerConfig), in the chat's own workspace
 * (its session resumed there), with the orchestrator's API as its MCP tools under a key of the
 * chat's member minted for this job alone (`chatKey`). The model key is the system's, by reference.
 */
import type { AgentSpec } from "@codegen-orchestrator/shared";
import type { Env } from "../../env.ts";
import type { JobSecretRef } from "../../executors/job-secrets.ts";
import { agentPlacement, developerConfig } from "../../pipelines/engineering/develop.ts";
import { chatSettings } from "../../settings/chat.ts";
import { modelSettings } from "../../settings/models.ts";
import type { Awaited } from "./conversation.ts";
import { PO_CLI_INSTRUCTIONS } from "./prompt.ts";

const MODEL_KEY_ENV = "ANTHROPIC_API_KEY";
const MCP_KEY_ENV = "ORCHESTRATOR_MCP_KEY";

/** One turn's request: who speaks, in which chat, what they said, and the session to go on with. */
export interface CliTurnInput {
  chatId: number;
  userId: string;
  prompt: string;
  sessionId: string | null;
}

/** The chat's workspace on an executor (it keeps the CLI's session files between turns). */
export const chatWorkspace = (chatId: number) => `po-${String(chatId).replace("-", "w")}`;

/** Why this Worker cannot run the `cli` Product-Owner, or null when it can. */
export function cliPoUnavailable(env: Env): string | null {
  const settings = chatSettings.read(env);
  if (settings.PO_CLI_ADAPTER === "custom" && !settings.PO_CLI_COMMAND?.length)
    return "PO_CLI_ADAPTER=custom needs PO_CLI_COMMAND (the agent's argv).";
  if (settings.PO_CLI_ADAPTER !== "custom" && !modelSettings.read(env).ANTHROPIC_API_KEY)
    return "The Product-Owner agent is not configured here (no ANTHROPIC_API_KEY).";
  try {
    developerConfig(env);
  } catch (err) {
    return `The Product-Owner agent cannot run: ${(err as Error).message}`;
  }
  return null;
}

/** The turn's job: its spec and secret references (throws when the settings cannot run it). */
export function cliTurnJob(
  env: Env,
  input: CliTurnInput,
): { spec: AgentSpec; secrets: Record<string, JobSecretRef>; timeoutMs: number } {
  const settings = chatSettings.read(env);
  const where = developerConfig(env);
  const workspace = chatWorkspace(input.chatId);
  const custom = settings.PO_CLI_ADAPTER === "custom";
  const withModelKey = !custom || Boolean(modelSettings.read(env).ANTHROPIC_API_KEY);
  const spec: AgentSpec = {
    adapter: settings.PO_CLI_ADAPTER,
    prompt: input.sessionId ? input.prompt : `${PO_CLI_INSTRUCTIONS}\n\n${input.prompt}`,
    workspace,
    ...(input.sessionId ? { resumeSession: input.sessionId } : {}),
    ...(custom ? { command: settings.PO_CLI_COMMAND } : {}),
    ...(where.baseUrl ? { baseUrl: where.baseUrl } : {}),
    // Its only tools are the orchestrator's: it plans services, it does not write their code.
    allowedTools: [],
    ...agentPlacement(where, workspace, { cpus: 1, memoryMb: 1024 }),
    ...(withModelKey ? { apiKeySecret: MODEL_KEY_ENV } : {}),
    mcp: { apiKeySecret: MCP_KEY_ENV },
    env: {},
  };
  const secrets: Record<string, JobSecretRef> = {
    [MCP_KEY_ENV]: { chatKey: { userId: input.userId, chatId: input.chatId } },
    ...(withModelKey ? { [MODEL_KEY_ENV]: { system: "ANTHROPIC_API_KEY" } } : {}),
  };
  return { spec, secrets, timeoutMs: settings.PO_CLI_TIMEOUT_S * 1000 };
}

/** The next turn's words when the user answered what the agent asked through the chat's tools. */
export function answerPrompt(asked: Awaited, answer: string): string {
  if (asked.kind === "question") return `The user answered your question "${asked.question}":\n${answer}`;
  return answer;
}

/** What the agent is told of a secret the chat captured (never the value). */
export const secretSetPrompt = (name: string, projectSlug: string) =>
  `The user sent ${name}; it is stored encrypted for project ${projectSlug}. You cannot see its value.`;
