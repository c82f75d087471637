/**
 * One turn of the Product-Owner conversation: the user's words go into the history, the model
 * answers and calls tools until it is done, or a tool pauses the turn for the user (a question or a
 * secret). `resume` continues a paused turn with the user's answer.
 *
 *   const pending = await converse(deps, "I need a URL shortener");
 *   if (pending) … later: await resume(deps, pending, "Public, no login");
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { AskedQuestion, TemplateAnswer } from "@codegen-orchestrator/shared";
import type { RoleModel } from "../../models/roles.ts";
import type { ChatConfig } from "../config.ts";
import type { History } from "./history.ts";
import { PO_SYSTEM_PROMPT, SUMMARY_PROMPT } from "./prompt.ts";
import { runTool, type ToolContext, type ToolOutcome, toolDefinitions } from "./tools.ts";

type ToolResult = Anthropic.ToolResultBlockParam;

/** What a paused turn waits for. */
export type Awaited =
  | { kind: "question"; question: string; options: string[] }
  | { kind: "secret"; projectId: string; projectSlug: string; name: string; description: string }
  /** The user's guidance for a run's next fix iteration (asked by the run, not the model). */
  | { kind: "guidance"; runId: string; question: string }
  /** A run's template questions, asked one at a time (`index`); the answers so far, read already. */
  | {
      kind: "answers";
      runId: string;
      /** The run's n-th time asking (a later one replaces this one). */
      n: number;
      template: string;
      questions: AskedQuestion[];
      index: number;
      answers: Record<string, TemplateAnswer>;
    };

/** A turn paused for the user; kept in the chat's state (it never holds a secret value). */
export type Pending = Awaited & {
  /** The model's paused tool call; null for a request the user made by command (`/secret`). */
  toolUseId: string | null;
  /** The `cli` Product-Owner's turn (its job) that asked: the answer starts its next turn. */
  agentJob?: string;
  /** Results of the other tool calls of the same model answer, sent back together with the answer. */
  results: ToolResult[];
  askedAt: number;
  reminded: boolean;
};

export interface ConversationDeps {
  client: Anthropic;
  settings: RoleModel;
  limits: Pick<ChatConfig, "maxToolRounds" | "historyMaxChars">;
  history: History;
  tools: ToolContext;
  /** The model's words to the user. */
  say(text: string): Promise<void>;
  /** Shows the paused turn's question or secret request to the user. */
  ask(pending: Pending): Promise<void>;
  /** Records a model call's usage and cost (against the project the conversation is about). */
  recordUsage(usage: Anthropic.Usage, projectId: string | null): Promise<void>;
  /** The project the conversation is about (the last one a tool touched). */
  project: { current: string | null };
}

export async function converse(
  deps: ConversationDeps,
  content: Anthropic.MessageParam["content"],
): Promise<Pending | null> {
  deps.history.append({ role: "user", content });
  await compactIfLong(deps);
  for (let round = 0; round < deps.limits.maxToolRounds; round++) {
    const response = await deps.client.messages.create({
      model: deps.settings.model,
      max_tokens: deps.settings.maxTokens,
      system: PO_SYSTEM_PROMPT,
      tools: toolDefinitions,
      messages: deps.history.messages(),
    });
    await deps.recordUsage(response.usage, deps.project.current);
    deps.history.append({ role: "assistant", content: asParams(response.content) });
    const text = response.content
      .flatMap((block) => (block.type === "text" ? [block.text] : []))
      .join("\n\n")
      .trim();
    if (text) await deps.say(text);
    const calls = response.content.filter((block) => block.type === "tool_use");
    if (calls.length === 0) return null;
    const { results, pause } = await runCalls(deps, calls);
    if (pause) {
      const pending: Pending = { ...pause, results, askedAt: Date.now(), reminded: false };
      await deps.ask(pending);
      return pending;
    }
    deps.history.append({ role: "user", content: results });
  }
  await deps.say(
    `I stopped after ${deps.limits.maxToolRounds} steps without finishing. Tell me how to go on, or /new to start over.`,
  );
  return null;
}

