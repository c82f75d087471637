/**
 * The Architect reads the template, end to end (wrangler dev, a real executor, the real Claude Code
 * CLI against a loopback Messages API, local bare repositories): it is offered the catalog's two
 * built-in templates, picks python-service for a project that asks for Python, and answers that
 * template's own questions (its tool's schema built from them). The template's validator refuses
 * its first `port`; the Architect is given the validator's message, corrects it, and the project is
 * scaffolded from python-service with the corrected answer, developed and tested. An Architect that
 * keeps giving a refused answer ends the run after two corrections, naming the question and the
 * validator's message.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claudeBinary,
  type FakeAnthropic,
  type MessagesRequest,
  startFakeAnthropic,
} from "../executor/test/support/fake-anthropic.ts";
import { Fleet } from "./support/fleet.ts";
import { pipelineModel, projectLines } from "./support/pipeline-model.ts";

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

beforeAll(async () => {
  process.env.ORCHESTRATOR_CLAUDE_BIN = claudeBinary() ?? "";
  repos = await mkdtemp(path.join(tmpdir(), "co-architect-repos-"));
  // The Developer changes nothing: the template's own tests pass.
  const pipeline = pipelineModel({ "Python Greeter": () => [] });
  model = await startFakeAnthropic((request) => pythonArchitect(request) ?? pipeline(request));
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

  it("ends the run naming the question and the validator's message when the corrections keep being refused", async () => {
    const { run } = await startPythonRun("Stubborn Python");
    expect(run.status).toBe("failed");
    expect(run.error).toContain(`port (80): ${PORT_REFUSED}`);
    expect(run.error).toContain("after the Architect corrected them 2 time(s)");
    expect((await steps(run.id)).map((step) => [step.name, step.status])).toEqual([
      ["architect", "succeeded"],
      ["prepare", "failed"],
      ["fix answers 1", "succeeded"],
      ["prepare 2", "failed"],
      ["fix answers 2", "succeeded"],
      ["prepare 3", "failed"],
    ]);
    // Nothing was published: the answers are refused before anything is rendered.
    const bare = path.join(repos, "stubborn-python.git");
    expect(() => execFileSync("git", ["-C", bare, "rev-parse", "main"], { stdio: "ignore" })).toThrow();
  });
});
