/**
 * The Architect reads the template, end to end (wrangler dev, a real executor, the real Claude Code
 * CLI against a loopback Messages API, local bare repositories): it is offered the catalog's two
 * built-in templates, picks python-service for a project that asks for Python, and answers that
 * template's own questions (its tool's schema built from them). The template's validator refuses
 * its first `port`; the Architect is given the validator's message, corrects it, and the project is
 * scaffolded from python-service with the corrected answer, developed and tested. An Architect that
 * keeps giving a refused answer gets two corrections; then the run, started from the web chat,
 * asks its user there (the question's help, the refused answer, the validator's message): a value
 * that is not a number is asked again, one the validator refuses brings the question back after
 * the next scaffold, and the user's accepted answer is the one the project is scaffolded with.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ChatFeed } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claudeBinary,
  type FakeAnthropic,
  type MessagesRequest,
  type Step as ModelStep,
  startFakeAnthropic,
} from "../executor/test/support/fake-anthropic.ts";
import { lastUserText } from "./support/chat.ts";
import { Fleet } from "./support/fleet.ts";
import { pipelineModel, projectLines } from "./support/pipeline-model.ts";
import { until } from "./support/poll.ts";

const PYTHON_TEMPLATE_ID = "00000000000000000000000002";
const PORT_REFUSED = "use a port from 1024 to 65535";

let fleet: Fleet;
let repos: string;
let model: FakeAnthropic;

type Tool = { name: string; input_schema: Record<string, any> };
type Step = { name: string; status: string; detail: Record<string, any> | null };

/** The Python projects' Architect: a port the template refuses, corrected to 8080 unless stubborn. */
function pythonArchitect(request: MessagesRequest) {
  const tools = (request.tools ?? []) as Tool[];
  const project = projectLines(JSON.stringify(request.messages));
  const stubborn = project.includes("Stubborn") || JSON.stringify(request.messages).includes("Stubborn");
  if (tools.some((tool) => tool.name === "submit_spec") && project.includes("Python"))
    return {
      tool: {
        name: "submit_spec",
        input: {
          name: stubborn ? "Stubborn Python" : "Python Greeter",
          description: "Greets people by name; GET /health answers 200.",
          acceptance_criteria: ["GET /health answers 200"],
          answers: { python_version: "3.12", port: 80, modules: ["database"], postgres: true },
        },
      },
    };
  if (tools.some((tool) => tool.name === "fix_answers"))
    return { tool: { name: "fix_answers", input: { answers: { port: stubborn ? 80 : 8080 } } } };
  return null;
}

/** The Product-Owner agent of the web chat: creates the stubborn project and starts its run. */
function productOwner(request: MessagesRequest): ModelStep | null {
  if (!((request.tools ?? []) as Tool[]).some((tool) => tool.name === "ask_user")) return null;
  const last = lastUserText(request);
  if (last.includes("Build Stubborn Python"))
    return {
      tool: {
        name: "create_project",
        input: { name: "Stubborn Python", description: "A greeting service, written in Python." },
      },
    };
  if (last.includes('"status":"draft"'))
    return { tool: { name: "start_engineering", input: { project: "stubborn-python" } } };
  return { text: "Building it; I will ask you here if the template needs anything." };
}

beforeAll(async () => {
  process.env.ORCHESTRATOR_CLAUDE_BIN = claudeBinary() ?? "";
  repos = await mkdtemp(path.join(tmpdir(), "co-architect-repos-"));
  // The Developer changes nothing: the template's own tests pass.
  const pipeline = pipelineModel({ "Python Greeter": () => [] });
  model = await startFakeAnthropic(
    (request) => pythonArchitect(request) ?? productOwner(request) ?? pipeline(request),
  );
  fleet = await Fleet.start(
    { REPO_BASE_URL: pathToFileURL(repos).href, ANTHROPIC_BASE_URL: model.baseUrl, MAX_FIX_ITERATIONS: "1" },
    { ANTHROPIC_API_KEY: "sk-ant-architect-templates" },
  );
  await fleet.executor(2, {});
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  await model?.close();
  await rm(repos, { recursive: true, force: true });
});

