/**
 * A template's questions as the Architect answers them: the tool schema built from python-service's
 * own questions (as its inspection reads them), what our code fills from the spec, what is never
 * asked (a secret, a question a constant `when` hides, a type the model cannot give), and the
 * answers the Preparer passes.
 */
import type { TemplateQuestion } from "@codegen-orchestrator/shared";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PYTHON_TEMPLATE_ID } from "../src/domain/templates.ts";
import { scaffoldData } from "../src/pipelines/engineering/prepare.ts";
import {
  answersFromSpec,
  answersSchema,
  askableQuestions,
  modulesOf,
} from "../src/pipelines/engineering/template-questions.ts";

const question = (fields: Partial<TemplateQuestion> & { name: string }): TemplateQuestion => ({
  type: "str",
  multiselect: false,
  secret: false,
  ...fields,
});

/** templates/python-service/copier.yml, as the inspect job reports it. */
const PYTHON_QUESTIONS: TemplateQuestion[] = [
  question({
    name: "project_name",
    help: "The service's name (lowercase letters, digits and dashes)",
    placeholder: "hello-api",
    validator: "{% if not (project_name | regex_search('^[a-z][a-z0-9-]{1,62}$')) %}use 2 to 63 …{% endif %}",
  }),
  question({
    name: "description",
    help: "One sentence about what the service does",
    default: "{{ project_name | replace('-', ' ') | title }}, an HTTP service",
  }),
  question({ name: "author_name", help: "Who the project is made by", default: "Codegen Orchestrator" }),
  question({
    name: "python_version",
    help: "The Python version of the container image",
    choices: ["3.11", "3.12", "3.13"].map((value) => ({ label: value, value })),
    default: "3.13",
  }),
  question({
    name: "port",
    type: "int",
    help: "The port the service listens on",
    default: 8000,
    validator: "{% if port < 1024 or port > 65535 %}use a port from 1024 to 65535{% endif %}",
  }),
  question({
    name: "modules",
    help: "Optional modules",
    multiselect: true,
    choices: [
      { label: "SQLite database (sqlite3)", value: "database" },
      { label: "Telegram bot (webhook)", value: "telegram" },
    ],
    default: [],
  }),
  question({ name: "postgres", type: "bool", help: "Also run PostgreSQL in compose.yaml", default: false }),
  question({ name: "session_secret", secret: true, help: "Leave empty", default: "" }),
];

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema) as Record<string, any>;

describe("template questions", () => {
  it("asks the model python-service's own questions, typed, with their choices and help; never the secret", () => {
    const askable = askableQuestions(PYTHON_QUESTIONS);
    expect(askable.map((q) => q.name)).toEqual([
      "author_name",
      "python_version",
      "port",
      "modules",
      "postgres",
    ]);
    const schema = jsonSchema(answersSchema(askable));
    expect(schema.properties.python_version).toMatchObject({
      type: "string",
      enum: ["3.11", "3.12", "3.13"],
      description: expect.stringContaining("The Python version of the container image"),
    });
    expect(schema.properties.port).toMatchObject({ type: "integer" });
    expect(schema.properties.port.description).toContain("default: 8000");
    expect(schema.properties.modules).toMatchObject({
      type: "array",
      items: { type: "string", enum: ["database", "telegram"] },
    });
    expect(schema.properties.modules.description).toContain('"database" = SQLite database (sqlite3)');
    expect(schema.properties.postgres).toMatchObject({ type: "boolean" });
    expect(schema.properties).not.toHaveProperty("session_secret");
    // Each has a default: the model may leave any out.
    expect(schema.required ?? []).toEqual([]);
  });

  it("validates the model's answers against the questions, dropping answers to questions not asked", () => {
    const schema = answersSchema(askableQuestions(PYTHON_QUESTIONS));
    expect(schema.parse({ python_version: "3.12", port: 80, modules: ["database"], extra: 1 })).toEqual({
      python_version: "3.12",
      port: 80,
      modules: ["database"],
    });
    expect(schema.safeParse({ python_version: "3.10" }).success).toBe(false);
    expect(schema.safeParse({ port: 80.5 }).success).toBe(false);
    expect(schema.safeParse({ modules: ["postgres"] }).success).toBe(false);
    // The corrections of refused answers: each of them required.
    const fix = jsonSchema(answersSchema([PYTHON_QUESTIONS[4] as TemplateQuestion], { required: true }));
    expect(fix.required).toEqual(["port"]);
  });

  it("leaves out what a constant `when` hides and types it cannot give; a condition makes a question optional", () => {
    const questions = [
      question({ name: "hidden", when: false }),
      question({ name: "hidden_word", when: "no" }),
      question({ name: "settings", type: "yaml" }),
      question({ name: "dynamic", type: "{{ 'int' }}" }),
      question({ name: "odd name!" }),
      question({ name: "no_values", choices: [{ label: "a", value: { nested: true } }] }),
      question({
        name: "node_version",
        type: "int",
        choices: [22, 24].map((v) => ({ label: String(v), value: v })),
      }),
      question({ name: "region", help: "Where it runs" }),
      question({ name: "redis_url", when: "{{ 'redis' in modules }}" }),
      question({ name: "flavour", choices: "{{ flavours }}" }),
    ];
    const askable = askableQuestions(questions);
    expect(askable.map((q) => q.name)).toEqual(["node_version", "region", "redis_url", "flavour"]);
    const schema = jsonSchema(answersSchema(askable));
    expect(schema.properties.node_version).toMatchObject({ type: "number", enum: [22, 24] });
    // No default and always asked: required; a conditional one optional, and said to be so.
    expect(schema.required).toEqual(["node_version", "region", "flavour"]);
    expect(schema.properties.redis_url.description).toContain("asked only in some cases");
    expect(schema.properties.flavour).toMatchObject({ type: "string" });
  });

  it("fills the project's name and description from the spec, and gives the Preparer the answers the template asks", () => {
    const filled = answersFromSpec(PYTHON_QUESTIONS, {
      slug: "42-greeter",
      description: "Greets people.\nIn detail: …",
    });
    expect(filled).toEqual({ project_name: "svc-42-greeter", description: "Greets people." });

    const answers = { ...filled, port: 8080, modules: ["database"], session_secret: "never", unknown: 1 };
    const template = {
      id: PYTHON_TEMPLATE_ID,
      name: "python-service",
      source: { path: "python-service" },
      version: null,
      questions: PYTHON_QUESTIONS,
    };
    const project = {
      slug: "42-greeter",
      description: "Greets people.",
      modules: modulesOf(answers),
      answers,
    };
    expect(scaffoldData(project, template)).toEqual({
      project_name: "svc-42-greeter",
      description: "Greets people.",
      port: 8080,
      modules: ["database"],
    });
    expect(modulesOf({ modules: ["database", "Not A Module"] })).toEqual(["database"]);
    expect(modulesOf({})).toEqual([]);
  });
});
