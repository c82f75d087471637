/**
 * Live log latency: an engineering run whose tests (the `test 1` step's job, on a real executor)
 * print a line with the wall-clock time every 200 ms, followed at once by the run's page in
 * Chromium (its Log button: the page's EventSource, drawn into the log view) and by a plain Node
 * client of the same `/jobs/{id}/log/stream`. For each line, the time it showed in the page (a
 * MutationObserver on the log view) and the time it reached the Node client, both less the time
 * the line carries; same machine, same clock. Lines printed before both were following are the
 * log's backlog, not live, and are left out.
 *
 * The Developer is the real Claude Code CLI, its model scripted on the tests' loopback Messages
 * API (test/support/pipeline-model.ts): iteration 1 writes the manifest whose test command is the
 * ticker.
 */
import { DESKTOP, type TestBrowser } from "../../test/support/browser.ts";
import type { Fleet } from "../../test/support/fleet.ts";
import type { DeveloperScripts } from "../../test/support/pipeline-model.ts";
import { writeFile } from "../../test/support/pipeline-model.ts";
import { type TimelineStep, until } from "../../test/support/poll.ts";

export const LOG_PROJECT = "Log Ticker";
const TICKS = 150;
const TICK_MS = 200;
/** Lines stamped this soon after both clients attached may still be backlog. */
const SETTLE_MS = 1000;
const FINAL = ["succeeded", "failed", "cancelled"];

/** A log line the ticker printed, and when a client had it (ms since the epoch, both). */
export interface Tick {
  n: number;
  stamp: number;
  at: number;
}

export interface LiveLog {
  /** Per line seen live by both: page time − stamp, and Node client time − stamp. */
  page: number[];
  sse: number[];
  ticks: number;
  backlog: number;
}

const MANIFEST = JSON.stringify({ test: { command: ["node", "ticks.mjs"] } });
const TICKER = `// The console benchmark's tests: a log line with the wall-clock time every ${TICK_MS} ms.
for (let i = 0; i < ${TICKS}; i++) {
  console.log("tick " + i + " " + Date.now());
  await new Promise((resolve) => setTimeout(resolve, ${TICK_MS}));
}
console.log("# tests 1");
console.log("# pass 1");
console.log("# fail 0");`;

/** The Developer's script: iteration 1 makes the ticker the project's tests. */
export const tickerDeveloper: DeveloperScripts = {
  [LOG_PROJECT]: (iteration) =>
    iteration === 1 ? [writeFile("orchestrator.json", MANIFEST), writeFile("ticks.mjs", TICKER)] : [],
};

/** Complete `tick <n> <ms>` lines of a growing text, as they come. */
function tickLines(onTick: (n: number, stamp: number) => void): (text: string) => void {
  let pending = "";
  return (text) => {
    const lines = (pending + text).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const match = /^tick (\d+) (\d+)$/.exec(line);
      if (match) onTick(Number(match[1]), Number(match[2]));
    }
  };
}

/** A plain SSE client on the job's log stream (the admin key), until its `end` event. */
function followLog(fleet: Fleet, jobId: string) {
  const ticks: Tick[] = [];
  const state = { attachedAt: Number.NaN };
  const done = (async () => {
    const response = await fetch(`${fleet.worker.api}/jobs/${jobId}/log/stream`, {
      headers: { authorization: `Bearer ${fleet.worker.adminKey}`, accept: "text/event-stream" },
      signal: AbortSignal.timeout(TICKS * TICK_MS + 120_000),
    });
    if (!response.ok || !response.body) throw new Error(`log stream answered ${response.status}`);
    state.attachedAt = performance.timeOrigin + performance.now();
    let at = 0;
    const onText = tickLines((n, stamp) => ticks.push({ n, stamp, at }));
    let buffer = "";
    for await (const text of response.body.pipeThrough(new TextDecoderStream())) {
      at = performance.timeOrigin + performance.now();
      buffer += text;
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(event)?.[1];
        if (name === "end") return;
        const data = /^data: (.*)$/m.exec(event)?.[1];
        if (name === "log" && data) onText((JSON.parse(data) as { chunk: string }).chunk);
      }
    }
  })();
  return { ticks, state, done };
}