async function finishedRun(id: string, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await fleet.call(`/runs/${id}`);
    if (["succeeded", "failed", "cancelled"].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
const steps = async (id: string): Promise<Step[]> => (await fleet.call(`/runs/${id}/steps`)).items;

/** The admin's web chat once it waits for the answer to a run's template question. */
const askedInChat = () =>
  until("the chat to wait for an answer", async () => {
    const feed = await fleet.call<ChatFeed>("/chat/messages");
    return feed.request?.kind === "answer" ? feed : undefined;
  });

/** The admin's web chat message containing `part` (its current text). */
const inChat = (part: string) =>
  until(
    `the chat to show ${part}`,
    async () =>
      (await fleet.call<ChatFeed>("/chat/messages")).items.find((message) => message.html.includes(part)),
    180_000,
  );

/** The recorded model requests that offered the named tool, parsed. */
const requestsWith = (tool: string) =>
  model.requests
    .map((request) => JSON.parse(request.body) as MessagesRequest)
    .filter((request) => (request.tools as Tool[] | undefined)?.some((offered) => offered.name === tool));
const toolOf = (request: MessagesRequest | undefined, name: string) =>
  (request?.tools as Tool[] | undefined)?.find((tool) => tool.name === name) as Tool;

async function startPythonRun(name: string) {
  const project = await fleet.call("/projects", {
    name,
    description: "A greeting service, written in Python.",
  });
  const started = await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" });
  return { project, run: await finishedRun(started.id) };
}

describe.skipIf(!claudeBinary())("the Architect reads the template", { timeout: 300_000 }, () => {
  it("chooses python-service from a catalog of two, answers its questions, and corrects what its validator refuses", async () => {
    const { project, run } = await startPythonRun("Python Greeter");
    expect(run, run.error).toMatchObject({ status: "succeeded" });

    // Offered both built-in templates, by name and by what each builds.
    const [choice] = requestsWith("choose_template").filter((r) =>
      projectLines(JSON.stringify(r.messages)).includes("Greeter"),
    );
    expect(toolOf(choice, "choose_template").input_schema.properties.template.enum).toEqual([
      "node-service",
      "python-service",
    ]);
    const offered = JSON.stringify(choice?.messages);
    expect(offered).toContain("A Node.js HTTP service");
    expect(offered).toContain("A Python standard-library HTTP service");

    // The spec's tool asks python-service's own questions; never the secret, nor what the spec fills.
    const [specCall] = requestsWith("submit_spec").filter((r) =>
      JSON.stringify(r.messages).includes("Greeter"),
    );
    const answers = toolOf(specCall, "submit_spec").input_schema.properties.answers;
    expect(answers.properties.python_version).toMatchObject({
      type: "string",
      enum: ["3.11", "3.12", "3.13"],
    });
    expect(answers.properties.modules.items.enum).toEqual(["database", "telegram"]);
    expect(Object.keys(answers.properties).sort()).toEqual([
      "author_name",
      "modules",
      "port",
      "postgres",
      "python_version",
    ]);

    // The validator's message went back to the Architect, which corrected the port.
    const [fix] = requestsWith("fix_answers").filter((r) => JSON.stringify(r.messages).includes("Greeter"));
    expect(JSON.stringify(fix?.messages)).toContain(
      `port: you answered 80; the validator said: ${PORT_REFUSED}`,
    );
    expect(toolOf(fix, "fix_answers").input_schema.properties.answers).toMatchObject({
      properties: { port: { type: "integer" } },
      required: ["port"],
    });

    const timeline = await steps(run.id);
    expect(timeline.map((step) => [step.name, step.status])).toEqual([
      ["architect", "succeeded"],
      ["prepare", "failed"],
      ["fix answers 1", "succeeded"],
      ["prepare 2", "succeeded"],
      ["develop 1", "succeeded"],
      ["test 1", "succeeded"],
    ]);
    expect(timeline[0]?.detail).toMatchObject({ template: "python-service", modules: ["database"] });
    expect(timeline[1]?.detail?.error).toContain(`port: ${PORT_REFUSED}`);
    expect(timeline[2]?.detail).toMatchObject({ refused: ["port"], answers: { port: 8080 } });
    expect(timeline[5]?.detail).toMatchObject({ passed: true });

    // Scaffolded from python-service with the corrected answer; the project and its spec record it.
    const bare = path.join(repos, "python-greeter.git");
    const git = (...args: string[]) => execFileSync("git", ["-C", bare, ...args], { encoding: "utf8" });
    expect(git("log", "--format=%s", "main")).toContain("Scaffold python-greeter from python-service");
    const recorded = git("show", "main:.copier-answers.yml");
    expect(recorded).toMatch(/^port: 8080$/m);
    expect(recorded).toMatch(/^python_version: '3\.12'$/m);
    expect(recorded).toMatch(/^project_name: python-greeter$/m);
    expect(recorded).toMatch(/^postgres: true$/m);
    expect(recorded).toMatch(/^modules:\n- database$/m);
    expect(recorded).not.toContain("session_secret");
    expect(git("show", "main:app/db.py")).toContain("sqlite3");
    const built = await fleet.call(`/projects/${project.id}`);
    expect(built).toMatchObject({
      templateId: PYTHON_TEMPLATE_ID,
      modules: ["database"],
      spec: {
        template: { id: PYTHON_TEMPLATE_ID, name: "python-service", title: "Python HTTP service" },
        answers: { port: 8080, python_version: "3.12", project_name: "python-greeter" },
      },
    });

    // The Developer was told what it is working on, from the catalog entry.
    const developer = model.requests.find((request) => request.body.includes("You are the Developer of"));
    expect(developer?.body).toContain("scaffolded from the python-service template (Python HTTP service)");
  });

  it("asks its user in the chat once the Architect's corrections run out, and scaffolds with the user's answer", async () => {
    await fleet.call("/chat/messages", {
      text: "Build Stubborn Python: a greeting service, written in Python.",
    });
    await askedInChat();
    const prompt = await inChat("refused the answer to <code>port</code>");
    // The question's help, the refused answer, the validator's message, how to answer.
    expect(prompt.html).toContain("The port the service listens on");
    expect(prompt.html).toContain(`Refused: <code>80</code>. Its validator said: ${PORT_REFUSED}`);
    expect(prompt.html).toContain("Reply with a whole number.");
    const project = (await fleet.call("/projects")).items.find(
      (p: { slug: string }) => p.slug === "stubborn-python",
    );
    const [run] = (await fleet.call(`/projects/${project.id}/runs`)).items;
    expect(run.status).toBe("waiting");
    const asked = await steps(run.id);
    expect(asked.map((step) => [step.name, step.status])).toEqual([
      ["architect", "succeeded"],
      ["prepare", "failed"],
      ["fix answers 1", "succeeded"],
      ["prepare 2", "failed"],
      ["fix answers 2", "succeeded"],
      ["prepare 3", "failed"],
      ["answers 1", "running"],
    ]);
    const port = { name: "port", type: "int", multiselect: false, refused: 80, message: PORT_REFUSED };
    expect(asked[6]?.detail?.questions).toEqual([
      { ...port, help: "The port the service listens on (the deployer allocates the real one)" },
    ]);
    expect((await fleet.call<ChatFeed>("/chat/messages")).request).toMatchObject({
      kind: "answer",
      runId: run.id,
      question: port,
    });
    // It waits for answers, not for a decision.
    const decision = await fetch(`${fleet.worker.api}/runs/${run.id}/decision`, {
      method: "POST",
      headers: { authorization: `Bearer ${fleet.worker.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ choice: "stop" }),
    });
    expect(decision.status).toBe(409);

    // Not a number: asked again, saying why. A number the validator refuses: scaffolded, refused, asked again.
    await fleet.call("/chat/messages", { text: "eighty" });
    await inChat("“eighty” is not a whole number");
    await fleet.call("/chat/messages", { text: "80" });
    await until("the question asked a second time", async () =>
      (await steps(run.id)).find((step) => step.name === "answers 2" && step.status === "running"),
    );
    await askedInChat();
    await fleet.call("/chat/messages", { text: "8081" });
    const ended = await finishedRun(run.id);
    expect(ended, ended.error).toMatchObject({ status: "succeeded" });

    const timeline = await steps(run.id);
    expect(timeline.map((step) => [step.name, step.status]).slice(6)).toEqual([
      ["answers 1", "succeeded"],
      ["prepare 4", "failed"],
      ["answers 2", "succeeded"],
      ["prepare 5", "succeeded"],
      ["develop 1", "succeeded"],
      ["test 1", "succeeded"],
    ]);
    expect(timeline[6]?.detail).toMatchObject({ questions: ["port"], answers: { port: 80 } });
    expect(timeline[8]?.detail).toMatchObject({ questions: ["port"], answers: { port: 8081 } });
    // Scaffolded with the user's answer; the project's spec records it.
    const bare = path.join(repos, "stubborn-python.git");
    const recorded = execFileSync("git", ["-C", bare, "show", "main:.copier-answers.yml"], {
      encoding: "utf8",
    });
    expect(recorded).toMatch(/^port: 8081$/m);
    expect(await fleet.call(`/projects/${project.id}`)).toMatchObject({ spec: { answers: { port: 8081 } } });
    // Each answer audited once, by the question's name (never a value).
    const audit = await fleet.call(`/audit?action=run.answer&targetId=${run.id}`);
    expect(audit.items.map((entry: { details: unknown }) => entry.details)).toEqual([
      { questions: ["port"] },
      { questions: ["port"] },
    ]);
  });
});
