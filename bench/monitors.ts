/**
 * Service monitors' cost and speed, under `wrangler dev` with a real executor and real deploys
 * (an sshd on 127.0.0.1 as the server):
 * - idle cost: BENCH_MONITORED services checked every BENCH_INTERVAL_S (by default 6 every 2 s:
 *   the check rate of 180 deployments checked every 60 s; the test server holds 6 services). Time
 *   runs 60/BENCH_INTERVAL_S times faster than in production, so a watch's length
 *   (MONITOR_WATCH_S, an hour) is shortened by the same factor: each watch carries as many checks
 *   as in production. The hub's own periods stay as in production (a heartbeat every 10 s, a
 *   lease sweep every 5 s): each is one event of the hub whatever the number of watches; what
 *   grows with that number (the rows one lease-renewal statement writes and one sweep query
 *   scans) is measured here over 6 watches, not 180. The checks are counted by the services
 *   themselves. Reported: the CPU time workerd (the Worker, the ServiceMonitor objects
 *   and the hub) spends per check, above what it spends with nothing monitored (measured first,
 *   for BENCH_FLOOR_S, and again after the services are deleted), against the CPU time of the
 *   check's own HTTP call (a GET of the same health URL, measured in this process in the same
 *   run). Target: at most 2×.
 * - detection: BENCH_FAILURES induced failures (a service's supervisor stopped at a random moment
 *   of its interval, its monitor's policy restarting it), the time from the stop to the incident,
 *   in check intervals. Target: p99 at most 2 intervals.
 *
 *   npm run bench:monitors
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { sshdAvailable } from "../executor/test/support/sshd.ts";
import { startDeployStack } from "../test/support/deploy-stack.ts";
import { runEnded, until } from "../test/support/poll.ts";
import { serviceRepo } from "../test/support/service-repo.ts";

const MONITORED = Number(process.env.BENCH_MONITORED ?? 6);
const INTERVAL_S = Number(process.env.BENCH_INTERVAL_S ?? 2);
const FAILURES = Number(process.env.BENCH_FAILURES ?? 50);
/** How much faster than production time runs here. */
const SPEED_UP = 60 / INTERVAL_S;
const WATCH_S = Number(process.env.BENCH_WATCH_S ?? Math.max(1, Math.round(3600 / SPEED_UP)));
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 3 * WATCH_S);
const HTTP_CALLS = 2000;
/** After the services are deleted, the time their undeploys get before the second floor. */
const UNDEPLOY_WAIT_S = 60;
const FLOOR_S = Number(process.env.BENCH_FLOOR_S ?? 60);

