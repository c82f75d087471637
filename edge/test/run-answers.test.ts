/**
 * A run asking its user for the answers its template's validators refused: each answer read as its
 * question's type (a chat message's text or an API value), the chat's prompt (buttons for a
 * choice), and `POST /runs/{id}/answers` refusing what it must: a run that waits for no answers
 * (409), answers missing, not asked or unreadable (400), a read-only key (403), another member
 * (404). The answer that goes through to a live workflow: test/architect-templates.test.ts.
 */
import { env } from "cloudflare:test";
import type { AskedQuestion, TemplateQuestion } from "@codegen-orchestrator/shared";
import { describe, expect, it } from "vitest";
import { type AnswersPending, answerPrompt, nextAnswer } from "../src/chat/run-answers.ts";
import { database } from "../src/db/client.ts";
import { ApiError } from "../src/domain/errors.ts";
import { beginStep, markRunning, markWaiting } from "../src/domain/run-steps.ts";
import { recordWorkflowInstance } from "../src/domain/run-workflows.ts";
import { startRun } from "../src/domain/runs.ts";
import { askedQuestion, readAnswer } from "../src/pipelines/engineering/answer-values.ts";
import { readAnswers } from "../src/pipelines/engineering/ask-answers.ts";
import { userQuestions } from "../src/pipelines/engineering/scaffold-step.ts";
import { createProject, createUser, expectStatus } from "./helpers.ts";

const asked = (fields: Partial<AskedQuestion> & { name: string }): AskedQuestion => ({
  type: "str",
  multiselect: false,
  refused: null,
  message: "not accepted",
  ...fields,
});

const PORT = asked({ name: "port", type: "int", refused: 80, message: "use a port from 1024 to 65535" });
const MODULES = asked({
  name: "modules",
  multiselect: true,
  choices: [
    { label: "SQLite database (sqlite3)", value: "database" },
    { label: "Telegram bot (webhook)", value: "telegram" },
  ],
});
const PYTHON = asked({
  name: "python_version",
  choices: ["3.11", "3.12", "3.13"].map((value) => ({ label: value, value })),
});

