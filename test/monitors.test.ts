/**
 * Service monitors, whole stack (wrangler dev, a real executor, real ansible-playbook against an
 * sshd on 127.0.0.1 registered as the server, Telegram on loopback), checks every 2 s:
 * - the service's process killed → an incident opens with its evidence, the policy restarts the
 *   service, the incident closes with its times, and the owner got one "down" and one "recovered";
 * - a release that crashes after its deploy → the restart fails, the policy rolls back to the last
 *   healthy release (which is live again in D1), the incident closes;
 * - past three automatic attempts within the hour the policy asks instead; the owner's "Roll back"
 *   button brings the service back.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sshd, sshdAvailable, startSshd } from "../executor/test/support/sshd.ts";
import { ChatHarness } from "./support/chat.ts";
import { queryD1 } from "./support/d1.ts";
import { stopDeployedServices } from "./support/deployed.ts";
import { memberApi } from "./support/member.ts";
import { runEnded, until } from "./support/poll.ts";
import { registerServer, SERVER_PATH } from "./support/scenario.ts";
import { serviceRepo } from "./support/service-repo.ts";

const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const ready = ansible && sshdAvailable();
const TELEGRAM_ID = 4200;
const SENDER = { id: TELEGRAM_ID, first_name: "Mo" };
let chat: ChatHarness;
let sshd: Sshd;
let deployRoot: string;
let repos: string;

const HEALTHY = `require("node:http").createServer((req, res) => {
  res.writeHead(req.url === "/health" ? 200 : 404);
  res.end("ok");
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

/**
 * A release that is healthy for its deploy, then crashes 10 s after its first start, and on every
 * start after that exits at once (its marker in the shared data directory says it ran before).
 */
const crashingAfterDeploy = (marker: string) => `const fs = require("node:fs");
if (fs.existsSync("data/${marker}")) { console.error("crashed before: giving up"); process.exit(1); }
fs.mkdirSync("data", { recursive: true });
fs.writeFileSync("data/${marker}", "");
${HEALTHY}setTimeout(() => { console.error("fatal: out of luck"); process.exit(1); }, 10_000);
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

const texts = (needle: string) => chat.telegram.texts(TELEGRAM_ID).filter((text) => text.includes(needle));

beforeAll(async () => {
  if (!ready) return;
  repos = mkdtempSync(path.join(tmpdir(), "co-monitor-repos-"));
  deployRoot = await mkdtemp(path.join(tmpdir(), "co-monitor-deploy-"));
  sshd = await startSshd({ sessionPath: SERVER_PATH });
  chat = await ChatHarness.start(
    { REPO_ALLOW_LOCAL: "true", DEPLOY_HEALTH_RETRIES: "4", MONITOR_MIN_INTERVAL_S: "1" },
    { DEPLOY_SSH_KEY: sshd.privateKey },
  );
}, 120_000);

afterAll(async () => {
  if (deployRoot) stopDeployedServices(deployRoot);
  spawnSync("sh", ["-c", "getent passwd | cut -d: -f1 | grep '^co-watched-' | xargs -r -n1 userdel"]);
  await chat?.stop();
  await sshd?.stop();
  for (const dir of [repos, deployRoot]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!ready)("service monitors", { timeout: 900_000 }, () => {
  it("restarts a killed service, rolls back a crashing release, and asks once it has tried enough", async () => {
    await registerServer(chat.api.bind(chat), sshd, deployRoot);
    await chat.fleet.executor(2, {});
    const user = await chat.api<{ id: string }>("/users", { name: "Mo", telegramId: TELEGRAM_ID });
    const key = (await chat.api<{ key: string }>("/api-keys", { name: "mo", userId: user.id })).key;
    const as = memberApi(chat.worker.api, key);
    const repo = serviceRepo(repos, "watched", { "server.js": HEALTHY });
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

    // The restart's job may end after a healthy check closed the incident: it is recorded then.
    const [restarted] = await incidentsWhen(
      as,
      project.id,
      "the outage to end and the restart to be recorded",
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
    expect(texts("is down")).toHaveLength(3);
    expect(texts("is healthy again")).toHaveLength(3);
  });
});