// Runs in the run page: records each tick line when it enters the log view.
const PAGE_OBSERVER = `(() => {
  const log = document.getElementById("log-text");
  const ticks = (window.benchTicks = []);
  let seen = 0;
  let pending = "";
  new MutationObserver(() => {
    const at = performance.timeOrigin + performance.now();
    const text = log.textContent;
    if (text.length < seen) (seen = 0), (pending = "");
    const lines = (pending + text.slice(seen)).split("\\n");
    seen = text.length;
    pending = lines.pop();
    for (const line of lines) {
      const match = /^tick (\\d+) (\\d+)$/.exec(line);
      if (match) ticks.push({ n: Number(match[1]), stamp: Number(match[2]), at });
    }
  }).observe(log, { childList: true, subtree: true, characterData: true });
})()`;

/** The `test 1` step's job, once the run has submitted it; throws if the run ends first. */
function testJob(fleet: Fleet, runId: string): Promise<string> {
  return until(
    "the run's test step",
    async () => {
      const steps = (await fleet.call<{ items: TimelineStep[] }>(`/runs/${runId}/steps`)).items;
      const jobId = steps.find((step) => step.name === "test 1")?.jobId;
      if (jobId) return jobId;
      const run = await fleet.call<{ status: string; error: string | null }>(`/runs/${runId}`);
      if (FINAL.includes(run.status)) throw new Error(`the run ended ${run.status}: ${run.error}`);
      return undefined;
    },
    300_000,
    100,
  );
}

/** Starts the run, opens its page as the project's owner, and follows the test step's log both ways. */
export async function measureLiveLog(fleet: Fleet, browser: TestBrowser): Promise<LiveLog> {
  const owner = await fleet.call<{ id: string }>("/users", { name: "Log Reader" });
  const project = await fleet.call<{ id: string }>("/projects", {
    name: LOG_PROJECT,
    description: "Prints the time, often.",
    ownerId: owner.id,
  });
  const run = await fleet.call<{ id: string }>(`/projects/${project.id}/runs`, { kind: "engineering" });
  const link = await fleet.call<{ url: string }>("/sign-in-links", { userId: owner.id });
  const { page } = await browser.open(link.url, DESKTOP);
  try {
    await page.waitForURL(`${fleet.worker.origin}/`);
    await page.goto(`${fleet.worker.origin}/runs/${run.id}`);
    await page.evaluate(PAGE_OBSERVER);
    const client = followLog(fleet, await testJob(fleet, run.id));
    await page.getByRole("button", { name: "Log of test 1" }).click({ timeout: 30_000 });
    const clickedAt = Date.now();
    await client.done;
    const inPage = await until(
      "every tick in the page",
      async () => {
        const ticks = (await page.evaluate("window.benchTicks")) as Tick[];
        return ticks.length >= TICKS ? ticks : undefined;
      },
      15_000,
      100,
    );
    return pairUp(inPage, client.ticks, Math.max(clickedAt, client.state.attachedAt) + SETTLE_MS);
  } finally {
    await page.close();
  }
}

/** Latencies of the lines both clients saw live: stamped at or after `liveFrom`. */
function pairUp(inPage: Tick[], inClient: Tick[], liveFrom: number): LiveLog {
  const clientAt = new Map(inClient.map((tick) => [tick.n, tick.at]));
  const live = inPage.filter((tick) => tick.stamp >= liveFrom && clientAt.has(tick.n));
  return {
    page: live.map((tick) => tick.at - tick.stamp),
    sse: live.map((tick) => (clientAt.get(tick.n) as number) - tick.stamp),
    ticks: TICKS,
    backlog: inPage.filter((tick) => tick.stamp < liveFrom).length,
  };
}
