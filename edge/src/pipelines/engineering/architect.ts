/**
 * Architect: the model turns the conversation into the project's spec through forced, validated
 * tool calls. It chooses the template from the catalog's ready ones (unless the project names one),
 * then writes the spec (name, description, acceptance criteria) and answers that template's own
 * questions, the tool's schema built from them (template-questions.ts). When the template's
 * validators refuse answers, `fixAnswers` gives the model their messages and takes its corrections.
 */
import type {
  ProjectSpec,
  TemplateAnswer,
  TemplateOffer,
  TemplateQuestion,
} from "@codegen-orchestrator/shared";
import { z } from "zod";
import type { Env } from "../../env.ts";
import { forcedToolCall, type ToolAnswer } from "../../models/model-call.ts";
import type { Usage } from "../../models/pricing.ts";
import { answersFromSpec, answersSchema, askableQuestions, modulesOf } from "./template-questions.ts";

export interface ArchitectProject {
  name: string;
  slug: string;
  description: string;
}

/** What the Architect is given to build from: the templates offered (one when the project keeps its own), or none. */
export interface ArchitectCatalogView {
  kept: boolean;
  offered: TemplateOffer[];
}

export interface ArchitectResult {
  spec: ProjectSpec;
  costUsd: number;
  usage: Usage;
}

type Answers = Record<string, TemplateAnswer>;

const ROLE = `You are the Architect of a system that builds and deploys small web services from a chat.`;

const CHOOSE_PROMPT = `${ROLE}
Choose the template the service in the conversation is best built from: each template is a working starting point in its own language and stack, and says what it builds. Prefer what the user asked for (a language, a stack); otherwise the simplest template that fits. Call choose_template once.`;

const specPrompt = (template: TemplateOffer | null) => `${ROLE}
From the conversation and the project below, write the spec a developer implements and a tester checks.
${
  template
    ? `The service is built from the template ${template.name} (${template.title}): ${template.description}
It already has what that says. Answer the template's own questions in "answers" as this service needs them (each says what it means; leave out one to keep its default). The project's name and description are filled in for you.`
    : "The service is in an existing repository."
}
Acceptance criteria are short, checkable statements (an endpoint, a status code, a behaviour). Call submit_spec once.`;

const FIX_PROMPT = `${ROLE}
The template's validators refused some of the answers you gave to its questions. Give a corrected answer to each question listed, one its validator accepts (read its message), keeping to what the service needs. Call fix_answers once.`;

const projectText = (project: ArchitectProject, conversation: string) =>
  `Project: ${project.name}\nDescription: ${project.description}\n\nConversation:\n${conversation || "(none: the project was created through the API)"}`;

/** The sum of the calls' token use, priced together. */
function total(calls: ToolAnswer<unknown>[]): { costUsd: number; usage: Usage } {
  const sum = (pick: (usage: Usage) => number | null | undefined) =>
    calls.reduce((n, call) => n + (pick(call.usage) ?? 0), 0);
  return {
    costUsd: calls.reduce((n, call) => n + call.costUsd, 0),
    usage: {
      input_tokens: sum((usage) => usage.input_tokens),
      output_tokens: sum((usage) => usage.output_tokens),
      cache_read_input_tokens: sum((usage) => usage.cache_read_input_tokens),
      cache_creation_input_tokens: sum((usage) => usage.cache_creation_input_tokens),
    },
  };
}

/** The spec: the template chosen (or kept), then the spec and that template's answers. */
export async function architect(
  env: Env,
  project: ArchitectProject,
  conversation: string,
  catalog: ArchitectCatalogView | null,
): Promise<ArchitectResult> {
  const calls: ToolAnswer<unknown>[] = [];
  let template: TemplateOffer | null = catalog?.offered[0] ?? null;
  if (catalog && !catalog.kept && catalog.offered.length > 1) {
    const chosen = await chooseTemplate(env, project, conversation, catalog.offered);
    calls.push(chosen);
    template = catalog.offered.find((offered) => offered.name === chosen.input.template) ?? template;
  }
  const written = await writeSpec(env, project, conversation, template);
  calls.push(written.call);
  return { spec: written.spec, ...total(calls) };
}

