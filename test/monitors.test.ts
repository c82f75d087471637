/**
 * Service monitors, whole stack (wrangler dev, a real executor, real ansible-playbook against an
 * sshd on 127.0.0.1 registered as the server, Telegram on loopback), checks every 2 s:
 * - the service's process killed → an incident opens with its evidence, the policy restarts the
 *   service, the incident closes with its times, and the owner got one "down" and one "recovered";
 * - a release that crashes after its deploy → the restart fails, the policy rolls back to the last
 *   healthy release (which is live again in D1), the incident closes;
 * - past three automatic attempts within the hour the policy asks instead; the owner's "Roll back"
 *   button brings the service back;
 * - after kill -9 of the Worker the checks go on, none lost or doubled.
 * A healthy service is watched by the executor (`http_watch`, reporting every 6 s here); a failing
 * one is checked one `http_check` at a time.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sshdAvailable } from "../executor/test/support/sshd.ts";
import type { ChatHarness } from "./support/chat.ts";
import { queryD1, queryObjects } from "./support/d1.ts";
import { type DeployStack, startDeployStack } from "./support/deploy-stack.ts";
import { memberApi } from "./support/member.ts";
import { runEnded, until } from "./support/poll.ts";
import { HEALTHY_SERVER_JS, serviceRepo } from "./support/service-repo.ts";

const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const ready = ansible && sshdAvailable();
const TELEGRAM_ID = 4200;
const SENDER = { id: TELEGRAM_ID, first_name: "Mo" };
let chat: ChatHarness;
let stack: DeployStack;
let deployRoot: string;
let repos: string;

/**
 * A release that is healthy for its deploy, then crashes 10 s after its first start, and on every
 * start after that exits at once (its marker in the shared data directory says it ran before).
 */
const crashingAfterDeploy = (marker: string) => `const fs = require("node:fs");
if (fs.existsSync("data/${marker}")) { console.error("crashed before: giving up"); process.exit(1); }
fs.mkdirSync("data", { recursive: true });
fs.writeFileSync("data/${marker}", "");
${HEALTHY_SERVER_JS}setTimeout(() => { console.error("fatal: out of luck"); process.exit(1); }, 10_000);
`;

type Api = ReturnType<typeof memberApi>;

/** Deploys the repository's main; the run's outcome. */
async function deploy(as: Api, projectId: string) {
  const run = (await as(`/projects/${projectId}/runs`, { kind: "devops" })).body;
  return runEnded(async (route) => (await as(route)).body, run.id, "the deploy to end");
}

/** The project's incidents once `done` holds for the newest, newest first. */
async function incidentsWhen(as: Api, projectId: string, what: string, done: (newest: any) => boolean) {
  return until(
    what,
    async () => {
      const items = (await as(`/projects/${projectId}/incidents`)).body.items;
      return items[0] && done(items[0]) ? items : undefined;
    },
    240_000,
    500,
  );
}

/** The project the first test deployed, for the second. */
let survivor: { id: string; as: Api } | undefined;

const texts = (needle: string) => chat.telegram.texts(TELEGRAM_ID).filter((text) => text.includes(needle));

beforeAll(async () => {
  if (!ready) return;
  stack = await startDeployStack({
    REPO_ALLOW_LOCAL: "true",
    DEPLOY_HEALTH_RETRIES: "4",
    MONITOR_MIN_INTERVAL_S: "1",
    MONITOR_WATCH_S: "6",
  });
  ({ chat, deployRoot, repos } = stack);
}, 120_000);

afterAll(() => stack?.stop(), 120_000);

