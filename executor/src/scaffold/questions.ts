/**
 * Answers for a template's questions, resolved without a prompt: from the caller's data, else
 * (with `defaults`) from the rendered defaults. Every failing question is collected, so one
 * error lists them all.
 */

import { CastError, castAnswer, castToBool, inferType, QUESTION_TYPES, type QuestionType } from "./cast.ts";
import type { QuestionSpec } from "./config.ts";
import { type QuestionProblem, ScaffoldError } from "./errors.ts";
import { pyDisplay } from "./jinja/python.ts";
import type { TemplateRenderer } from "./jinja/renderer.ts";
import { parsePyYaml } from "./pyyaml.ts";

export interface AnswerOptions {
  /** Answers given by the caller (CLI `--data` text or job-spec JSON). */
  data: Record<string, unknown>;
  /** Unanswered questions take their defaults; without it they are errors. */
  defaults: boolean;
}

export interface ResolvedAnswers {
  /** Every answer, for rendering (secret and hidden ones included). */
  all: Record<string, unknown>;
  /** What the answers file keeps: no secrets, no skipped questions, in question order. */
  remembered: Record<string, unknown>;
}

interface Choice {
  label: string;
  value: unknown;
  /** A non-empty reason disables the choice. */
  disabledBecause: string;
}

const MISSING = Symbol("missing");

/** What an interactive caller shows for one question. */
export interface Prompt {
  name: string;
  help?: string;
  placeholder?: string;
  secret: boolean;
  type: QuestionType;
  multiselect: boolean;
  choices: { label: string; value: unknown; disabledBecause: string }[] | null;
  /** The rendered default (undefined: none). */
  default: unknown;
}

/** Asks for one answer; `problem` says why the previous one was refused. */
export type Ask = (prompt: Prompt, problem: string | null) => Promise<string>;

/** An interactive caller is asked again after a refused answer, this many times at most. */
const MAX_ATTEMPTS = 5;

/** A question's typed answer, or why it is refused. */
type Outcome = { value: unknown } | { problem: string };

/** Renders a template of a question (`extra`: variables on top of the answers so far). */
type Render = (template: string, question: string, extra?: Record<string, unknown>) => Promise<string>;

export async function resolveAnswers(
  questions: QuestionSpec[],
  env: TemplateRenderer,
  baseContext: Record<string, unknown>,
  options: AnswerOptions & {
    ask?: Ask;
    /** Variables that follow the answers so far (`_external_data`), given before each question. */
    following?: (context: Record<string, unknown>) => Promise<Record<string, unknown>>;
  },
): Promise<ResolvedAnswers> {
  const all: Record<string, unknown> = {};
  const remembered: Record<string, unknown> = {};
  const problems: QuestionProblem[] = [];
  let followed: Record<string, unknown> = {};
  const context = () => ({ ...baseContext, ...followed, ...options.data, ...all });
  const render: Render = (template, question, extra = {}) =>
    env.render(template, { ...context(), ...extra }, `copier.yml (question \`${question}\`)`);

  for (const question of questions) {
    const fail = (message: string) => problems.push({ question: question.name, message });
    try {
      if (options.following) followed = await options.following(context());
      const asked = await prepareQuestion(question, render);
      if (asked.type === "float") env.floats.add(question.name);
      const outcome = await answerOf(asked, options);
      if (outcome === null) continue;
      if ("problem" in outcome) {
        fail(outcome.problem);
        continue;
      }
      all[question.name] = outcome.value;
      if (asked.visible && !question.secret) remembered[question.name] = outcome.value;
    } catch (error) {
      fail(failureText(error));
    }
  }
  if (problems.length > 0) throw invalidAnswers(problems);
  return { all, remembered };
}

/** Why an answer is refused: a cast's or a template's error; anything else is thrown on. */
function failureText(error: unknown): string {
  if (error instanceof CastError) return error.message;
  if (error instanceof ScaffoldError && error.code === "template_error") return error.message;
  throw error;
}

/** One error listing every question whose answer was refused. */
function invalidAnswers(problems: QuestionProblem[]): ScaffoldError {
  const list = problems.map((p) => `${p.question}: ${p.message}`).join("; ");
  return new ScaffoldError(
    "invalid_answers",
    `${problems.length} invalid answer${problems.length > 1 ? "s" : ""}: ${list}`,
    {
      questions: problems,
    },
  );
}

/** A question with its type, choices and visibility settled, ready to check answers. */
interface PreparedQuestion {
  question: QuestionSpec;
  type: QuestionType;
  choices: Choice[] | null;
  /** False when its `when` is false: it is skipped, and its default taken without a check. */
  visible: boolean;
  /** The rendered default, or MISSING. */
  fallback: () => Promise<unknown>;
  /** The typed answer, or why it is refused; `validate` runs the question's validator. */
  check: (raw: unknown, validate: boolean) => Promise<Outcome>;
}

async function prepareQuestion(question: QuestionSpec, render: Render): Promise<PreparedQuestion> {
  const type = await questionType(question, render);
  const choices = question.choices === undefined ? null : await parseChoices(question, type, render);
  const when = question.when ?? true;
  const visible = castToBool(typeof when === "string" ? await render(when, question.name) : when);
  const fallback = async () =>
    question.hasDefault ? await renderDefault(question.default, question.name, render) : MISSING;
  const check = async (raw: unknown, validate: boolean): Promise<Outcome> => {
    try {
      const value = parseAnswer(question, type, choices, raw);
      const message =
        validate && question.validator
          ? (await render(question.validator, question.name, { [question.name]: value })).trim()
          : "";
      return message ? { problem: message } : { value };
    } catch (error) {
      return { problem: failureText(error) };
    }
  };
  return { question, type, choices, visible, fallback, check };
}

