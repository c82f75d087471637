/**
 * Telegram webhook acknowledgement latency: 1,000 updates across 50 chats posted to the real
 * webhook under `wrangler dev` (each handed to its chat's ChatSession, which queues it and lets the
 * 200 go), against `GET /` of the same Worker (a redirect: no I/O, the empty baseline), measured
 * alternately in the same run. Target: webhook p99 at most 1.5× the empty route's p99.
 *
 * The model and Telegram are loopback fakes (the tests' own); while the webhook is measured, the
 * chats really work through their queues (model call, reply), so the acknowledgements compete with
 * that work as they would in production. At the end every update must have been answered.
 *
 *   npm run bench:telegram
 */
import { ChatHarness, eventually, lastUserText } from "../test/support/chat.ts";

const UPDATES = 1000;
const CHATS = 50;
const WARMUP = 50;
const TARGET = 1.5;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (n: number) => `${n.toFixed(2)} ms`;

const chat = await ChatHarness.start();
try {
  chat.respond((request) => ({ text: `ok ${lastUserText(request).length}` }));
  const chats: { id: number; first_name: string }[] = [];
  for (let i = 0; i < CHATS; i++) {
    const id = 9000 + i;
    await chat.api("/users", { name: `Bench ${i}`, telegramId: id });
    chats.push({ id, first_name: `Bench ${i}` });
  }

  const timeEmpty = async () => {
    const started = performance.now();
    const response = await fetch(`${chat.worker.origin}/`, { redirect: "manual" });
    await response.arrayBuffer();
    if (response.status !== 302) throw new Error(`GET / answered ${response.status}`);
    return performance.now() - started;
  };
  const timeWebhook = async (i: number) => {
    const from = chats[i % CHATS] as (typeof chats)[number];
    const update = chat.message(from, `update ${i}`);
    const started = performance.now();
    const response = await chat.post(update);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    return performance.now() - started;
  };

  for (let i = 0; i < WARMUP; i++) {
    await timeEmpty();
    await timeWebhook(i);
  }
  const empty: number[] = [];
  const webhook: number[] = [];
  const started = performance.now();
  for (let i = 0; i < UPDATES; i++) {
    empty.push(await timeEmpty());
    webhook.push(await timeWebhook(WARMUP + i));
  }
  const posted = performance.now() - started;
  const total = WARMUP + UPDATES;
  const answered = () =>
    chat.telegram.sent("sendMessage").filter((call) => String(call.payload.text).startsWith("ok ")).length;
  await eventually(() => answered() >= total, `${total} replies`, 300_000);
  const drained = performance.now() - started;

  console.log(`${UPDATES} updates across ${CHATS} chats (after ${WARMUP} warm-up), alternating with GET /\n`);
  console.log("            p50        p99        max");
  console.log(
    `GET /       ${ms(percentile(empty, 50)).padEnd(10)} ${ms(percentile(empty, 99)).padEnd(10)} ${ms(Math.max(...empty))}`,
  );
  console.log(
    `webhook     ${ms(percentile(webhook, 50)).padEnd(10)} ${ms(percentile(webhook, 99)).padEnd(10)} ${ms(Math.max(...webhook))}`,
  );
  const ratio50 = percentile(webhook, 50) / percentile(empty, 50);
  const ratio99 = percentile(webhook, 99) / percentile(empty, 99);
  console.log(
    `\nratio: p50 ${ratio50.toFixed(2)}×, p99 ${ratio99.toFixed(2)}× (target p99 ≤ ${TARGET}×: ${ratio99 <= TARGET ? "met" : "NOT met"})`,
  );
  console.log(
    `all ${answered()} of ${total} updates answered; posting took ${(posted / 1000).toFixed(1)} s, the last reply came ${((drained - posted) / 1000).toFixed(1)} s later`,
  );
} finally {
  await chat.stop();
}
