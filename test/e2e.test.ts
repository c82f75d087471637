/**
 * The product's acceptance test, on one machine: loopback servers speak the Telegram Bot API and
 * the Anthropic Messages API (the PO agent, the Architect, the EnvAnalyzer and the real Claude
 * Code CLI all talk to it); a local executor runs every job with process isolation; an sshd on
 * 127.0.0.1 is the registered server; the default template.
 *
 * "I need a URL shortener with a health endpoint" → one clarifying question → the answer →
 * project → scaffold pushed to a local bare repo → the agent changes the code → the tests fail on
 * iteration 1 and pass on iteration 2 → allocation → one user-provided variable asked for → sent
 * (and deleted from the chat) → Ansible deploy → health 200 → the URL in the chat, and
 * `GET <url>/health` answers 200. A second variant kills the executor during the Developer step
 * and restarts the Worker during the deploy: the run still ends deployed, no step done twice.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopGroup } from "../scripts/local-stack.ts";
import { type ChatHarness, eventually } from "./support/chat.ts";
import { queryD1 } from "./support/d1.ts";
import { type TimelineStep, until } from "./support/poll.ts";
import { CY_GUIDANCE, missingTools, type ScenarioStack, startScenarioStack } from "./support/scenario.ts";

const ready = missingTools().length === 0;

let stack: ScenarioStack;
let chat: ChatHarness;
let nextUser = 7000;

type Step = TimelineStep;

beforeAll(async () => {
  if (!ready) return;
  stack = await startScenarioStack(
    { STATUS_EDIT_INTERVAL_MS: "200", JOB_PROGRESS_POLL_S: "1" },
    { executor: false },
  );
  chat = stack.chat;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function member(name: string) {
  const id = nextUser++;
  const user = await chat.api<{ id: string }>("/users", { name, telegramId: id });
  return { id, first_name: name, userId: user.id };
}

const texts = (chatId: number) =>
  chat.telegram.calls
    .filter(
      (call) => call.payload.chat_id === chatId && ["sendMessage", "editMessageText"].includes(call.method),
    )
    .map((call) => String(call.payload.text));
const waitFor = (chatId: number, part: string, timeoutMs = 240_000) =>
  eventually(() => texts(chatId).find((text) => text.includes(part)), part, timeoutMs);

async function runsOf(projectId: string): Promise<{ id: string; kind: string; status: string }[]> {
  return (await chat.api(`/projects/${projectId}/runs`)).items;
}
const steps = async (runId: string): Promise<Step[]> => (await chat.api(`/runs/${runId}/steps`)).items;

/**
 * The chat's "is live" message; when it does not come, a failure that says where each run stopped
 * (its status and error, its last steps and their jobs' errors), not only that it timed out.
 */
async function waitLive(chatId: number, projectId: string): Promise<string> {
  try {
    return await waitFor(chatId, "is live: ");
  } catch (error) {
    const runs = await Promise.all(
      (await runsOf(projectId)).map(async (run) => {
        const last = (await steps(run.id)).slice(-3);
        return { run: await chat.api(`/runs/${run.id}`), last };
      }),
    );
    throw new Error(`${(error as Error).message}; the runs: ${JSON.stringify(runs)}`);
  }
}

/** The conversation up to the secret request: returns the user, the project and both runs' ids. */
async function converse(name: string) {
  const user = await member(name);
  await chat.say(user, `Hi, my name is ${name}. I need a URL shortener with a health endpoint`);
  await waitFor(user.id, "Should short links expire?", 30_000);
  const question = chat.telegram
    .sent("sendMessage", user.id)
    .find((call) => String(call.payload.text).includes("expire"));
  await chat.press(user, "ans:1", question?.result.message_id);
  await waitFor(user.id, "Building it now", 30_000);
  const projects = (await chat.api(`/projects?ownerId=${user.userId}`)).items;
  expect(projects).toHaveLength(1);
  return { user, project: projects[0] as { id: string; slug: string } };
}

async function sendSecret(user: { id: number; first_name: string }, value: string) {
  await waitFor(user.id, "Please send the value of <code>SHORTENER_API_TOKEN</code>");
  const sent = await chat.say(user, value);
  // The value's message is deleted from the chat, and the bot confirms by name.
  await eventually(
    () =>
      chat.telegram.sent("deleteMessage", user.id).some((call) => call.payload.message_id === sent.messageId),
    "the secret's message deleted",
  );
}

