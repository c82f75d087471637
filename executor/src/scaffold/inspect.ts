/**
 * A template read, not rendered: its questions as `copier.yml` writes them (through the same
 * parser a render uses, config.ts), its messages and subdirectory, and where it came from. Nothing
 * of the template runs, and no Jinja is rendered: defaults, validators and `when` stay raw, for the
 * caller to show or to answer.
 *
 *   const inspection = await inspectTemplate({ source: { url, version: ">=1,<2" }, cacheDir, log });
 */
import type { CopierInspection, TemplateChoice, TemplateQuestion } from "@codegen-orchestrator/shared";
import { inferType } from "./cast.ts";
import { loadTemplateConfig, type QuestionSpec } from "./config.ts";
import { pyDisplay } from "./jinja/python.ts";
import { fetchTemplate, type RunScaffoldOptions, type ScaffoldSource } from "./run.ts";

export interface InspectOptions
  extends Pick<RunScaffoldOptions, "cacheDir" | "signal" | "deadlineAt" | "log"> {
  source: ScaffoldSource;
}

export async function inspectTemplate(options: InspectOptions): Promise<CopierInspection> {
  const template = await fetchTemplate(options.source, options);
  try {
    const config = loadTemplateConfig(template.root);
    const { settings } = config;
    return {
      file: config.file,
      questions: config.questions.map(describeQuestion),
      subdirectory: settings.subdirectory,
      messages: {
        beforeCopy: settings.message_before_copy,
        afterCopy: settings.message_after_copy,
        beforeUpdate: settings.message_before_update,
        afterUpdate: settings.message_after_update,
      },
      templateCommit: template.commit,
      templateRef: template.ref,
    };
  } finally {
    await template.dispose?.();
  }
}

/** YAML values as JSON: dates become ISO strings, and nothing undefined is left inside. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));

function describeQuestion(question: QuestionSpec): TemplateQuestion {
  const described: TemplateQuestion = {
    name: question.name,
    type: question.type ?? inferType(question.default),
    multiselect: question.multiselect,
    secret: question.secret,
  };
  if (question.help !== undefined) described.help = question.help;
  if (question.choices !== undefined) described.choices = choicesOf(question.choices);
  if (question.hasDefault) described.default = asJson(question.default);
  if (question.validator !== undefined) described.validator = question.validator;
  if (question.when !== undefined) described.when = question.when;
  if (question.placeholder !== undefined) described.placeholder = question.placeholder;
  return described;
}

/**
 * Choices in the template's order, as Copier reads them: a list of values (each its own label),
 * `[label, value]` pairs, or a mapping of labels to values (`{value, validator}` to disable one);
 * a string is Jinja that renders them, kept raw.
 */
function choicesOf(choices: NonNullable<QuestionSpec["choices"]>): TemplateChoice[] | string {
  if (typeof choices === "string") return choices;
  const pairs: [unknown, unknown][] = Array.isArray(choices)
    ? choices.map((item) => (Array.isArray(item) && item.length === 2 ? [item[0], item[1]] : [item, item]))
    : Object.entries(choices).map(([label, value]) => [label, value ?? label]);
  return pairs.map(([label, value]) => {
    const text = typeof label === "string" ? label : pyDisplay(label);
    if (value !== null && typeof value === "object" && !Array.isArray(value) && "value" in value) {
      const extended = value as { value: unknown; validator?: unknown };
      const choice: TemplateChoice = { label: text, value: asJson(extended.value) };
      if (typeof extended.validator === "string") choice.validator = extended.validator;
      return choice;
    }
    return { label: text, value: asJson(value) };
  });
}
