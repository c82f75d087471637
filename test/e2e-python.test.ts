/**
 * The acceptance scenario with the Python template, through the web chat API (`/api/v1/chat`):
 * "I need a URL shortener in Python with a health endpoint" → one question, answered by its button
 * → the project → the Architect, offered the catalog's two built-in templates, picks
 * python-service and answers its own questions (`python_version`, `port`, `modules`) → the
 * repository scaffolded from it with those answers → the agent (the real Claude Code CLI, scripted)
 * writes a links module, its unittest tests and two routes → unittest fails on iteration 1 and
 * passes on iteration 2 → the deploy runs the manifest's `python3 -m app` as a supervised process
 * on the sshd on 127.0.0.1 → the URL in the chat, whose `/health` answers 200 and whose `/links`
 * shortens a URL. The stack is the Telegram acceptance test's (test/support/scenario.ts).
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import type { ChatFeed } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessagesRequest } from "../executor/test/support/fake-anthropic.ts";
import { queryD1 } from "./support/d1.ts";
import { projectLines, specQuestions } from "./support/pipeline-model.ts";
import { type TimelineStep, until } from "./support/poll.ts";
import { missingTools, PYTHON_ANSWERS, type ScenarioStack, startScenarioStack } from "./support/scenario.ts";

const ready = missingTools().length === 0;
const PYTHON_TEMPLATE_ID = "00000000000000000000000002";
const UNITTEST = ["python3", "-m", "unittest", "discover", "--start-directory", "tests", "--verbose"];

let stack: ScenarioStack;
let key: string;

beforeAll(async () => {
  if (!ready) return;
  stack = await startScenarioStack({ STATUS_EDIT_INTERVAL_MS: "200" }, { language: "Python" });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

/** A request as the member whose API key the test holds (the web chat is the caller's own). */
async function asMember<T = any>(route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${stack.chat.worker.api}${route}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${route} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** The chat's message containing `part` (its current text: status messages are edited in place). */
const inChat = (part: string, timeoutMs: number) =>
  until(
    `the chat to show ${part}`,
    async () => (await asMember<ChatFeed>("/chat/messages")).items.find((m) => m.html.includes(part)),
    timeoutMs,
    200,
  );

const runsOf = async (projectId: string): Promise<{ id: string; kind: string; status: string }[]> =>
  (await stack.chat.api(`/projects/${projectId}/runs`)).items;
const steps = async (runId: string): Promise<TimelineStep[]> =>
  (await stack.chat.api(`/runs/${runId}/steps`)).items;
const stepRows = (timeline: TimelineStep[]) => timeline.map((step) => [step.name, step.status]);

/** The URL the chat gives once the service is live; when it does not come, where each run stopped. */
async function liveUrl(projectId: string): Promise<string> {
  try {
    const live = await inChat("is live: ", 150_000);
    return /is live: (?:<a href="[^"]*">)?(http:\/\/127\.0\.0\.1:\d+)/.exec(live.html)?.[1] as string;
  } catch (error) {
    const runs = await Promise.all(
      (await runsOf(projectId)).map(async (run) => ({
        run: await stack.chat.api(`/runs/${run.id}`),
        last: (await steps(run.id)).slice(-3),
      })),
    );
    throw new Error(`${(error as Error).message}; the runs: ${JSON.stringify(runs)}`);
  }
}

/** The recorded model requests that offered the named tool, parsed, with that tool. */
function offered(tool: string) {
  return stack.chat.model.requests
    .map((request) => JSON.parse(request.body) as MessagesRequest)
    .map((request) => ({
      request,
      tool: (request.tools as { name: string; input_schema: any }[] | undefined)?.find(
        (t) => t.name === tool,
      ),
    }))
    .filter((found) => found.tool !== undefined);
}

/** Says what the user wants, answers the PO's question by its button; returns the project. */
async function converse(): Promise<{ id: string; slug: string }> {
  const text = "Hi, my name is Pia. I need a URL shortener in Python with a health endpoint";
  await asMember("/chat/messages", { text });
  const question = await inChat("Should short links expire?", 30_000);
  const button = question.buttons.flat().find((b) => b.text === "After 30 days");
  await asMember("/chat/buttons", { messageId: question.id, data: button?.data });
  await inChat("Building it now", 30_000);
  return (await asMember("/projects")).items[0];
}

function expectArchitectChosePython() {
  const [choice] = offered("choose_template");
  expect(choice?.tool?.input_schema.properties.template.enum).toEqual(["node-service", "python-service"]);
  const prompt = JSON.stringify(choice?.request.messages);
  expect(prompt).toContain("A Node.js HTTP service");
  expect(prompt).toContain("A Python standard-library HTTP service");
  expect(projectLines(prompt)).toContain("Written in Python.");
  const [spec] = offered("submit_spec");
  expect(specQuestions(spec?.tool ?? {}).sort()).toEqual([
    "author_name",
    "modules",
    "port",
    "postgres",
    "python_version",
  ]);
}

/** The bare repository's first commit: rendered from python-service with the Architect's answers. */
function expectScaffold(slug: string) {
  const bare = path.join(stack.repos, `${slug}.git`);
  const git = (...args: string[]) => execFileSync("git", ["-C", bare, ...args], { encoding: "utf8" });
  const commits = git("log", "--format=%s", "main").trim().split("\n");
  expect(commits).toEqual([
    "Pia Shortener: iteration 2",
    "Pia Shortener: iteration 1",
    `Scaffold ${slug} from python-service`,
  ]);
  const first = git("rev-list", "--max-parents=0", "main").trim();
  const answers = git("show", `${first}:.copier-answers.yml`);
  expect(answers).toMatch(/^_src_path: python-service$/m);
  expect(answers).toMatch(/^python_version: '3\.12'$/m);
  expect(answers).toMatch(/^port: 8080$/m);
  expect(answers).toMatch(/^modules:\n- database$/m);
  expect(answers).toMatch(new RegExp(`^project_name: ${slug}$`, "m"));
  expect(answers).not.toContain("session_secret");
  expect(git("show", `${first}:app/db.py`)).toContain("sqlite3");
  expect(git("show", "main:app/links.py")).toContain("secrets.token_hex(3)");
}

/** The DevOps run: the manifest's start command, the template's variables, the tested commit deployed. */
async function expectDeployed(projectId: string, runId: string, expected: { url: string; commit: string }) {
  const deployed = await steps(runId);
  expect(stepRows(deployed)).toEqual(
    ["inspect", "allocate", "analyze env", "secrets", "deploy", "health"].map((name) => [name, "succeeded"]),
  );
  expect(deployed[0]?.detail).toMatchObject({
    commit: expected.commit,
    manifest: true,
    start: { command: ["python3", "-m", "app"], from: "orchestrator.json" },
    healthPath: { path: "/health", from: "orchestrator.json" },
  });
  // python-service's .env.example says where each value comes from; nothing is asked of the user.
  expect(deployed[2]?.detail).toEqual({
    PORT: "infra (comment)",
    PUBLIC_URL: "infra (comment)",
    SESSION_SECRET: "generated (comment)",
    DATABASE_PATH: "computed (comment)",
  });
  expect(deployed[3]?.detail).toEqual({ generated: ["SESSION_SECRET"], asked: [] });
  const job = await stack.chat.fleet.job(deployed[4]?.jobId as string);
  expect((job as unknown as { spec: { vars: object } }).spec.vars).toMatchObject({
    start_argv: ["python3", "-m", "app"],
    service_manager: "process",
  });
  const rows = await queryD1<{ status: string; url: string; commit_sha: string }>(
    stack.chat.dir,
    "SELECT status, url, commit_sha FROM deployments WHERE project_id = ?",
    projectId,
  );
  expect(rows).toEqual([{ status: "deployed", url: expected.url, commit_sha: expected.commit }]);
}

describe.skipIf(!ready)("a chat message to a healthy Python service", { timeout: 300_000 }, () => {
  it("picks python-service, answers its questions, builds, tests with unittest, deploys, and it answers", async () => {
    const user = await stack.chat.api<{ id: string }>("/users", { name: "Pia" });
    key = (await stack.chat.api<{ key: string }>("/api-keys", { name: "Pia's key", userId: user.id })).key;
    const project = await converse();
    const url = await liveUrl(project.id);
    await inChat("Tests pass after 2 iteration(s)", 1_000);

    // The service answers its health path and shortens a URL.
    const health = await fetch(`${url}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok", service: project.slug }]);
    const made = await fetch(`${url}/links`, {
      method: "POST",
      body: JSON.stringify({ url: "https://example.com/python" }),
    });
    const link = (await made.json()) as { code: string; url: string };
    expect([made.status, link.code]).toEqual([201, expect.stringMatching(/^[0-9a-f]{6}$/)]);
    const resolved = await fetch(`${url}/links/${link.code}`);
    expect(await resolved.json()).toEqual({ code: link.code, url: "https://example.com/python" });

    expectArchitectChosePython();
    expectScaffold(project.slug);
    const built = await stack.chat.api(`/projects/${project.id}`);
    expect(built).toMatchObject({
      templateId: PYTHON_TEMPLATE_ID,
      modules: ["database"],
      spec: { template: { id: PYTHON_TEMPLATE_ID, name: "python-service" }, answers: PYTHON_ANSWERS },
    });

    const [devops, engineering] = await runsOf(project.id);
    expect([engineering?.kind, engineering?.status, devops?.kind, devops?.status]).toEqual([
      "engineering",
      "succeeded",
      "devops",
      "succeeded",
    ]);
    const timeline = await steps(engineering?.id as string);
    expect(stepRows(timeline)).toEqual([
      ["architect", "succeeded"],
      ["prepare", "succeeded"],
      ["develop 1", "succeeded"],
      ["test 1", "succeeded"],
      ["develop 2", "succeeded"],
      ["test 2", "succeeded"],
    ]);
    expect(timeline[0]?.detail).toMatchObject({ template: "python-service", modules: ["database"] });
    // unittest's summary read: iteration 1's failing test by name, then all passing.
    expect(timeline[3]?.detail).toMatchObject({
      passed: false,
      command: UNITTEST,
      from: "orchestrator.json",
      counts: { failed: 1 },
      failures: [expect.stringContaining("test_codes_are_six_characters")],
    });
    const tested = timeline[5]?.detail;
    expect(tested).toMatchObject({ passed: true, command: UNITTEST, counts: { failed: 0 } });
    expect(tested?.counts.passed).toBeGreaterThan(0);
    expect(tested?.counts.passed).toBe(tested?.counts.total);

    await expectDeployed(project.id, devops?.id as string, { url, commit: tested?.commit });
  });
});
