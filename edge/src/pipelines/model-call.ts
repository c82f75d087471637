/**
 * One forced, validated tool call: the pipelines' way to get structured output from the model
 * (the Architect's spec, the EnvAnalyzer's classification). The answer is checked against the
 * same zod schema the tool's input schema is generated from; its cost comes back with it.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";
import { poConfig } from "../chat/po/config.ts";
import { costUsd } from "../chat/po/pricing.ts";
import { modelClient } from "../chat/po/setup.ts";
import type { Env } from "../env.ts";

export class ModelCallError extends Error {
  override name = "ModelCallError";
}

export interface ToolCall<T> {
  /** Who calls, for error messages ("The Architect"). */
  role: string;
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
  const config = poConfig(env);
  const client = modelClient(env, config);
  if (!client) throw new ModelCallError(`${call.role} needs a model: set ANTHROPIC_API_KEY.`);
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
      `${call.role}'s answer is not usable: ${z.prettifyError(parsed.error).slice(0, 300)}`,
    );
  }
  return { input: parsed.data, costUsd: costUsd(response.usage, config.price), usage: response.usage };
}