describe.skipIf(!ready)("service monitors", { timeout: 900_000 }, () => {
  it("restarts a killed service, rolls back a crashing release, and asks once it has tried enough", async () => {
    const user = await chat.api<{ id: string }>("/users", { name: "Mo", telegramId: TELEGRAM_ID });
    const key = (await chat.api<{ key: string }>("/api-keys", { name: "mo", userId: user.id })).key;
    const as = memberApi(chat.worker.api, key);
    const repo = serviceRepo(repos, "watched", { "server.js": HEALTHY_SERVER_JS });
    const created = await as("/projects", { name: "Watched", description: "Up.", repoUrl: repo.url });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const project = created.body;
    expect((await as(`/projects/${project.id}`, { monitorIntervalS: 0 }, "PATCH")).status).toBe(400);
    const patched = await as(`/projects/${project.id}`, { monitorIntervalS: 2 }, "PATCH");
    expect(patched.body).toMatchObject({
      monitorIntervalS: 2,
      recoveryPolicy: ["restart", "rollback", "ask"],
    });

    // 1. Killed: restarted by the policy.
    expect(await deploy(as, project.id)).toMatchObject({ status: "succeeded" });
    const watched = await until("the first healthy check", async () => {
      const monitor = (await as(`/projects/${project.id}/monitor`)).body;
      return monitor.lastCheck?.status === 200 ? monitor : undefined;
    });
    expect(watched).toMatchObject({
      watching: true,
      intervalS: 2,
      consecutiveFailures: 0,
      openIncidentId: null,
    });
    const ctl = path.join(deployRoot, project.resourceName, "bin", "co-app-ctl");
    expect(spawnSync(ctl, ["stop"], { timeout: 30_000 }).status).toBe(0);

    // A step's job may end after the service answered (its own health wait): it is recorded then.
    const [restarted] = await incidentsWhen(
      as,
      project.id,
      "the outage to end",
      (i) => i.resolvedAt !== null && i.actions.length === 1,
    );
    expect(restarted).toMatchObject({ kind: "service_down", severity: "critical" });
    expect(restarted.evidence.checks).toHaveLength(3);
    expect(restarted.evidence.checks[0]).toMatchObject({ status: null, error: "ECONNREFUSED" });
    expect(restarted.actions).toEqual([
      expect.objectContaining({ action: "restart", by: "policy", outcome: "succeeded" }),
    ]);
    expect(Date.parse(restarted.startedAt)).toBeLessThanOrEqual(Date.parse(restarted.openedAt));
    expect(Date.parse(restarted.openedAt)).toBeLessThanOrEqual(Date.parse(restarted.resolvedAt));
    console.log(
      `killed: detected in ${restarted.detectSeconds} s, recovered in ${restarted.recoverSeconds} s`,
    );
    // The incident is closed in D1 before the owner is told.
    await until("the owner to be told", async () =>
      texts("is healthy again").length > 0 ? true : undefined,
    );
    expect(texts("is down")).toHaveLength(1);
    expect(texts("is healthy again")).toHaveLength(1);
    const down = chat.telegram
      .sent("sendMessage", TELEGRAM_ID)
      .find((call) => call.payload.text.includes("is down"));
    expect(JSON.stringify(down?.payload.reply_markup)).toContain(`inc:b:${project.id}`);

    // 2. A release that crashes after its deploy: the restart cannot help, the rollback does.
    repo.commit({ "server.js": crashingAfterDeploy("v2-ran") }, "v2: crashes");
    expect(await deploy(as, project.id)).toMatchObject({ status: "succeeded" });
    const [rolledBack] = await incidentsWhen(
      as,
      project.id,
      "the crashing release's outage to end",
      (i) => i.openedAt !== restarted.openedAt && i.resolvedAt !== null && i.actions.length === 2,
    );
    expect(rolledBack.actions.map((a: any) => [a.action, a.outcome.split(":")[0].split(" (")[0]])).toEqual([
      ["restart", "failed"],
      ["rollback", "succeeded"],
    ]);
    expect(rolledBack.evidence.logs.join("\n")).toContain("fatal: out of luck");
    const live = await queryD1<{ status: string }>(
      chat.fleet.dir,
      "SELECT status FROM deployments WHERE project_id = ? ORDER BY created_at",
      project.id,
    );
    expect(live.map((row) => row.status)).toEqual(["deployed", "rolled_back"]);

    // 3. Three automatic attempts were made within the hour (MONITOR_MAX_ATTEMPTS): the policy
    // does not try again, it asks; the owner rolls back from the chat.
    repo.commit({ "server.js": crashingAfterDeploy("v3-ran") }, "v3: crashes too");
    expect(await deploy(as, project.id)).toMatchObject({ status: "succeeded" });
    await until("the owner to be asked", async () =>
      texts("stopped trying").length === 1 ? true : undefined,
    );
    await chat.press(SENDER, `inc:b:${project.id}`);
    const [asked] = await incidentsWhen(
      as,
      project.id,
      "the owner's rollback to end the outage",
      (i) => i.openedAt !== rolledBack.openedAt && i.resolvedAt !== null && i.actions.length === 2,
    );
    expect(asked.actions.map((a: any) => [a.action, a.by])).toEqual([
      ["ask", "policy"],
      ["rollback", "owner"],
    ]);
    await until("the owner to be told", async () =>
      texts("is healthy again").length >= 3 ? true : undefined,
    );
    expect(texts("is down")).toHaveLength(3);
    expect(texts("is healthy again")).toHaveLength(3);
    survivor = { id: project.id, as };
  });

  it("goes on checking after kill -9 of the Worker, no check lost or doubled", async () => {
    if (!survivor) throw new Error("needs the project the test before deployed");
    const { id, as } = survivor;
    const checks = async () => (await as(`/projects/${id}/monitor`)).body.checks as number;
    /** The checks the monitor's jobs reported (a watch's count, or one per single check). */
    const reported = async () => {
      const jobs = await queryObjects<{ kind: string; result: string }>(
        chat.fleet.dir,
        "ExecutorHub",
        `SELECT kind, result FROM jobs WHERE status = 'succeeded' AND kind IN ('http_check', 'http_watch')
         AND (idempotency_key LIKE ? OR idempotency_key LIKE ?)`,
        `check:${id}:%`,
        `watch:${id}:%`,
      );
      return jobs.reduce(
        (sum, job) => sum + (job.kind === "http_check" ? 1 : JSON.parse(job.result).checks),
        0,
      );
    };
    // Settled: every check its jobs reported is counted once.
    const settled = async (least: number) => {
      const [counted, fromJobs] = [await checks(), await reported()];
      return counted >= least && counted === fromJobs ? counted : undefined;
    };
    const before = await until("the monitor to have counted its jobs' checks", () => settled(0));
    await chat.fleet.worker.stop("SIGKILL");
    await chat.fleet.startWorker();
    // The executor reconnects on its own; the watch it ran goes on and reports to the new Worker.
    await until("five more checks, each counted once", () => settled(before + 5));
    const monitor = (await as(`/projects/${id}/monitor`)).body;
    expect(monitor).toMatchObject({ watching: true, consecutiveFailures: 0, openIncidentId: null });
    expect(monitor.lastCheck.status).toBe(200);
    expect(Date.parse(monitor.watchSince)).toBeGreaterThan(0);
    // One job per key, numbered without a gap or a repeat.
    const keys = await queryObjects<{ key: string }>(
      chat.fleet.dir,
      "ExecutorHub",
      "SELECT idempotency_key AS key FROM jobs WHERE idempotency_key LIKE ? OR idempotency_key LIKE ?",
      `check:${id}:%`,
      `watch:${id}:%`,
    );
    const seqs = keys.map((job) => Number(job.key.split(":").at(-1)));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(Math.max(...seqs) - Math.min(...seqs) + 1).toBe(seqs.length);
    expect(texts("is down")).toHaveLength(3);
  });
});
