/**
 * Architect: the model turns the conversation into the project's spec (name, description, the
 * template modules it needs, chosen among the template's own choices, and acceptance criteria)
 * through one forced tool call, validated before it is stored on the project.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { ProjectSpec } from "@codegen-orchestrator/shared";
import { z } from "zod";
import type { Env } from "../../env.ts";
import { forcedToolCall } from "../../models/model-call.ts";

/** The default template's module choices (templates/node-service/copier.yml). */
export const TEMPLATE_MODULES = ["database", "telegram"] as const;

const SpecInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  description: z.string().min(1).max(10_000).describe("what to build: endpoints, data, behaviour"),
  modules: z
    .array(z.enum(TEMPLATE_MODULES))
    .max(TEMPLATE_MODULES.length)
    .describe("database: SQLite storage (node:sqlite); telegram: a Telegram bot webhook"),
  acceptance_criteria: z.array(z.string().min(1).max(500)).min(1).max(20).describe("checkable statements"),
});

const PROMPT = `You are the Architect of a system that builds and deploys small web services from a chat.
From the conversation and the project below, write the spec a developer implements and a tester checks.
The service is a Node.js HTTP service from a template that already has GET /health and a test suite; choose only the template modules the service needs.
Acceptance criteria are short, checkable statements (an endpoint, a status code, a behaviour). Call submit_spec once.`;

export interface ArchitectResult {
  spec: ProjectSpec;
  costUsd: number;
  usage: Anthropic.Usage;
}

export async function writeSpec(
  env: Env,
  project: { name: string; description: string },
  conversation: string,
): Promise<ArchitectResult> {
  const answer = await forcedToolCall(env, {
    role: "architect",
    caller: "The Architect",
    system: PROMPT,
    prompt: `Project: ${project.name}\nDescription: ${project.description}\n\nConversation:\n${conversation || "(none: the project was created through the API)"}`,
    tool: { name: "submit_spec", description: "The project's spec.", input: SpecInput },
  });
  const { acceptance_criteria, ...rest } = answer.input;
  return {
    spec: { ...rest, acceptanceCriteria: acceptance_criteria },
    costUsd: answer.costUsd,
    usage: answer.usage,
  };
}
