/**
 * "Let the agent fix it", whole stack (wrangler dev, a real executor, the real Claude Code CLI
 * against a scripted loopback Messages API, real ansible-playbook against an sshd on 127.0.0.1,
 * Telegram on loopback), checks every 2 s, the project's policy ["agent", "ask"]:
 * a member's project is built and deployed by an engineering run whose Developer adds a cache
 * check to /health (the tests pass: there is no cache file where they run); once deployed, the
 * file appears and /health answers 500. The monitor opens an incident, reads the service's logs,
 * and starts a fix run: an engineering run whose Developer prompt (as the model received it) holds
 * the evidence, between its markers; the scripted Developer removes the check, the tests pass, the
 * DevOps run redeploys, a healthy check closes the incident, which names the run. Then, the
 * policy set to ["ask"], the service's process is stopped: the owner is asked, presses "🛠 Let the
 * agent fix it" in the chat, and a second fix run (its evidence: refused connections) redeploys it.
 */
import { spawnSync } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile as write } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claudeBinary } from "../executor/test/support/fake-anthropic.ts";
import { type Sshd, sshdAvailable, startSshd } from "../executor/test/support/sshd.ts";
import { ChatHarness } from "./support/chat.ts";
import { stopDeployedServices } from "./support/deployed.ts";
import { memberApi } from "./support/member.ts";
import { pipelineModel, writeFile } from "./support/pipeline-model.ts";
import { runEnded, until } from "./support/poll.ts";
import { registerServer, SERVER_PATH } from "./support/scenario.ts";

const claude = claudeBinary();
const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const ready = Boolean(claude) && ansible && sshdAvailable();
const TELEGRAM_ID = 4300;
const SENDER = { id: TELEGRAM_ID, first_name: "Fi" };
let chat: ChatHarness;
let sshd: Sshd;
let deployRoot: string;
let repos: string;
/** Where the deployed service looks for its "corrupt cache" (readable by the project's user). */
let cacheDir: string;

/** The Developer's first build: /health answers 500 while the cache file exists (lines tagged). */
const addCacheCheck = (cache: string) => {
  const check = `if (req.method === "GET" && url.pathname === "/health" && existsSync(${JSON.stringify(cache)})) { console.error("health: the cache at ${cache} is corrupt"); return json(res, 500, { status: "cache corrupt" }); } // cache-check`;
  const script = `import { readFileSync, writeFileSync } from "node:fs";
const code = readFileSync("src/server.js", "utf8").replace('if (req.method === "GET" && url.pathname === "/health")', ${JSON.stringify(`${check}\n      `)} + "$&");
writeFileSync("src/server.js", 'import { existsSync } from "node:fs"; // cache-check\\n' + code);`;
  return [writeFile(".cache-check.mjs", script), "node .cache-check.mjs && rm .cache-check.mjs"];
};
const REMOVE_CACHE_CHECK = "sed -i '/cache-check/d' src/server.js && ! grep -q existsSync src/server.js";
const FIX_PROMPT = "The deployed service is failing its health check";

type Api = ReturnType<typeof memberApi>;

beforeAll(async () => {
  if (!ready) return;
  process.env.ORCHESTRATOR_CLAUDE_BIN = claude as string;
  repos = await mkdtemp(path.join(tmpdir(), "co-fix-repos-"));
  deployRoot = await mkdtemp(path.join(tmpdir(), "co-fix-deploy-"));
  cacheDir = await mkdtemp(path.join(tmpdir(), "co-fix-cache-"));
  await chmod(cacheDir, 0o755);
  sshd = await startSshd({ sessionPath: SERVER_PATH });
  chat = await ChatHarness.start(
    {
      REPO_BASE_URL: pathToFileURL(repos).href,
      DEPLOY_HEALTH_RETRIES: "5",
      MONITOR_MIN_INTERVAL_S: "1",
      STATUS_EDIT_INTERVAL_MS: "300",
    },
    { DEPLOY_SSH_KEY: sshd.privateKey },
  );
  const cache = path.join(cacheDir, "cache.db");
  chat.respond(
    pipelineModel({
      "Fix Me": (_iteration, prompt) =>
        !prompt.includes(FIX_PROMPT)
          ? addCacheCheck(cache)
          : prompt.includes("ECONNREFUSED")
            ? ['echo "Restarted by a fix run." >> README.md']
            : [REMOVE_CACHE_CHECK],
    }),
  );
}, 120_000);