describe("the user's answers, read as their questions' types", () => {
  it("reads numbers, booleans, text, JSON and YAML, and says why a value does not read", () => {
    const read = (question: AskedQuestion, raw: unknown) => readAnswer(question, raw);
    expect(read(PORT, " 8080 ")).toEqual({ value: 8080 });
    expect(read(PORT, "1_024")).toEqual({ value: 1024 });
    expect(read(PORT, 8081)).toEqual({ value: 8081 });
    expect(read(PORT, "eighty")).toEqual({ error: "“eighty” is not a whole number" });
    expect(read(PORT, "80.5")).toHaveProperty("error");
    expect(read(PORT, 80.5)).toHaveProperty("error");
    const ratio = asked({ name: "ratio", type: "float" });
    expect(read(ratio, "0.25")).toEqual({ value: 0.25 });
    expect(read(ratio, "a quarter")).toEqual({ error: "“a quarter” is not a number" });
    const flag = asked({ name: "postgres", type: "bool" });
    expect([read(flag, "Yes"), read(flag, "off"), read(flag, false), read(flag, 1)]).toEqual([
      { value: true },
      { value: false },
      { value: false },
      { value: true },
    ]);
    expect(read(flag, "maybe")).toEqual({ error: "“maybe” is not yes or no" });
    const name = asked({ name: "author_name" });
    expect([read(name, "  Ada Lovelace "), read(name, 42)]).toEqual([
      { value: "Ada Lovelace" },
      { value: "42" },
    ]);
    expect(read(name, { first: "Ada" })).toEqual({ error: "give it as text" });
    expect(read(name, "x".repeat(10_001))).toHaveProperty("error");
    // JSON is checked here and goes as text; YAML goes as text, for the engine to read.
    const settings = asked({ name: "settings", type: "json" });
    expect(read(settings, '{"a": 1}')).toEqual({ value: '{"a": 1}' });
    expect(read(settings, "{a: 1}")).toHaveProperty("error");
    expect(read(settings, { a: 1 })).toEqual({ value: '{"a":1}' });
    expect(read(settings, [1, 2])).toEqual({ value: [1, 2] });
    expect(read(asked({ name: "extra", type: "yaml" }), "a: 1\nb: [2]")).toEqual({ value: "a: 1\nb: [2]" });
  });

  it("takes a choice by its value or label, and a multiselect's choices separated by commas", () => {
    expect(readAnswer(PYTHON, "3.12")).toEqual({ value: "3.12" });
    expect(readAnswer(PYTHON, 3.13)).toEqual({ value: "3.13" });
    expect(readAnswer(PYTHON, "3.10")).toEqual({ error: "choose one of: 3.11, 3.12, 3.13" });
    const port = asked({
      name: "port",
      type: "int",
      choices: [8000, 8080].map((value) => ({ label: `:${value}`, value })),
    });
    expect([readAnswer(port, ":8080"), readAnswer(port, "08080"), readAnswer(port, 8000)]).toEqual([
      { value: 8080 },
      { value: 8080 },
      { value: 8000 },
    ]);
    // In the choices' order, once each; by value or (any case) label.
    expect(readAnswer(MODULES, "telegram, sqlite database (sqlite3), telegram")).toEqual({
      value: ["database", "telegram"],
    });
    expect(readAnswer(MODULES, ["telegram"])).toEqual({ value: ["telegram"] });
    expect(readAnswer(MODULES, "none")).toEqual({ value: [] });
    expect(readAnswer(MODULES, "database, postgres")).toEqual({
      error: "choose one of: SQLite database (sqlite3), Telegram bot (webhook)",
    });
    expect(readAnswer(MODULES, 3)).toHaveProperty("error");
  });

  it("asks a question as the template wrote it, with the answer refused", () => {
    const question: TemplateQuestion = {
      name: "storage",
      type: "yaml",
      help: "  Where data lives  ",
      choices: [
        { label: "none", value: null },
        { label: "S3", value: { kind: "s3", region: "eu" } },
      ],
      multiselect: false,
      secret: false,
    };
    expect(askedQuestion(question, { given: undefined, message: "pick one" })).toEqual({
      name: "storage",
      type: "yaml",
      help: "Where data lives",
      choices: [
        { label: "none", value: "null" },
        { label: "S3", value: '{"kind":"s3","region":"eu"}' },
      ],
      multiselect: false,
      refused: null,
      message: "pick one",
    });
  });

  it("asks the user no secret question, nor one the template does not list", () => {
    const template = {
      id: "01J00000000000000000TEMPL1",
      name: "python-service",
      source: { path: "python-service" },
      version: null,
      questions: [
        { name: "port", type: "int", help: "The port", multiselect: false, secret: false },
        { name: "session_secret", type: "str", multiselect: false, secret: true },
      ],
    };
    const spec = {
      name: "Greeter",
      description: "Greets.",
      modules: [],
      acceptanceCriteria: ["GET /health answers 200"],
      answers: { port: 80 },
    };
    const refused = (...names: string[]) => names.map((question) => ({ question, message: "no" }));
    expect(userQuestions(template, spec, refused("port"))).toEqual([
      { name: "port", type: "int", help: "The port", multiselect: false, refused: 80, message: "no" },
    ]);
    expect(userQuestions(template, spec, refused("port", "session_secret", "gone"))).toEqual({
      unaskable: [
        { name: "session_secret", secret: true },
        { name: "gone", secret: false },
      ],
    });
  });

  it("names every answer missing, not asked or unreadable in one 400", () => {
    expect(readAnswers([PORT, MODULES], { port: "8080", modules: "database" })).toEqual({
      port: 8080,
      modules: ["database"],
    });
    let refused: unknown;
    try {
      readAnswers([PORT, MODULES], { port: "eighty", colour: "blue" });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({
      status: 400,
      code: "invalid_request",
      details: {
        issues: [
          { path: "body.answers.port", message: "“eighty” is not a whole number" },
          { path: "body.answers.modules", message: "not answered" },
          { path: "body.answers.colour", message: "not asked" },
        ],
      },
    });
  });
});

describe("the chat's questions", () => {
  const pending = (questions: AskedQuestion[], index = 0): AnswersPending => ({
    kind: "answers",
    runId: "01J0000000000000000000RUN1",
    n: 1,
    template: "python-service",
    questions,
    index,
    answers: {},
    toolUseId: null,
    results: [],
    askedAt: 0,
    reminded: false,
  });

  it("shows the help, the refused answer and the validator's message, with a choice's buttons", () => {
    const prompt = answerPrompt(pending([{ ...PORT, help: "The port <it listens on>" }, PYTHON]));
    expect(prompt.html).toContain("(question 1 of 2)");
    expect(prompt.html).toContain("<i>The port &lt;it listens on&gt;</i>");
    expect(prompt.html).toContain(
      "Refused: <code>80</code>. Its validator said: use a port from 1024 to 65535",
    );
    expect(prompt.html).toContain("Reply with a whole number.");
    expect(prompt.keyboard).toEqual([]);
    const choice = answerPrompt(pending([PORT, PYTHON], 1));
    expect(choice.html).toContain("Refused: its default.");
    expect(choice.keyboard.flat().map((button) => button.data)).toEqual(["ans:0:1", "ans:1:1", "ans:2:1"]);
    // A multiselect lists its choices and takes them as text.
    const multi = answerPrompt(pending([MODULES]));
    expect(multi.keyboard).toEqual([]);
    expect(multi.html).toContain("<code>database</code> (SQLite database (sqlite3))");
  });

  it("goes question by question, asks again on a value that does not read, and ends with every answer", () => {
    const first = pending([PORT, PYTHON]);
    expect(nextAnswer(first, "eighty")).toEqual({ again: "“eighty” is not a whole number" });
    const second = nextAnswer(first, "8080");
    expect(second).toEqual({ next: { ...first, index: 1, answers: { port: 8080 } } });
    if (!("next" in second)) throw new Error("no next question");
    expect(nextAnswer(second.next, "3.13")).toEqual({ done: { port: 8080, python_version: "3.13" } });
  });
});

describe("POST /runs/{id}/answers", () => {
  /** A member's engineering run, recorded without a workflow; `open`: the question step it waits on. */
  async function memberRun(open?: { step: string; questions?: AskedQuestion[] }) {
    const owner = await createUser();
    const project = await createProject(owner.key);
    const db = database(env.DB);
    const run = await startRun(db, { userId: owner.id, role: "member" }, project.id, "engineering");
    if (open) {
      await recordWorkflowInstance(db, run.id);
      await markRunning(db, run.id);
      await beginStep(db, run.id, open.step, null, open.questions ? { questions: open.questions } : null);
      await markWaiting(db, run.id, true);
    }
    return { owner, run };
  }
  const answer = (runId: string, key: string, body: unknown, status: number) =>
    expectStatus(status, `/runs/${runId}/answers`, { key, body });

  it("answers 409 while the run waits for no answers, a decision included", async () => {
    const queued = await memberRun();
    const refused = await answer(queued.run.id, queued.owner.key, { answers: { port: 8080 } }, 409);
    expect(refused.error).toMatchObject({ code: "conflict" });
    expect(refused.error.message).toContain("is not waiting for answers to its template's questions");
    const deciding = await memberRun({ step: "decision 1" });
    await answer(deciding.run.id, deciding.owner.key, { answers: { port: 8080 } }, 409);
    // And the other way round: a run waiting for answers takes no decision.
    const asking = await memberRun({ step: "answers 1", questions: [PORT] });
    const decision = await expectStatus(409, `/runs/${asking.run.id}/decision`, {
      key: asking.owner.key,
      body: { choice: "stop" },
    });
    expect(decision.error.message).toContain("is not waiting for a decision");
  });

  it("answers 400 for a body or values that do not fit the questions, 403 to a read-only key, 404 to another member", async () => {
    const { owner, run } = await memberRun({ step: "answers 1", questions: [PORT, MODULES] });
    for (const body of [{}, { answers: {} }, { answers: { port: 8080 }, extra: true }]) {
      const invalid = await answer(run.id, owner.key, body, 400);
      expect(invalid.error.code).toBe("invalid_request");
    }
    const unreadable = await answer(
      run.id,
      owner.key,
      { answers: { port: "eighty", modules: "postgres" } },
      400,
    );
    expect(unreadable.error.details.issues).toEqual([
      { path: "body.answers.port", message: "“eighty” is not a whole number" },
      { path: "body.answers.modules", message: expect.stringContaining("choose one of") },
    ]);
    const missing = await answer(run.id, owner.key, { answers: { port: 8080 } }, 400);
    expect(missing.error.message).toBe("The answers were not taken: modules: not answered.");

    const readOnly = await expectStatus(201, "/api-keys", {
      key: owner.key,
      body: { name: "read only", scopes: ["read"] },
    });
    const forbidden = await answer(run.id, readOnly.key, { answers: { port: 8080, modules: [] } }, 403);
    expect(forbidden.error.code).toBe("forbidden");
    const stranger = await createUser();
    await answer(run.id, stranger.key, { answers: { port: 8080, modules: [] } }, 404);
    // None of it was taken: the run still waits.
    expect(await expectStatus(200, `/runs/${run.id}`, { key: owner.key })).toMatchObject({
      status: "waiting",
    });
  });
});