/** The DevOps timeline of a first deploy that needs one value from the user. */
const DEPLOY_STEPS = [
  "inspect",
  "allocate",
  "analyze env",
  "secrets",
  "secret SHORTENER_API_TOKEN",
  "deploy",
  "health",
];
const names = (timeline: Step[]) => timeline.map((step) => step.name);

describe.skipIf(!ready)("a chat message to a healthy deployed service", { timeout: 600_000 }, () => {
  it("builds, tests (failing once), deploys with the user's value, and sends the URL", async () => {
    const executor = await chat.fleet.executor(2, {});
    const { user, project } = await converse("Ada");
    const token = "tok-e2e-canary-1f9b27";
    await sendSecret(user, token);
    const live = await waitLive(user.id, project.id);
    const url = /is live: (http:\/\/127\.0\.0\.1:\d+)/.exec(live)?.[1] as string;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // While the deploy's playbook ran, the run's status message showed how far it was.
    expect(texts(user.id).some((text) => /⏳ deploy_project: \d+\/\d+ tasks/.test(text))).toBe(true);

    // The runs, their timelines, the deployment, from the database.
    const [devops, engineering] = await runsOf(project.id);
    expect([engineering?.kind, engineering?.status, devops?.kind, devops?.status]).toEqual([
      "engineering",
      "succeeded",
      "devops",
      "succeeded",
    ]);
    const built = await steps(engineering?.id as string);
    expect(built.map((step) => [step.name, step.status])).toEqual([
      ["architect", "succeeded"],
      ["prepare", "succeeded"],
      ["develop 1", "succeeded"],
      ["test 1", "succeeded"],
      ["develop 2", "succeeded"],
      ["test 2", "succeeded"],
    ]);
    expect(built.map((step) => step.detail?.passed)).toEqual([
      undefined,
      undefined,
      undefined,
      false,
      undefined,
      true,
    ]);
    const deployed = await steps(devops?.id as string);
    expect(names(deployed)).toEqual(DEPLOY_STEPS);
    const tested = built[5]?.detail?.commit;
    const [deployment] = await queryD1<{ status: string; url: string; commit_sha: string }>(
      chat.dir,
      "SELECT status, url, commit_sha FROM deployments WHERE project_id = ?",
      project.id,
    );
    expect(deployment).toEqual({ status: "deployed", url, commit_sha: tested });
    expect(live).toContain(`Commit ${String(tested).slice(0, 12)}`);

    // The transcript: the question, both runs' status messages (edited in place), the secret flow.
    const transcript = texts(user.id);
    const order = [
      "Should short links expire?",
      "Building it now",
      "Tests pass after 2 iteration(s)",
      "Please send the value of <code>SHORTENER_API_TOKEN</code>",
      "is live: ",
    ].map((part) => transcript.findIndex((text) => text.includes(part)));
    expect(order.every((index, i) => index >= 0 && (i === 0 || index > (order[i - 1] as number)))).toBe(true);
    // The value went nowhere but D1 (sealed) and the service: not to the model, not back to the chat.
    expect(chat.model.requests.some((request) => request.body.includes(token))).toBe(false);
    expect(
      chat.telegram.calls
        .filter((call) => call.method !== "getUpdates")
        .some((call) =>
          call.method !== "sendMessage" || call.payload.chat_id !== user.id
            ? false
            : String(call.payload.text).includes(token),
        ),
    ).toBe(false);
    expect(chat.worker.output()).not.toContain(token);

    // The project card's Logs button shows the last run's timeline, with durations and jobs.
    await chat.press(user, `logs:${project.id}`);
    const timeline = await waitFor(user.id, "A job's full log");
    expect(timeline).toContain("devops run");
    expect(timeline).toMatch(/✅ deploy \d+\.\d s · job <code>\w+<\/code>/);
    await stopGroup(executor.daemon, "SIGKILL");
  });

  it("asks after three failing iterations, with buttons, and goes on with the user's guidance", async () => {
    const executor = await chat.fleet.executor(2, {});
    const { user, project } = await converse("Cy");
    const engineeringId = (await runsOf(project.id))[0]?.id as string;
    // Three failing iterations (the default limit), then the question with its three buttons.
    await waitFor(user.id, "The tests still fail.");
    const asked = chat.telegram
      .sent("sendMessage", user.id)
      .find((call) => String(call.payload.text).includes("The tests still fail."));
    const keyboard = (asked?.payload.reply_markup?.inline_keyboard ?? []).flat();
    expect(keyboard.map((button: { text: string; callback_data: string }) => button.callback_data)).toEqual([
      `dec:r:${engineeringId}`,
      `dec:d:${engineeringId}`,
      `dec:s:${engineeringId}`,
    ]);
    expect(await chat.api(`/runs/${engineeringId}`)).toMatchObject({ status: "waiting" });
    await chat.press(user, `dec:r:${engineeringId}`, asked?.result.message_id);
    await waitFor(user.id, "What should the developer do differently?");
    await chat.say(user, CY_GUIDANCE);
    await waitFor(user.id, "Retrying with your guidance.");
    // A second press on the old question is refused: it was answered.
    await chat.press(user, `dec:d:${engineeringId}`, asked?.result.message_id);
    await eventually(
      () =>
        chat.telegram
          .sent("answerCallbackQuery")
          .some((call) => String(call.payload.text).includes("not waiting")),
      "the refusal",
    );

    await sendSecret(user, "tok-e2e-third-77cd");
    const live = await waitLive(user.id, project.id);
    const url = /is live: (http:\/\/127\.0\.0\.1:\d+)/.exec(live)?.[1] as string;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const built = await steps(engineeringId);
    expect(names(built)).toEqual([
      "architect",
      "prepare",
      "develop 1",
      "test 1",
      "develop 2",
      "test 2",
      "develop 3",
      "test 3",
      "decision 1",
      "develop 4",
      "test 4",
    ]);
    expect(built.find((step) => step.name === "decision 1")?.detail).toMatchObject({
      choice: "retry",
      guidance: true,
    });
    expect(built.at(-1)?.detail).toMatchObject({ passed: true });
    await stopGroup(executor.daemon, "SIGKILL");
  });

  it("survives the executor killed during the Developer step and the Worker restarted during the deploy", async () => {
    const first = await chat.fleet.executor(2, {});
    const { user, project } = await converse("Bob");
    const engineeringId = (await runsOf(project.id))[0]?.id as string;

    // Kill the executor while the agent works on iteration 1, then start it again (same id and data).
    const developing = await until("develop 1 to run", async () => {
      const step = (await steps(engineeringId)).find((item) => item.name === "develop 1");
      if (!step?.jobId) return undefined;
      const job = await chat.fleet.job(step.jobId);
      return job.status === "running" ? job : undefined;
    });
    await stopGroup(first.daemon, "SIGKILL");
    const second = await chat.fleet.restart(first);

    await sendSecret(user, "tok-e2e-second-55aa");
    // Restart the Worker while the deploy job runs.
    const devopsId = await until("the deploy to run", async () => {
      const devops = (await runsOf(project.id)).find((run) => run.kind === "devops");
      const step = devops && (await steps(devops.id)).find((item) => item.name === "deploy");
      return step?.status === "running" ? devops?.id : undefined;
    });
    await chat.worker.stop("SIGKILL");
    await chat.fleet.startWorker();

    const live = await waitLive(user.id, project.id);
    const url = /is live: (http:\/\/127\.0\.0\.1:\d+)/.exec(live)?.[1] as string;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(await chat.api(`/runs/${devopsId}`)).toMatchObject({ status: "succeeded" });

    // No step twice: one row per step, the develop job retried as attempt 2 (not a twin), the
    // deploy job once, three commits (scaffold, two iterations).
    const built = await steps(engineeringId);
    expect(names(built)).toEqual(["architect", "prepare", "develop 1", "test 1", "develop 2", "test 2"]);
    expect(built[2]?.jobId).toBe(developing.id);
    expect(await chat.fleet.job(developing.id)).toMatchObject({ status: "succeeded", attempt: 2 });
    const deployedSteps = await steps(devopsId);
    expect(names(deployedSteps)).toEqual(DEPLOY_STEPS);
    const deployJob = await chat.fleet.job(deployedSteps[5]?.jobId as string);
    expect(deployJob).toMatchObject({ status: "succeeded", attempt: 1 });
    const bare = path.join(stack.repos, `${project.slug}.git`);
    const log = spawnSync("git", ["-C", bare, "log", "--format=%s", "main"], {
      encoding: "utf8",
    }).stdout.trim();
    expect(log.split("\n")).toHaveLength(3);
    const deployments = await queryD1<{ status: string }>(
      chat.dir,
      "SELECT status FROM deployments WHERE project_id = ?",
      project.id,
    );
    expect(deployments).toEqual([{ status: "deployed" }]);
    await stopGroup(second.daemon, "SIGKILL");
  });
});