afterAll(async () => {
  if (deployRoot) stopDeployedServices(deployRoot);
  await chat?.stop();
  await sshd?.stop();
  for (const dir of [repos, deployRoot, cacheDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

/** The project's runs of `kind`, once there are `count`, newest first. */
const runsOf = (as: Api, projectId: string, kind: string, count: number) =>
  until(`${count} ${kind} run(s)`, async () => {
    const items = (await as(`/projects/${projectId}/runs`)).body.items.filter(
      (run: any) => run.kind === kind,
    );
    return items.length >= count ? items : undefined;
  });

const ended = (as: Api, runId: string, what: string) =>
  runEnded(async (route) => (await as(route)).body, runId, what);

describe.skipIf(!ready)("let the agent fix it", { timeout: 400_000 }, () => {
  it("a fix run with the incident's evidence in its prompt redeploys the service, which is healthy again", async () => {
    await registerServer(chat.api.bind(chat), sshd, deployRoot);
    await chat.fleet.executor(2, {});
    const user = await chat.api<{ id: string }>("/users", { name: "Fi", telegramId: TELEGRAM_ID });
    const key = (await chat.api<{ key: string }>("/api-keys", { name: "fi", userId: user.id })).key;
    const as = memberApi(chat.worker.api, key);
    const project = (await as("/projects", { name: "Fix Me", description: "Answers /health." })).body;
    const policy = { monitorIntervalS: 2, recoveryPolicy: ["agent", "ask"] };
    expect((await as(`/projects/${project.id}`, policy, "PATCH")).body).toMatchObject(policy);

    // Built and deployed by an engineering run (its tests pass: no cache file where they run).
    const built = (await as(`/projects/${project.id}/runs`, { kind: "engineering" })).body;
    expect(await ended(as, built.id, "the build")).toMatchObject({ status: "succeeded" });
    const [deploy] = await runsOf(as, project.id, "devops", 1);
    expect(await ended(as, deploy.id, "the first deploy")).toMatchObject({ status: "succeeded" });
    await until("a healthy check", async () =>
      (await as(`/projects/${project.id}/monitor`)).body.lastCheck?.status === 200 ? true : undefined,
    );

    // The cache file appears: /health answers 500; the policy's agent step starts a fix run.
    await write(path.join(cacheDir, "cache.db"), "garbage");
    const [fix] = await runsOf(as, project.id, "engineering", 2);
    expect(fix.id).not.toBe(built.id);
    expect(await ended(as, fix.id, "the fix run")).toMatchObject({ status: "succeeded" });
    const fixSteps = (await as(`/runs/${fix.id}/steps`)).body.items;
    expect(fixSteps.map((step: any) => [step.name, step.status]).slice(0, 2)).toEqual([
      ["architect", "skipped"],
      ["prepare", "skipped"],
    ]);

    // The Developer's prompt, as the model received it, carries the evidence as data.
    const prompts = chat.model.requests.filter((request) => request.body.includes(FIX_PROMPT));
    expect(prompts.length).toBeGreaterThan(0);
    const body = JSON.parse(prompts[0]?.body ?? "{}");
    const prompt = JSON.stringify(body.messages);
    const evidence = prompt.slice(
      prompt.indexOf("<incident-evidence>\\n"),
      prompt.indexOf("</incident-evidence>"),
    );
    expect(evidence).toContain("HTTP 500");
    expect(evidence).toContain("cache corrupt");
    expect(evidence).toContain(`health: the cache at ${path.join(cacheDir, "cache.db")} is corrupt`);

    // Redeployed by the DevOps graph; healthy; the incident closed, naming the run.
    const [redeploy] = await runsOf(as, project.id, "devops", 2);
    expect(await ended(as, redeploy.id, "the redeploy")).toMatchObject({ status: "succeeded" });
    const incident = await until(
      "the incident to close with the fix run's end",
      async () => {
        const [newest] = (await as(`/projects/${project.id}/incidents`)).body.items;
        return newest?.resolvedAt && newest.actions.length === 2 ? newest : undefined;
      },
      120_000,
      500,
    );
    expect(incident.actions).toEqual([
      expect.objectContaining({
        action: "agent",
        by: "policy",
        outcome: `engineering run ${fix.id} started`,
      }),
      expect.objectContaining({
        action: "agent",
        by: "policy",
        outcome: `engineering run ${fix.id} succeeded; redeploy (devops run ${redeploy.id}) succeeded`,
      }),
    ]);
    const healthUrl = (await as(`/projects/${project.id}/monitor`)).body.url;
    expect((await fetch(healthUrl)).status).toBe(200);

    // The owner saw it in their chat: the step in the "down" message, then "healthy again".
    const edits = chat.telegram.sent("editMessageText", TELEGRAM_ID).map((call) => String(call.payload.text));
    expect(edits.some((text) => text.includes(`🛠 agent: engineering run ${fix.id} started`))).toBe(true);
    const texts = chat.telegram.texts(TELEGRAM_ID);
    expect(texts.filter((text) => text.includes("is down"))).toHaveLength(1);
    expect(texts.filter((text) => text.includes("is healthy again"))).toHaveLength(1);

    // Stopped, the policy asks: the owner's button starts the fix run.
    await as(`/projects/${project.id}`, { recoveryPolicy: ["ask"] }, "PATCH");
    const ctl = path.join(deployRoot, project.resourceName, "bin", "co-app-ctl");
    expect(spawnSync(ctl, ["stop"], { timeout: 30_000 }).status).toBe(0);
    await until("the owner to be asked", async () =>
      chat.telegram.texts(TELEGRAM_ID).some((text) => text.includes("stopped trying")) ? true : undefined,
    );
    await chat.press(SENDER, `inc:a:${project.id}`);
    const [second] = await runsOf(as, project.id, "engineering", 3);
    expect(await ended(as, second.id, "the owner's fix run")).toMatchObject({ status: "succeeded" });
    const secondPrompt = chat.model.requests.find(
      (request) => request.body.includes(FIX_PROMPT) && request.body.includes("ECONNREFUSED"),
    );
    expect(secondPrompt).toBeDefined();
    const [redeployed] = await runsOf(as, project.id, "devops", 3);
    expect(await ended(as, redeployed.id, "the second redeploy")).toMatchObject({ status: "succeeded" });
    const byOwner = await until(
      "the owner's outage to close with the fix run's end",
      async () => {
        const [newest] = (await as(`/projects/${project.id}/incidents`)).body.items;
        return newest?.id !== incident.id && newest?.resolvedAt && newest.actions.length === 3
          ? newest
          : undefined;
      },
      120_000,
      500,
    );
    expect(byOwner.actions.map((a: any) => [a.action, a.by, a.outcome])).toEqual([
      ["ask", "policy", "the owner was asked"],
      ["agent", "owner", `engineering run ${second.id} started`],
      [
        "agent",
        "owner",
        `engineering run ${second.id} succeeded; redeploy (devops run ${redeployed.id}) succeeded`,
      ],
    ]);
    expect((await fetch(healthUrl)).status).toBe(200);
  });
});