async function chooseTemplate(
  env: Env,
  project: ArchitectProject,
  conversation: string,
  offered: TemplateOffer[],
) {
  const names = offered.map((template) => template.name) as [string, ...string[]];
  const listed = offered
    .map((t) => `- ${t.name}: ${t.title}. ${t.description}${t.tags.length ? ` (${t.tags.join(", ")})` : ""}`)
    .join("\n");
  return forcedToolCall(env, {
    role: "architect",
    caller: "The Architect",
    system: CHOOSE_PROMPT,
    prompt: `${projectText(project, conversation)}\n\nTemplates:\n${listed}`,
    tool: {
      name: "choose_template",
      description: "The template the service is built from.",
      input: z.strictObject({
        template: z.enum(names).describe("the template's name"),
        reason: z.string().max(1000).describe("why it fits, in one sentence"),
      }),
    },
  });
}

/** The spec, and the template's answers: the model's to its askable questions, ours from the spec. */
async function writeSpec(
  env: Env,
  project: ArchitectProject,
  conversation: string,
  template: TemplateOffer | null,
): Promise<{ spec: ProjectSpec; call: ToolAnswer<unknown> }> {
  const askable = template ? askableQuestions(template.questions) : [];
  const input = z.strictObject({
    name: z.string().trim().min(1).max(100),
    description: z.string().min(1).max(10_000).describe("what to build: endpoints, data, behaviour"),
    acceptance_criteria: z.array(z.string().min(1).max(500)).min(1).max(20).describe("checkable statements"),
    ...(askable.length ? { answers: answersSchema(askable).describe("the template's questions") } : {}),
  });
  const call = await forcedToolCall(env, {
    role: "architect",
    caller: "The Architect",
    system: specPrompt(template),
    prompt: projectText(project, conversation),
    tool: { name: "submit_spec", description: "The project's spec.", input },
  });
  const { name, description, acceptance_criteria } = call.input;
  const spec = { name, description, acceptanceCriteria: acceptance_criteria };
  if (!template) return { spec: { ...spec, modules: [] }, call };
  const given = ("answers" in call.input ? call.input.answers : undefined) as Answers | undefined;
  const answers = { ...given, ...answersFromSpec(template.questions, project) };
  const chosen = { id: template.id, name: template.name, title: template.title };
  return { spec: { ...spec, modules: modulesOf(answers), template: chosen, answers }, call };
}

/** A refused answer, as the engine reported it: the question and its validator's message. */
export interface RefusedAnswer {
  question: string;
  message: string;
}

/** The model's corrections of refused answers, merged into the spec (its modules follow). */
export async function fixAnswers(
  env: Env,
  input: { spec: ProjectSpec; questions: TemplateQuestion[]; refused: RefusedAnswer[] },
): Promise<ArchitectResult> {
  const { spec, questions, refused } = input;
  const asked = questions.filter((question) => refused.some((item) => item.question === question.name));
  const listed = refused
    .map(({ question, message }) => {
      const given = spec.answers?.[question];
      const answered =
        given === undefined ? "you left it to its default" : `you answered ${JSON.stringify(given)}`;
      return `- ${question}: ${answered}; the validator said: ${message}`;
    })
    .join("\n");
  const call = await forcedToolCall(env, {
    role: "architect",
    caller: "The Architect",
    system: FIX_PROMPT,
    prompt: `Project: ${spec.name}\nDescription: ${spec.description}\nTemplate: ${spec.template?.name}\n\nRefused answers:\n${listed}`,
    tool: {
      name: "fix_answers",
      description: "Corrected answers to the refused questions.",
      input: z.strictObject({ answers: answersSchema(asked, { required: true }) }),
    },
  });
  const answers = { ...spec.answers, ...call.input.answers };
  return { spec: { ...spec, answers, modules: modulesOf(answers) }, ...total([call]) };
}
