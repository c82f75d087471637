/**
 * The model side of pipeline tests, on the loopback Messages API: the Architect's forced calls
 * (`choose_template`: Python when the project asks for it, else Node; `submit_spec` with the
 * template's `modules` answer and any answers given for that template), and a scripted Developer
 * for the real Claude Code CLI. The Developer's script is chosen by the project's name (in the
 * prompt) and the iteration (how many prompts the resumed session holds); each step is one tool
 * call, and after the last one the agent is done.
 */
import type { MessagesRequest, Step } from "../../executor/test/support/fake-anthropic.ts";

/** Per project name: the shell commands of each iteration (an empty list: change nothing). */
export type DeveloperScripts = Record<string, (iteration: number, prompt: string) => string[]>;

type Block = { type: string; text?: string };
const blocks = (content: MessagesRequest["messages"][number]["content"]): Block[] =>
  typeof content === "string" ? [{ type: "text", text: content }] : content;

/** A new instruction (not a tool result, which Claude Code may also send with text beside it). */
const isPrompt = (message: MessagesRequest["messages"][number]) =>
  message.role === "user" &&
  blocks(message.content).some((block) => block.type === "text") &&
  !blocks(message.content).some((block) => block.type === "tool_result");

/** The EnvAnalyzer's answers: variable name → its classification (unlisted: `user`). */
export type EnvClasses = Record<string, { kind: "computed" | "generated" | "user"; value?: string }>;

/** Per template name: the Architect's answers to that template's questions (only those it asks are given). */
export type TemplateAnswers = Record<string, Record<string, unknown>>;

export function pipelineModel(
  scripts: DeveloperScripts,
  envClasses: EnvClasses = {},
  templateAnswers: TemplateAnswers = {},
) {
  return (request: MessagesRequest): Step => {
    const tools = (request.tools ?? []) as { name: string; input_schema?: unknown }[];
    const text = JSON.stringify(request.messages);
    if (tools.some((tool) => tool.name === "classify_env")) {
      const names = [...text.matchAll(/- ([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1] as string);
      const variables = names.map((name) => ({ name, ...(envClasses[name] ?? { kind: "user" }) }));
      return { tool: { name: "classify_env", input: { variables } } };
    }
    const projectName = /Project: ([^\\]+)\\n/.exec(text)?.[1] ?? "Service";
    // The Architect picks a template the project names ("Built from compose-notes."), else the
    // Python one when the project asks for Python, else the Node one.
    const chooser = tools.find((tool) => tool.name === "choose_template");
    if (chooser) {
      const offered: string[] = (chooser.input_schema as any)?.properties?.template?.enum ?? [];
      const named = offered.find((name) => projectLines(text).includes(`Built from ${name}.`));
      const template = named ?? (/python/i.test(projectLines(text)) ? "python-service" : "node-service");
      return { tool: { name: "choose_template", input: { template, reason: "It fits." } } };
    }
    const spec = tools.find((tool) => tool.name === "submit_spec");
    if (spec)
      return submitSpec(
        projectName,
        specQuestions(spec).length ? specAnswers(request, spec, projectName, templateAnswers) : null,
      );
    if (!tools.some((tool) => tool.name === "Bash")) return { text: "ok" };
    const prompts = request.messages.filter(isPrompt);
    const last = request.messages.lastIndexOf(prompts.at(-1) as (typeof request.messages)[number]);
    const done = request.messages.slice(last + 1).filter((message) => message.role === "user").length;
    const prompt = blocks(prompts.at(-1)?.content ?? "")
      .map((block) => block.text ?? "")
      .join("\n");
    const project = Object.keys(scripts).find((name) => text.includes(name));
    const commands = project ? (scripts[project]?.(prompts.length, prompt) ?? []) : [];
    const command = commands[done];
    if (command === undefined) return { text: `Iteration ${prompts.length} done.` };
    return { tool: { name: "Bash", input: { command, description: `step ${done + 1}` } } };
  };
}

/** The spec; `answers` whenever the tool asks for them (the schema requires the object, if empty). */
const submitSpec = (name: string, answers: Record<string, unknown> | null): Step => ({
  tool: {
    name: "submit_spec",
    input: {
      name,
      description: `${name}: shortens links; GET /health answers 200.`,
      acceptance_criteria: ["GET /health answers 200", "POST /links returns a short code"],
      ...(answers ? { answers } : {}),
    },
  },
});

/**
 * The answers to the questions `submit_spec` asks: `modules` (a database for a shortener), then
 * those given for the template the system prompt names ("built from the template <name> (…)").
 */
function specAnswers(
  request: MessagesRequest,
  spec: { input_schema?: unknown },
  projectName: string,
  templateAnswers: TemplateAnswers,
): Record<string, unknown> {
  const asks = specQuestions(spec);
  const template = /built from the template (\S+) \(/.exec(JSON.stringify(request.system ?? ""))?.[1] ?? "";
  const modules = projectName.includes("Shortener") ? ["database"] : [];
  const given = { modules, ...templateAnswers[template] };
  return Object.fromEntries(Object.entries(given).filter(([question]) => asks.includes(question)));
}

/** The project's lines of the Architect's prompt ("Project: …", "Description: …"), as JSON text. */
export const projectLines = (text: string) =>
  (/Project: (.*?)\\n\\nConversation/.exec(text)?.[1] ?? "").replaceAll("\\n", " ");

/** The template questions the Architect's `submit_spec` tool asks (its `answers` properties). */
export function specQuestions(tool: { input_schema?: unknown }): string[] {
  const schema = tool.input_schema as { properties?: { answers?: { properties?: object } } } | undefined;
  return Object.keys(schema?.properties?.answers?.properties ?? {});
}

/** Writes (or appends to) a file from the shell: a heredoc keeps the content as it is. */
export const writeFile = (file: string, content: string) => `cat > ${file} <<'EOF'\n${content}\nEOF`;
export const appendFile = (file: string, content: string) => `cat >> ${file} <<'EOF'\n${content}\nEOF`;

// A link shortener's module and its test: the buggy code fails the test, the fixed one passes.
export const LINKS_TEST = `import assert from "node:assert/strict";
import { test } from "node:test";
import { shorten } from "../src/links.js";

test("shorten gives a 6-character code", () => {
  assert.equal(shorten("https://example.com", new Map()).length, 6);
});`;
const linksModule = (code: string) =>
  `import { randomBytes } from "node:crypto";\n\nexport function shorten(url, store) {\n  const code = ${code};\n  store.set(code, url);\n  return code;\n}`;
export const BUGGY_LINKS = linksModule("String(store.size)");
export const FIXED_LINKS = linksModule('randomBytes(3).toString("hex")');
