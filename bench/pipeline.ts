/**
 * The acceptance scenario's wall time (a chat message to the URL in the chat), split into the
 * jobs' own work, the user's answers and our code: the Worker, the workflows, the hub and
 * dispatch. Jobs' work is what the executor measured from "job started" to "job ended" (its
 * log); the user's time runs from the bot's question (or secret request) to the answer, which
 * this bench sends as soon as it sees the question. What remains is ours, and the ratio to the
 * wall time is the orchestration overhead. Target: ours at most 10% of the wall time.
 *
 * The model and Telegram are the tests' loopback simulations (so model latency counts as ours:
 * a conservative split); the agent is the real Claude Code CLI, the deploy real Ansible over SSH.
 *
 *   npm run bench:pipeline            (BENCH_ROUNDS=2 by default)
 */
import type { ChatHarness } from "../test/support/chat.ts";
import { missingTools, startScenarioStack } from "../test/support/scenario.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const TARGET = 0.1;

type Step = { name: string; durationMs: number | null; jobId: string | null };
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Polls the chat (bounded) until the bot has said `part`; the time it was said (ms since epoch). */
async function shown(
  chat: ChatHarness,
  chatId: number,
  part: string,
  after: number,
): Promise<{ at: number; messageId: number }> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const call = chat.telegram.calls.find(
      (item) =>
        item.payload.chat_id === chatId &&
        ["sendMessage", "editMessageText"].includes(item.method) &&
        String(item.payload.text).includes(part) &&
        item.at >= after,
    );
    if (call) return { at: call.at, messageId: Number(call.result?.message_id ?? call.payload.message_id) };
    if (Date.now() > deadline) throw new Error(`the chat never showed "${part}"`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Each job's own time on the executor, from its log lines ("job started" → "job ended"). */
function jobTimes(log: string): Map<string, number> {
  const started = new Map<string, number>();
  const spent = new Map<string, number>();
  for (const line of log.split("\n")) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as { msg?: string; jobId?: string; attempt?: number; time?: number };
    if (!entry.jobId || entry.time === undefined) continue;
    const key = `${entry.jobId}:${entry.attempt}`;
    if (entry.msg === "job started") started.set(key, entry.time);
    if (entry.msg === "job ended" && started.has(key))
      spent.set(entry.jobId, (spent.get(entry.jobId) ?? 0) + entry.time - (started.get(key) ?? entry.time));
  }
  return spent;
}

const missing = missingTools();
if (missing.length > 0) {
  console.error(`bench:pipeline needs ${missing.join(", ")}.`);
  process.exit(1);
}
const stack = await startScenarioStack();
const { chat } = stack;
const totals = { wall: 0, jobs: 0, user: 0 };
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const user = { id: 8100 + round, first_name: `Bench${round}` };
    const owner = await chat.api<{ id: string }>("/users", { name: user.first_name, telegramId: user.id });
    const begin = Date.now();
    await chat.say(user, `Hi, my name is ${user.first_name}. I need a URL shortener with a health endpoint`);
    const question = await shown(chat, user.id, "Should short links expire?", begin);
    await chat.press(user, "ans:1", question.messageId);
    const answered = Date.now();
    const request = await shown(chat, user.id, "Please send the value of", begin);
    await chat.say(user, `bench-token-${round}`);
    const sent = Date.now();
    const live = await shown(chat, user.id, "is live: ", begin);
    const wall = live.at - begin;
    const userTime = answered - question.at + (sent - request.at);

    const project = (await chat.api(`/projects?ownerId=${owner.id}`)).items[0];
    const runs = (await chat.api(`/projects/${project.id}/runs`)).items.reverse() as {
      id: string;
      kind: string;
    }[];
    const times = jobTimes(stack.executor?.output() ?? "");
    console.log(`\nround ${round}: ${project.slug}`);
    console.log(
      `  ${"stage".padEnd(30)} ${"step".padStart(9)} ${"job's own".padStart(10)} ${"ours".padStart(9)}`,
    );
    let jobs = 0;
    for (const run of runs) {
      for (const step of (await chat.api(`/runs/${run.id}/steps`)).items as Step[]) {
        const job = step.jobId ? (times.get(step.jobId) ?? 0) : 0;
        jobs += job;
        const duration = step.durationMs ?? 0;
        const label = `${run.kind === "engineering" ? "eng" : "ops"}: ${step.name}`;
        console.log(
          `  ${label.padEnd(30)} ${seconds(duration).padStart(9)} ${seconds(job).padStart(10)} ${seconds(Math.max(0, duration - job)).padStart(9)}`,
        );
      }
    }
    const ours = wall - jobs - userTime;
    console.log(
      `  wall ${seconds(wall)} = jobs ${seconds(jobs)} + user ${seconds(userTime)} + ours ${seconds(ours)} (${((ours / wall) * 100).toFixed(1)}%)`,
    );
    totals.wall += wall;
    totals.jobs += jobs;
    totals.user += userTime;
  }
} finally {
  await stack.stop();
}
const ours = totals.wall - totals.jobs - totals.user;
const ratio = ours / totals.wall;
console.log(
  `\n${ROUNDS} rounds: wall ${seconds(totals.wall)}, jobs' own work ${seconds(totals.jobs)} (the baseline), user ${seconds(totals.user)}, ours ${seconds(ours)}`,
);
console.log(
  `ratio (our code / wall time): ${(ratio * 100).toFixed(1)}% (target ≤ ${TARGET * 100}%): ${ratio <= TARGET ? "met" : "NOT met"}`,
);
