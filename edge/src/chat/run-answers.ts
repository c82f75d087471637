/**
 * A run's template questions in the chat (the `answers` request): one question at a time, with its
 * help, the answer the template refused and its validator's message; a `choices` question has its
 * choices as buttons (`ans:<choice>:<question>`), any question takes a message, read as its type
 * (answer-values.ts). A value that does not read is asked again, saying why; once every question
 * has its answer, they go to the run (`answerRun`, as `POST /runs/{id}/answers` sends them).
 *
 *   const prompt = answerPrompt(pending);              // the current question, html + buttons
 *   const step = nextAnswer(pending, "8080");          // the next question, or all answers, or why not
 */
import type { TemplateAnswer } from "@codegen-orchestrator/shared";
import { answerHint, readAnswer, shown } from "../pipelines/engineering/answer-values.ts";
import { bold, code, escapeHtml } from "../telegram/format.ts";
import type { Keyboard } from "./channel.ts";
import type { Pending } from "./po/conversation.ts";

export type AnswersPending = Extract<Pending, { kind: "answers" }>;

/** More choices than this are listed in the text, not as buttons. */
const MAX_BUTTONS = 20;

/** The question the request is at. */
const current = (pending: AnswersPending) => pending.questions[pending.index];

/** The current question as a message: what it asks, what was refused and why, how to answer. */
export function answerPrompt(
  pending: AnswersPending,
  problem?: string,
): { html: string; keyboard: Keyboard } {
  const question = current(pending);
  if (!question) return { html: "", keyboard: [] };
  const { questions, index } = pending;
  const position = questions.length > 1 ? ` (question ${index + 1} of ${questions.length})` : "";
  const refused = question.refused === null ? "its default" : code(shown(question.refused));
  const choices = question.choices ?? [];
  const buttons = !question.multiselect && choices.length > 0 && choices.length <= MAX_BUTTONS;
  const listed =
    choices.length && !buttons
      ? `Choices: ${choices.map((choice) => `${code(shown(choice.value))} (${escapeHtml(choice.label)})`).join(", ")}`
      : "";
  const lines = [
    problem ? `⚠️ ${escapeHtml(problem)}.` : "",
    `📝 ${bold("A question for you")}${position}. Run ${code(pending.runId)}: the template ${code(pending.template)} refused the answer to ${code(question.name)}.`,
    question.help ? `<i>${escapeHtml(question.help)}</i>` : "",
    `Refused: ${refused}. Its validator said: ${escapeHtml(question.message)}`,
    listed,
    `${answerHint(question)} Or /cancel, and answer later with POST /api/v1/runs/${pending.runId}/answers.`,
  ];
  const keyboard: Keyboard = buttons
    ? choices.map((choice, i) => [{ text: choice.label.slice(0, 60), data: `ans:${i}:${index}` }])
    : [];
  return { html: lines.filter(Boolean).join("\n"), keyboard };
}

/** The text a button of the current question stands for; undefined for another question's button. */
export function answerOption(pending: AnswersPending, choice: number, question: number): string | undefined {
  if (question !== pending.index) return undefined;
  const value = current(pending)?.choices?.[choice]?.value;
  return value === undefined ? undefined : shown(value);
}

/** What a message does to the request: asks the next question, gives every answer, or asks again. */
export function nextAnswer(
  pending: AnswersPending,
  text: string,
):
  | { next: AnswersPending }
  | { done: Record<string, TemplateAnswer> }
  | { again: string }
  | { closed: true } {
  const question = current(pending);
  if (!question) return { closed: true };
  const read = readAnswer(question, text);
  if ("error" in read) return { again: read.error };
  const answers = { ...pending.answers, [question.name]: read.value };
  if (pending.index + 1 >= pending.questions.length) return { done: answers };
  return { next: { ...pending, index: pending.index + 1, answers } };
}

/** The open request's question, for the chat's reminder. */
export const answerSubject = (pending: AnswersPending) =>
  `your answer to ${code(current(pending)?.name ?? "?")} for run ${code(pending.runId)}`;