/** A service that counts its health checks (`/hits`). */
const HEALTHY = `let hits = 0;
require("node:http").createServer((req, res) => {
  if (req.url === "/health") hits++;
  res.writeHead(req.url === "/health" || req.url === "/hits" ? 200 : 404);
  res.end(req.url === "/hits" ? String(hits) : "ok");
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

/** CPU seconds (user + system) of the workerd processes in the Worker's process group. */
function workerdCpuS(group: number): number {
  const tick = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (name === "workerd" && Number(fields[2]) === group) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks / tick;
}

if (!sshdAvailable()) throw new Error("the benchmark needs sshd and ssh-keygen");
const stack = await startDeployStack(
  {
    REPO_ALLOW_LOCAL: "true",
    DEPLOY_HEALTH_RETRIES: "10",
    MONITOR_MIN_INTERVAL_S: "1",
    MONITOR_MAX_ATTEMPTS: "1000",
    MONITOR_WATCH_S: String(WATCH_S),
  },
  { capacity: 8 },
);
const { chat, deployRoot } = stack;
try {
  // The floor: what workerd spends with nothing monitored (the executor's heartbeats, timers).
  const group = chat.worker.pid as number;
  const floorStart = workerdCpuS(group);
  await new Promise((resolve) => setTimeout(resolve, FLOOR_S * 1000));
  const floorPerS = (workerdCpuS(group) - floorStart) / FLOOR_S;
  const projects: { id: string; resourceName: string }[] = [];
  for (let n = 0; n < MONITORED; n++) {
    const repo = serviceRepo(stack.repos, `bench-${n}`, { "server.js": HEALTHY });
    const project = await chat.api<{ id: string; resourceName: string }>("/projects", {
      name: `Bench ${n}`,
      repoUrl: repo.url,
    });
    await chat.api(`/projects/${project.id}`, { monitorIntervalS: INTERVAL_S }, "PATCH");
    projects.push(project);
  }
  console.log(`deploying ${MONITORED} services…`);
  await Promise.all(
    projects.map(async (project) => {
      const run = await chat.api<{ id: string }>(`/projects/${project.id}/runs`, { kind: "devops" });
      const done = await runEnded((route) => chat.api(route), run.id, "a deploy", 600_000);
      if (done.status !== "succeeded") throw new Error(`a deploy ended ${done.status}`);
    }),
  );
  const urls = await Promise.all(
    projects.map(async (project) => (await chat.api<{ url: string }>(`/projects/${project.id}/monitor`)).url),
  );
  /** The health checks the services answered (asked directly, not through workerd). */
  const checks = async () => {
    let total = 0;
    for (const url of urls) total += Number(await (await fetch(url.replace(/\/health$/, "/hits"))).text());
    return total;
  };

  // Idle: the monitors check, nothing else runs (the services, not workerd, count the checks).
  await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_S * 1000));
  const checksBefore = await checks();
  const cpuBefore = workerdCpuS(group);
  await new Promise((resolve) => setTimeout(resolve, WINDOW_S * 1000));
  const cpuAfter = workerdCpuS(group);
  const checksAfter = await checks();
  const perCheckMs = ((cpuAfter - cpuBefore - floorPerS * WINDOW_S) * 1000) / (checksAfter - checksBefore);

  // The check's own HTTP call, in this process.
  const usage = process.cpuUsage();
  for (let n = 0; n < HTTP_CALLS; n++) await (await fetch(urls[0] as string)).arrayBuffer();
  const spent = process.cpuUsage(usage);
  const perCallMs = (spent.user + spent.system) / 1000 / HTTP_CALLS;

  // Detection: a stop at a random moment, the incident's opening, the policy's restart.
  const detections: number[] = [];
  while (detections.length < FAILURES) {
    const batch = projects.slice(0, Math.min(projects.length, FAILURES - detections.length));
    await Promise.all(
      batch.map(async (project) => {
        const known = (await chat.api<{ items: unknown[] }>(`/projects/${project.id}/incidents`)).items
          .length;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * INTERVAL_S * 1000));
        const stoppedAt = Date.now();
        spawnSync(path.join(deployRoot, project.resourceName, "bin", "co-app-ctl"), ["stop"]);
        const [incident] = await until(
          "the outage's incident to close",
          async () => {
            const { items } = await chat.api<{ items: { openedAt: string; resolvedAt: string | null }[] }>(
              `/projects/${project.id}/incidents`,
            );
            return items.length > known && items[0]?.resolvedAt ? items : undefined;
          },
          120_000,
          200,
        );
        if (incident) detections.push((Date.parse(incident.openedAt) - stoppedAt) / 1000 / INTERVAL_S);
      }),
    );
  }

  // The floor again, with the services deleted (their watches end): the Worker as the deploys
  // left it, nothing monitored. Reported beside the first; the target is judged on the first.
  for (const project of projects) await chat.api(`/projects/${project.id}`, undefined, "DELETE");
  await new Promise((resolve) => setTimeout(resolve, UNDEPLOY_WAIT_S * 1000));
  const afterStart = workerdCpuS(group);
  await new Promise((resolve) => setTimeout(resolve, FLOOR_S * 1000));
  const floorAfterPerS = (workerdCpuS(group) - afterStart) / FLOOR_S;
  const perCheckAfterMs =
    ((cpuAfter - cpuBefore - floorAfterPerS * WINDOW_S) * 1000) / (checksAfter - checksBefore);

  const observed = checksAfter - checksBefore;
  console.log(`\n${MONITORED} services checked every ${INTERVAL_S} s for ${WINDOW_S} s: ${observed} checks`);
  console.log(
    `  (the check rate of ${Math.round((observed / WINDOW_S) * 60)} deployments checked every 60 s; time ${SPEED_UP}× faster: watches of ${WATCH_S} s)`,
  );
  console.log(
    `workerd CPU per check        ${perCheckMs.toFixed(3)} ms (above its floor of ${(floorPerS * 1000).toFixed(1)} ms/s with nothing monitored)`,
  );
  console.log(
    `  or ${perCheckAfterMs.toFixed(3)} ms above the floor measured after the services were deleted (${(floorAfterPerS * 1000).toFixed(1)} ms/s)`,
  );
  console.log(
    `the HTTP call's own CPU      ${perCallMs.toFixed(3)} ms (${HTTP_CALLS} GETs from this process)`,
  );
  const ratio = perCheckMs / perCallMs;
  console.log(`ratio ${ratio.toFixed(1)}× (target ≤ 2×: ${ratio <= 2 ? "met" : "NOT met"})`);
  const p50 = percentile(detections, 50);
  const p99 = percentile(detections, 99);
  console.log(
    `\ndetection over ${detections.length} failures, in check intervals: p50 ${p50.toFixed(2)}, p99 ${p99.toFixed(2)}, max ${Math.max(...detections).toFixed(2)} (target p99 ≤ 2: ${p99 <= 2 ? "met" : "NOT met"})`,
  );
} finally {
  await stack.stop();
}
