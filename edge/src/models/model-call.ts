/**
 * One forced, validated tool call: the way to get structured output from the model (the
 * Architect's spec, the EnvAnalyzer's classification), with the caller's role's model settings.
 * The answer is checked against the same zod schema the tool's input schema is generated from;
 * its cost comes back with it.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";
import type { Env } from "../env.ts";
import { modelClient } from "./client.ts";
import { costUsd } from "./pricing.ts";
import { type ModelRole, roleModel } from "./roles.ts";

export class ModelCallError extends Error {
  override name = "ModelCallError";
}

export interface ToolCall<T> {
  /** Whose model settings apply. */
  role: ModelRole;
  /** Who calls, for error messages ("The Architect"). */
  caller: string;
  system: string;
  prompt: string;
  tool: { name: string; description: string; input: z.ZodType<T> };
}

export interface ToolAnswer<T> {
  input: T;
  costUsd: number;
  usage: Anthropic.Usage;
}

export async function forcedToolCall<T>(env: Env, call: ToolCall<T>): Promise<ToolAnswer<T>> {
  const config = roleModel(env, call.role);
  const client = modelClient(env, config);
  if (!client) throw new ModelCallError(`${call.caller} needs a model: set ANTHROPIC_API_KEY.`);
  const { $schema: _, ...schema } = z.toJSONSchema(call.tool.input) as Record<string, unknown>;
  const response = await client.messages.create({
    model: config.model,
    max_tokens: config.maxTokens,
    system: call.system,
    tools: [
      {
        name: call.tool.name,
        description: call.tool.description,
        input_schema: { ...schema, type: "object" } as Anthropic.Tool.InputSchema,
      },
    ],
    tool_choice: { type: "tool", name: call.tool.name },
    messages: [{ role: "user", content: call.prompt }],
  });
  const block = response.content.find((item) => item.type === "tool_use" && item.name === call.tool.name);
  const parsed = call.tool.input.safeParse(block?.type === "tool_use" ? block.input : undefined);
  if (!parsed.success) {
    throw new ModelCallError(
      `${call.caller}'s answer is not usable: ${z.prettifyError(parsed.error).slice(0, 300)}`,
    );
  }
  return { input: parsed.data, costUsd: costUsd(response.usage, config.price), usage: response.usage };
}