/** Continues a paused turn: the answer becomes the pausing tool's result. */
export function resume(deps: ConversationDeps, pending: Pending, answer: string): Promise<Pending | null> {
  return converse(deps, closingContent(pending, answer));
}

/** The user message that ends a paused turn: the other calls' results and the pausing call's. */
export function closingContent(pending: Pending, answer: string): Anthropic.ToolResultBlockParam[] {
  if (pending.toolUseId === null) return pending.results;
  return [...pending.results, { type: "tool_result", tool_use_id: pending.toolUseId, content: answer }];
}

type Pause = Awaited & { toolUseId: string };

async function runCalls(deps: ConversationDeps, calls: Anthropic.ToolUseBlock[]) {
  const results: ToolResult[] = [];
  let pause: Pause | null = null;
  for (const call of calls) {
    if (pause) {
      results.push(
        toolError(call.id, "Not run: the turn paused for the user first. Call it again if still needed."),
      );
      continue;
    }
    const outcome = await runTool(deps.tools, call.name, call.input);
    if (outcome.kind === "result") {
      if (outcome.projectId) deps.project.current = outcome.projectId;
      results.push({
        type: "tool_result",
        tool_use_id: call.id,
        content: outcome.content,
        is_error: outcome.isError,
      });
    } else {
      pause = { ...awaitedOf(outcome), toolUseId: call.id };
      if (outcome.kind === "secret") deps.project.current = outcome.projectId;
    }
  }
  return { results, pause };
}

function awaitedOf(outcome: Extract<ToolOutcome, { kind: "ask" | "secret" }>): Awaited {
  if (outcome.kind === "ask")
    return { kind: "question", question: outcome.question, options: outcome.options };
  return outcome;
}

const toolError = (id: string, content: string): ToolResult => ({
  type: "tool_result",
  tool_use_id: id,
  content,
  is_error: true,
});

/** The answer's blocks as they go back into the next request (text and tool calls; nothing else is kept). */
function asParams(content: Anthropic.ContentBlock[]): Anthropic.ContentBlockParam[] {
  const params = content.flatMap((block): Anthropic.ContentBlockParam[] => {
    if (block.type === "text") return block.text ? [{ type: "text", text: block.text }] : [];
    if (block.type === "tool_use")
      return [{ type: "tool_use", id: block.id, name: block.name, input: block.input }];
    return [];
  });
  return params.length > 0 ? params : [{ type: "text", text: "(no answer)" }];
}

/** Past the size limit, the older half of the conversation becomes a model-written summary. */
async function compactIfLong(deps: ConversationDeps): Promise<void> {
  const { history, limits } = deps;
  if (history.size() <= limits.historyMaxChars) return;
  const cut = history.cutPoint(limits.historyMaxChars / 2);
  if (cut === null) return;
  const response = await deps.client.messages.create({
    model: deps.settings.model,
    max_tokens: 1024,
    system: SUMMARY_PROMPT,
    messages: [{ role: "user", content: transcript(history.before(cut)) }],
  });
  await deps.recordUsage(response.usage, deps.project.current);
  const summary = response.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("\n");
  history.replaceBefore(cut, summary.trim() || "(nothing to summarise)");
}

const clip = (text: string, max = 600) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** The messages as plain text for the summariser: no tool pairing rules to honour there. */
export function transcript(messages: Anthropic.MessageParam[]): string {
  const lines: string[] = [];
  for (const message of messages) {
    const who = message.role === "user" ? "User" : "Product Owner";
    if (typeof message.content === "string") {
      lines.push(`${who}: ${clip(message.content)}`);
      continue;
    }
    for (const block of message.content) {
      if (block.type === "text") lines.push(`${who}: ${clip(block.text)}`);
      else if (block.type === "tool_use")
        lines.push(`(tool ${block.name} ${clip(JSON.stringify(block.input), 300)})`);
      else if (block.type === "tool_result") {
        const text = typeof block.content === "string" ? block.content : JSON.stringify(block.content ?? "");
        lines.push(`(result ${clip(text, 300)})`);
      }
    }
  }
  return lines.join("\n");
}