/**
 * The answer from the data, else the default (for a skipped question, or with `defaults`), else
 * from a person; null for a skipped question without a default.
 */
async function answerOf(
  asked: PreparedQuestion,
  options: AnswerOptions & { ask?: Ask },
): Promise<Outcome | null> {
  const { question, visible } = asked;
  if (Object.hasOwn(options.data, question.name)) return await asked.check(options.data[question.name], true);
  if (!visible || options.defaults) {
    const raw = await asked.fallback();
    // Copier validates visible defaults; a skipped question's or a secret's default is trusted.
    if (raw !== MISSING) return await asked.check(raw, visible && !question.secret);
    return visible ? { problem: "is required: it has no default" } : null;
  }
  if (options.ask) return await askFor(asked, options.ask);
  return { problem: "needs an answer: pass it in the data, or use the defaults" };
}

/** Asks a person, again after a refused answer (MAX_ATTEMPTS in all); an empty answer takes the default. */
async function askFor(asked: PreparedQuestion, ask: Ask): Promise<Outcome | null> {
  const { question, type, choices } = asked;
  const raw = await asked.fallback();
  const prompt: Prompt = {
    name: question.name,
    help: question.help,
    placeholder: question.placeholder,
    secret: question.secret,
    type,
    multiselect: question.multiselect,
    choices,
    default: raw === MISSING ? undefined : raw,
  };
  let outcome: Outcome | null = null;
  let problem: string | null = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS && !(outcome && "value" in outcome); attempt++) {
    const input = await ask(prompt, problem);
    outcome = await asked.check(input === "" && raw !== MISSING ? raw : input, true);
    problem = "problem" in outcome ? outcome.problem : null;
  }
  return outcome;
}

async function questionType(question: QuestionSpec, render: Render): Promise<QuestionType> {
  const declared = question.type ? (await render(question.type, question.name)).trim() : "";
  const type = declared || inferType(question.default);
  if (!QUESTION_TYPES.includes(type)) throw new CastError(`unsupported type "${type}"`);
  return type as QuestionType;
}

/** A string default is a template; so is each string item of a list default. */
async function renderDefault(value: unknown, name: string, render: Render): Promise<unknown> {
  if (typeof value === "string") return await render(value, name);
  if (Array.isArray(value))
    return await Promise.all(value.map((item) => (typeof item === "string" ? render(item, name) : item)));
  return value;
}

async function parseChoices(question: QuestionSpec, type: QuestionType, render: Render): Promise<Choice[]> {
  const raw: unknown =
    typeof question.choices === "string"
      ? parsePyYaml(await render(question.choices, question.name))
      : question.choices;
  const pairs: [unknown, unknown][] = Array.isArray(raw)
    ? raw.map((item) => (Array.isArray(item) && item.length === 2 ? [item[0], item[1]] : [item, item]))
    : Object.entries((raw ?? {}) as Record<string, unknown>).map(([label, value]) => [label, value ?? label]);
  const choices: Choice[] = [];
  for (const [label, value] of pairs) {
    let disabledBecause = "";
    let choiceValue = value;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const extended = value as { value?: unknown; validator?: unknown };
      if (!("value" in extended)) throw new CastError(`a choice of \`${question.name}\` has no \`value\``);
      choiceValue = extended.value;
      if (typeof extended.validator === "string")
        disabledBecause = (await render(extended.validator, question.name)).trim();
    }
    if (typeof choiceValue === "string") choiceValue = await render(choiceValue, question.name);
    choices.push({
      label: typeof label === "string" ? await render(label, question.name) : pyDisplay(label),
      value: castAnswer(type, choiceValue),
      disabledBecause,
    });
  }
  return choices;
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function pickChoice(choices: Choice[], value: unknown): unknown {
  const match = choices.find((choice) => sameValue(choice.value, value));
  if (!match) {
    throw new CastError(
      `${JSON.stringify(value)} is not one of the choices (${choices.map((c) => JSON.stringify(c.value)).join(", ")})`,
    );
  }
  if (match.disabledBecause) throw new CastError(`invalid choice: ${match.disabledBecause}`);
  return match.value;
}

function parseAnswer(
  question: QuestionSpec,
  type: QuestionType,
  choices: Choice[] | null,
  raw: unknown,
): unknown {
  if (!question.multiselect) {
    const value = castAnswer(type, raw);
    return choices ? pickChoice(choices, value) : value;
  }
  const items = typeof raw === "string" ? parsePyYaml(raw) : raw;
  if (!Array.isArray(items)) throw new CastError(`expected a list, got ${JSON.stringify(raw)}`);
  const picked = items.map((item) => {
    const value = castAnswer(type, item);
    return choices ? pickChoice(choices, value) : value;
  });
  // Copier answers a multiselect in the order of its choices, without repeats.
  return choices ? choices.map((c) => c.value).filter((v) => picked.some((p) => sameValue(p, v))) : picked;
}
