/**
 * A template's `copier.yml` questions as the Architect answers them: which ones the model is asked
 * (never a secret: those keep their defaults, or the deployer's values), which ones our code fills
 * from the spec (the project's name, its description), and the zod schema of the model's answers,
 * built from the questions themselves (types, choices, multiselect, help texts). Validators and
 * Jinja `when` conditions are the engine's to evaluate: a conditional question is optional here.
 *
 *   const schema = answersSchema(askableQuestions(template.questions));
 *   // { python_version: "3.11" | "3.12" | "3.13" (optional), port: int (optional), modules: [...] (optional), … }
 */
import { ModuleName, type TemplateAnswer, type TemplateQuestion } from "@codegen-orchestrator/shared";
import { z } from "zod";
import { baseName } from "../../domain/base-name.ts";

type Answers = Record<string, TemplateAnswer>;

/** Questions our code answers from the spec, by name, when they are plain text: what of the spec fills them. */
const FROM_SPEC: Record<string, "slug" | "description"> = {
  project_name: "slug",
  project_slug: "slug",
  description: "description",
  project_description: "description",
};

/** What a tool's input may name a property (the model API's own rule). */
const PROPERTY_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;

const TRUE_WORDS = ["y", "yes", "t", "true", "on", "1"];
const FALSE_WORDS = ["n", "no", "f", "false", "off", "~", "null", "none", "0", ""];

/** A `when` as written: a constant (a boolean, or a word Copier reads as one), else a condition. */
function whenOf(question: TemplateQuestion): "always" | "never" | "conditional" {
  const { when } = question;
  if (when === undefined || when === true) return "always";
  if (when === false) return "never";
  const word = when.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return "always";
  if (FALSE_WORDS.includes(word)) return "never";
  return "conditional";
}

const isPlainText = (question: TemplateQuestion) =>
  (question.type === "str" || question.type === "path") &&
  question.choices === undefined &&
  !question.multiselect;

const fromSpec = (question: TemplateQuestion) =>
  !question.secret && isPlainText(question) ? FROM_SPEC[question.name] : undefined;

/** The answers our code gives from the spec: the project's name and description, where the template asks them. */
export function answersFromSpec(
  questions: TemplateQuestion[],
  project: { slug: string; description: string },
): Answers {
  const answers: Answers = {};
  for (const question of questions) {
    const source = fromSpec(question);
    // The name as the template's and the playbooks' rule takes it (a letter first).
    if (source === "slug") answers[question.name] = baseName(project.slug);
    if (source === "description")
      answers[question.name] = project.description.split("\n")[0]?.slice(0, 200) || project.slug;
  }
  return answers;
}

/** The zod schema of one answer of the question's type, or null when the model cannot give one. */
function valueSchema(type: string): z.ZodType<string | number | boolean> | null {
  if (type === "str" || type === "path") return z.string().max(10_000);
  if (type === "int") return z.number().int();
  if (type === "float") return z.number();
  if (type === "bool") return z.boolean();
  // yaml, json, or a type that is itself Jinja: left to the default.
  return null;
}

/** The choices' values the question's type takes (a choice of another shape cannot be answered). */
function choiceValues(question: TemplateQuestion, value: z.ZodType): (string | number | boolean)[] | null {
  if (!Array.isArray(question.choices)) return null;
  return question.choices.flatMap((choice) => {
    const parsed = value.safeParse(choice.value);
    return parsed.success ? [parsed.data as string | number | boolean] : [];
  });
}

/** What the model reads of a question: its help, its choices' labels, its default. */
function describe(question: TemplateQuestion): string {
  const parts = [question.help?.trim()];
  if (Array.isArray(question.choices)) {
    const labelled = question.choices.filter((choice) => choice.label !== String(choice.value));
    if (labelled.length)
      parts.push(`choices: ${labelled.map((c) => `${JSON.stringify(c.value)} = ${c.label}`).join(", ")}`);
  }
  const { default: fallback } = question;
  // A string default is a Jinja template: shown only when it is plain text.
  if (fallback !== undefined && !(typeof fallback === "string" && /{{|{%/.test(fallback)))
    parts.push(`default: ${JSON.stringify(fallback)}`);
  if (question.placeholder) parts.push(`e.g. ${question.placeholder}`);
  if (whenOf(question) === "conditional") parts.push("asked only in some cases: answer it if it applies");
  return parts.filter(Boolean).join("; ");
}

/** The schema of a question's answer, or null when the model is not asked it. */
function questionSchema(question: TemplateQuestion): z.ZodType<TemplateAnswer> | null {
  const value = valueSchema(question.type);
  if (!value) return null;
  const values = choiceValues(question, value);
  if (values?.length === 0) return null;
  const one = values
    ? z.literal(values as [string | number | boolean, ...(string | number | boolean)[]])
    : value;
  const answer = question.multiselect ? z.array(one).max(values?.length ?? 100) : one;
  const description = describe(question);
  return description ? answer.describe(description) : answer;
}

/**
 * The questions the model answers: not secret, not filled from the spec, not hidden by a constant
 * `when`, named as a tool's property may be, and of a type (and choices) it can give.
 */
export function askableQuestions(questions: TemplateQuestion[]): TemplateQuestion[] {
  return questions.filter(
    (question) =>
      !question.secret &&
      !fromSpec(question) &&
      whenOf(question) !== "never" &&
      PROPERTY_NAME.test(question.name) &&
      questionSchema(question) !== null,
  );
}

/**
 * The schema of the model's answers to these questions, each described by its help. A question
 * with a default, or asked only under a condition, may be left out (`required`: none may); answers
 * to questions not listed are dropped.
 */
export function answersSchema(
  questions: TemplateQuestion[],
  options: { required?: boolean } = {},
): z.ZodType<Answers> {
  const shape: Record<string, z.ZodType<TemplateAnswer | undefined>> = {};
  for (const question of questions) {
    const schema = questionSchema(question);
    if (!schema) continue;
    const optional = question.default !== undefined || whenOf(question) === "conditional";
    shape[question.name] = optional && !options.required ? schema.optional() : schema;
  }
  return z.object(shape) as unknown as z.ZodType<Answers>;
}

/** The project's modules: the answer to a multiselect `modules` question, when the template asks one. */
export function modulesOf(answers: Answers | undefined): string[] {
  const modules = answers?.modules;
  if (!Array.isArray(modules)) return [];
  return modules.filter((module): module is string => ModuleName.safeParse(module).success);
}
