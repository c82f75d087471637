/**
 * A template's question as a run asks its user (`AskedQuestion`: its help, its choices, the answer
 * refused and the validator's message), and the user's answer read as that question's type: a
 * chat message's text or an API value becomes the value the scaffold passes, or a reason to ask
 * again. Never a `secret` question: those are not asked (their answers would stay in the chat).
 *
 *   readAnswer({ type: "int", … }, "8080")        // { value: 8080 }
 *   readAnswer({ type: "int", … }, "eighty")      // { error: "“eighty” is not a whole number" }
 *   readAnswer({ multiselect: true, choices, … }, "database, telegram")  // { value: ["database", "telegram"] }
 *
 * `yaml` and `json` answers go as text (the engine parses them, as Copier does its `--data`); JSON
 * is checked here, YAML by the engine (a text it cannot read comes back refused, and is asked again).
 */
import { type AskedQuestion, TemplateAnswer, type TemplateQuestion } from "@codegen-orchestrator/shared";

export type ReadAnswer = { value: TemplateAnswer } | { error: string };

const TRUE_WORDS = ["y", "yes", "t", "true", "on", "1"];
const FALSE_WORDS = ["n", "no", "f", "false", "off", "0"];
/** What a multiselect's text says for "none of them". */
const NONE = /^(none|nothing|-)$/i;
const MAX_TEXT = 10_000;

/** A YAML value as an answer the spec can hold: scalars and lists of scalars as they are, else JSON text. */
function asAnswer(value: unknown): TemplateAnswer {
  const parsed = TemplateAnswer.safeParse(value);
  return parsed.success ? parsed.data : JSON.stringify(value ?? null);
}

/** The question as the user is asked it, with the answer the template refused and why. */
export function askedQuestion(
  question: TemplateQuestion,
  refused: { given: TemplateAnswer | undefined; message: string },
): AskedQuestion {
  const choices = Array.isArray(question.choices)
    ? question.choices.map((choice) => ({ label: choice.label, value: asAnswer(choice.value) }))
    : undefined;
  return {
    name: question.name,
    type: question.type,
    ...(question.help?.trim() ? { help: question.help.trim() } : {}),
    ...(choices?.length ? { choices } : {}),
    multiselect: question.multiselect,
    refused: refused.given ?? null,
    message: refused.message,
  };
}

/** A value as the user would type it. */
export const shown = (value: TemplateAnswer): string =>
  Array.isArray(value) ? value.map(shown).join(", ") : String(value);

/** The user's answer (a message's text, or an API value) as the question's value, or why it is not one. */
export function readAnswer(question: AskedQuestion, raw: unknown): ReadAnswer {
  if (!question.multiselect) return readOne(question, raw);
  let items: unknown[];
  if (Array.isArray(raw)) items = raw;
  else if (typeof raw === "string")
    items = NONE.test(raw.trim()) ? [] : raw.split(",").flatMap((item) => item.trim() || []);
  else return { error: "give the values separated by commas (or “none”)" };
  if (items.length > 100) return { error: "at most 100 values" };
  const values: (string | number | boolean)[] = [];
  for (const item of items) {
    const one = readOne(question, item);
    if ("error" in one) return one;
    if (Array.isArray(one.value)) return { error: "one value per item, separated by commas" };
    if (!values.some((value) => value === one.value)) values.push(one.value);
  }
  // In the choices' order, as Copier answers a multiselect.
  const order = question.choices?.map((choice) => choice.value);
  if (order) values.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return { value: values };
}

function readOne(question: AskedQuestion, raw: unknown): ReadAnswer {
  const { choices } = question;
  if (!choices) return readTyped(question.type, raw);
  const same = (value: TemplateAnswer) => JSON.stringify(value) === JSON.stringify(raw);
  let match = choices.find((choice) => same(choice.value));
  const scalar = typeof raw === "number" || typeof raw === "boolean";
  const text = typeof raw === "string" ? raw.trim() : scalar ? String(raw) : null;
  if (!match && text !== null) {
    const lower = text.toLowerCase();
    match =
      choices.find((choice) => shown(choice.value) === text || choice.label === text) ??
      choices.find((choice) => [shown(choice.value), choice.label].some((s) => s.toLowerCase() === lower));
    // The type's reading of the text ("08080" for 8080, "yes" for true).
    const typed = match ? null : readTyped(question.type, text);
    if (typed && "value" in typed)
      match = choices.find((choice) => shown(choice.value) === shown(typed.value));
  }
  if (match) return { value: match.value };
  return { error: `choose one of: ${choices.map((choice) => choice.label).join(", ")}` };
}

/** The value of one answer of this type, from text or a JSON value. */
function readTyped(type: string, raw: unknown): ReadAnswer {
  const text = typeof raw === "string" ? raw.trim() : null;
  const quoted = `“${text ?? JSON.stringify(raw)}”`;
  switch (type) {
    case "int": {
      const number = text !== null && /^[+-]?\d(_?\d)*$/.test(text) ? Number(text.replace(/_/g, "")) : raw;
      if (typeof number === "number" && Number.isSafeInteger(number)) return { value: number };
      return { error: `${quoted} is not a whole number` };
    }
    case "float": {
      const number = text !== null && text !== "" ? Number(text.replace(/_/g, "")) : raw;
      if (typeof number === "number" && Number.isFinite(number)) return { value: number };
      return { error: `${quoted} is not a number` };
    }
    case "bool": {
      if (typeof raw === "boolean") return { value: raw };
      if (typeof raw === "number") return { value: raw !== 0 };
      const word = (text ?? "").toLowerCase();
      if (TRUE_WORDS.includes(word)) return { value: true };
      if (FALSE_WORDS.includes(word)) return { value: false };
      return { error: `${quoted} is not yes or no` };
    }
    case "json":
    case "yaml":
      if (text === null) return { value: asAnswer(raw) };
      if (type === "json") {
        try {
          JSON.parse(text);
        } catch (err) {
          return { error: `${quoted} is not JSON (${(err as Error).message})` };
        }
      }
      return text.length > MAX_TEXT ? { error: `at most ${MAX_TEXT} characters` } : { value: text };
    default: {
      // str, path, or a type written in Jinja: the text as given.
      if (typeof raw === "number" || typeof raw === "boolean") return { value: String(raw) };
      if (text === null) return { error: "give it as text" };
      return text.length > MAX_TEXT ? { error: `at most ${MAX_TEXT} characters` } : { value: text };
    }
  }
}

/** What the question takes, in a few words: for the chat's prompt and its re-prompt. */
export function answerHint(question: AskedQuestion): string {
  if (question.multiselect)
    return question.choices
      ? "Reply with the ones you want, separated by commas (or “none”)."
      : "Reply with the values, separated by commas (or “none”).";
  if (question.choices) return "Choose one below, or reply with its value.";
  const hints: Record<string, string> = {
    int: "Reply with a whole number.",
    float: "Reply with a number.",
    bool: "Reply yes or no.",
    json: "Reply with a JSON value.",
    yaml: "Reply with a YAML value.",
  };
  return hints[question.type] ?? "Reply with the text.";
}
