/**
 * The web console in Chromium, against baselines measured in the same run (issue 18's targets;
 * printed, never asserted):
 * - first load of the projects page (`/`, signed in, 30 projects seeded through the API),
 *   navigation start → largest contentful paint, against the Worker's static page (`/about`,
 *   Workers static assets): projects page LCP at most 2× the static page's;
 * - the JavaScript that first load brings, gzipped: at most 150 KB;
 * - live log latency: a line a job prints → shown in the run page's log view, against the same
 *   line's arrival at a plain SSE client of the job's log stream: p95 at most 2×.
 *
 * Loopback only: the Worker under `wrangler dev`, a real executor daemon, the real Claude Code CLI
 * with its model scripted on a loopback Messages API, Debian's Chromium. The parts are in
 * bench/console/: first-load.ts, live-log.ts.
 *
 *   npm run bench:console             (BENCH_ROUNDS=20 loads of each page by default)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { claudeBinary, startFakeAnthropic } from "../executor/test/support/fake-anthropic.ts";
import { TestBrowser } from "../test/support/browser.ts";
import { Fleet } from "../test/support/fleet.ts";
import { pipelineModel } from "../test/support/pipeline-model.ts";
import { type FirstLoads, measureFirstLoads, seedProjects } from "./console/first-load.ts";
import { type LiveLog, measureLiveLog, tickerDeveloper } from "./console/live-log.ts";
import { kb, percentile, spread, verdict } from "./console/stats.ts";

const PROJECTS = 30;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const WARMUP = 2;
const LCP_TARGET = 2;
const JS_TARGET_BYTES = 150 * 1024;
const LOG_TARGET = 2;

function reportFirstLoads(loads: FirstLoads): void {
  const { staticLoads, projectLoads } = loads;
  const lcp = (list: typeof staticLoads) => list.map((load) => load.lcpMs);
  const ttfb = (list: typeof staticLoads) => list.map((load) => load.ttfbMs);
  console.log(
    `First load, cache off, 1440×900: ${ROUNDS} loads of each page (after ${WARMUP} warm-up), alternating\n`,
  );
  console.log(`static ${loads.staticPath}`.padEnd(26), `LCP  ${spread(lcp(staticLoads))}`);
  console.log(`projects / (${loads.projects})`.padEnd(26), `LCP  ${spread(lcp(projectLoads))}`);
  console.log(`static ${loads.staticPath}`.padEnd(26), `TTFB ${spread(ttfb(staticLoads))}`);
  console.log(`projects / (${loads.projects})`.padEnd(26), `TTFB ${spread(ttfb(projectLoads))}`);
  const ratio = (p: number) => percentile(lcp(projectLoads), p) / percentile(lcp(staticLoads), p);
  console.log(
    `\nLCP ratio projects/static: p50 ${ratio(50).toFixed(2)}×, p95 ${ratio(95).toFixed(2)}×` +
      ` (target ≤ ${LCP_TARGET}×: ${verdict(ratio(95), LCP_TARGET)} at p95, ${verdict(ratio(50), LCP_TARGET)} at p50)`,
  );
  const first = projectLoads[0];
  if (!first) return;
  const js = Math.max(...projectLoads.map((load) => load.scriptBytes));
  console.log(
    `JavaScript of the projects page: ${kb(js)} gzipped (${first.inlineScripts} inline script(s), ` +
      `no script files; target ≤ ${kb(JS_TARGET_BYTES)}: ${verdict(js, JS_TARGET_BYTES)})`,
  );
  const staticDocument = staticLoads[0]?.documentBytes ?? Number.NaN;
  console.log(
    `HTML on the wire (gzip): projects page ${kb(first.documentBytes)}, static page ${kb(staticDocument)}\n`,
  );
}

function reportLiveLog(log: LiveLog): void {
  console.log(
    `Live log: ${log.ticks} lines, one per 200 ms; ${log.page.length} seen live by both clients ` +
      `(${log.backlog} earlier lines were backlog)\n`,
  );
  console.log("SSE client (Node)".padEnd(26), spread(log.sse));
  console.log("run page's log view".padEnd(26), spread(log.page));
  const ratio = (p: number) => percentile(log.page, p) / percentile(log.sse, p);
  console.log(
    `\nratio page/client: p50 ${ratio(50).toFixed(2)}×, p95 ${ratio(95).toFixed(2)}×` +
      ` (target p95 ≤ ${LOG_TARGET}×: ${verdict(ratio(95), LOG_TARGET)})`,
  );
  console.log(
    "(each reader's stream polls the hub every 250 ms while it has nothing new: a line waits 0–250 ms on either side)",
  );
}

console.log(`load average at the start ${loadavg()[0]?.toFixed(1)} (${availableParallelism()} CPUs)\n`);
const claude = claudeBinary();
if (!claude) {
  console.error("bench:console needs the Claude Code CLI (npm ci installs it).");
  process.exit(1);
}
process.env.ORCHESTRATOR_CLAUDE_BIN ??= claude;
const repos = await mkdtemp(path.join(tmpdir(), "co-bench-console-"));
const model = await startFakeAnthropic(pipelineModel(tickerDeveloper));
let fleet: Fleet | undefined;
let browser: TestBrowser | undefined;
try {
  fleet = await Fleet.start(
    { REPO_BASE_URL: pathToFileURL(repos).href, ANTHROPIC_BASE_URL: model.baseUrl },
    { ANTHROPIC_API_KEY: "sk-ant-bench-console" },
  );
  browser = await TestBrowser.launch("bench-console");
  const signIn = await seedProjects(fleet, PROJECTS);
  const { page } = await browser.open(signIn, { width: 1440, height: 900 });
  await page.waitForURL(`${fleet.worker.origin}/`);
  await page.close();
  reportFirstLoads(
    await measureFirstLoads(fleet, browser, { projects: PROJECTS, rounds: ROUNDS, warmup: WARMUP }),
  );

  await fleet.executor(2, {});
  reportLiveLog(await measureLiveLog(fleet, browser));
  console.log(
    `\nload average now ${loadavg()[0]?.toFixed(1)} (${availableParallelism()} CPUs): other work shares them`,
  );
} finally {
  await browser?.close();
  await fleet?.stop();
  await model.close();
  await rm(repos, { recursive: true, force: true });
}
