/**
 * Previews, whole stack (wrangler dev, a real executor, real ansible-playbook against an sshd on
 * 127.0.0.1 registered as a server with a base domain, real Caddy with its internal CA): a
 * member's project deployed from main, then its branch `feature-x` (other code) as a preview that
 * answers at https://feature-x--<project>.<base domain> while production keeps answering the old
 * code, without the secret marked production only, its URL told in the chat; asked for and listed
 * from the chat too (/preview); removed by DELETE,
 * then, deployed again, by its TTL (the cron), and again by deleting the project (its undeploy):
 * its Unix user, directory, proxy site and port gone.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectUserOf } from "../executor/test/support/deploy-target.ts";
import { caddyAvailable, caOf, httpsGet, proxyDirOf } from "../executor/test/support/proxy.ts";
import { freePort, sshdAvailable } from "../executor/test/support/sshd.ts";
import { eventually } from "./support/chat.ts";
import { queryD1 } from "./support/d1.ts";
import { type DeployStack, startDeployStack } from "./support/deploy-stack.ts";
import { memberApi } from "./support/member.ts";
import { RUN_ENDED, until } from "./support/poll.ts";
import { serviceRepo } from "./support/service-repo.ts";

const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const ready = ansible && sshdAvailable() && caddyAvailable();
const BASE = "apps.test";
const TELEGRAM_ID = 4400;
/** A preview expires this long (in hours: 12 s) after it was asked for; only the cron removes it. */
const TTL_HOURS = "0.0034";
let stack: DeployStack;

/** Says which code it is, and whether it got the production-only secret. */
const serverJs = (version: string) => `require("node:http").createServer((req, res) => {
  res.writeHead(req.url === "/health" || req.url === "/" ? 200 : 404, { "content-type": "application/json" });
  res.end(JSON.stringify({ version: "${version}", prodToken: Boolean(process.env.PROD_TOKEN) }));
}).listen(Number(process.env.PORT), process.env.HOST);
`;
const ENV_EXAMPLE = "PORT=\n# user: the payment provider's live token\nPROD_TOKEN=\n";

beforeAll(async () => {
  if (!ready) return;
  stack = await startDeployStack({
    REPO_ALLOW_LOCAL: "true",
    DEPLOY_HEALTH_RETRIES: "10",
    PREVIEW_TTL_HOURS: TTL_HOURS,
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
}, 120_000);

const userExists = (name: string) => spawnSync("getent", ["passwd", name]).status === 0;

describe.skipIf(!ready)("previews", { timeout: 600_000 }, () => {
  it("serve a branch at its own URL beside production, and are removed by DELETE, their TTL and the project's deletion", async () => {
    const { chat, deployRoot } = stack;
    const [server] = (await chat.api<{ items: { id: string }[] }>("/servers")).items;
    const httpsPort = await freePort();
    await chat.api(`/servers/${server?.id}`, { baseDomain: BASE, httpsPort, tls: "internal" }, "PATCH");
    const user = await chat.api<{ id: string }>("/users", { name: "Grace", telegramId: TELEGRAM_ID });
    const key = (await chat.api<{ key: string }>("/api-keys", { name: "grace", userId: user.id })).key;
    const as = memberApi(chat.worker.api, key);
    const repo = serviceRepo(stack.repos, "shop", {
      "server.js": serverJs("v1"),
      ".env.example": ENV_EXAMPLE,
    });
    const created = await as("/projects", { name: "Shop", description: "Sells.", repoUrl: repo.url });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const project = created.body;
    const secret = await as(
      `/projects/${project.id}/secrets/PROD_TOKEN`,
      { value: "live-token", productionOnly: true },
      "PUT",
    );
    expect(secret.body).toMatchObject({ name: "PROD_TOKEN", productionOnly: true });
    const finished = (runId: string) =>
      until(`run ${runId} to end`, async () => {
        const current = (await as(`/runs/${runId}`)).body;
        return RUN_ENDED.includes(current.status) ? current : undefined;
      });

    // Production, from main.
    const run = (await as(`/projects/${project.id}/runs`, { kind: "devops" })).body;
    expect(await finished(run.id)).toMatchObject({ status: "succeeded" });
    const ca = caOf(deployRoot);
    const production = `https://${project.resourceName}.${BASE}:${httpsPort}/`;
    const v1 = JSON.stringify({ version: "v1", prodToken: true });
    expect(await httpsGet(production, ca)).toEqual({ status: 200, body: v1 });

    // The branch, other code, as a preview at its own name.
    repo.commit({ "server.js": serverJs("feature-x"), ".env.example": ENV_EXAMPLE }, "try", "feature-x");
    const previewName = `feature-x--${project.resourceName}`;
    const url = `https://${previewName}.${BASE}:${httpsPort}`;
    const resourceName = `${project.resourceName}--feature-x`;
    const deployPreview = async () => {
      const asked = await as(`/projects/${project.id}/previews`, { branch: "feature-x" });
      expect(asked.status, JSON.stringify(asked.body)).toBe(202);
      expect(asked.body).toMatchObject({ branch: "feature-x", url, status: "deploying" });
      const deployed = await finished(asked.body.runId);
      expect(deployed, deployed.error).toMatchObject({ status: "succeeded", kind: "preview" });
      return asked.body;
    };
    const first = await deployPreview();
    const preview = JSON.stringify({ version: "feature-x", prodToken: false });
    expect(await httpsGet(`${url}/`, ca)).toEqual({ status: 200, body: preview });
    expect(await httpsGet(production, ca)).toEqual({ status: 200, body: v1 });
    const listed = (await as(`/projects/${project.id}/previews`)).body.items;
    expect(listed).toEqual([
      expect.objectContaining({
        branch: "feature-x",
        status: "live",
        commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      }),
    ]);
    const steps = (await as(`/runs/${first.runId}/steps`)).body.items;
    expect(steps.find((step: { name: string }) => step.name === "preview env").detail).toEqual({
      secrets: [],
      withheld: ["PROD_TOKEN"],
    });
    // Its URL is told in the project's chat (its owner's: the run's status message).
    const told = () =>
      ["sendMessage", "editMessageText"]
        .flatMap((method) => chat.telegram.sent(method, TELEGRAM_ID))
        .map((call) => String(call.payload.text));
    await eventually(() => told().find((text) => text.includes(url)), "the preview's URL in the chat");

    // What it has of its own on the server: a user, a directory, a site, a port.
    const port = async () =>
      (
        await queryD1<{ port: number }>(
          chat.dir,
          "SELECT port FROM port_allocations WHERE project_id = ? AND service = 'preview-feature-x'",
          project.id,
        )
      )[0]?.port;
    const siteFile = path.join(proxyDirOf(deployRoot), "sites", `${resourceName}.caddy`);
    const present = async () => ({
      user: userExists(projectUserOf(resourceName)),
      directory: existsSync(path.join(deployRoot, resourceName)),
      site: existsSync(siteFile),
      port: (await port()) !== undefined,
    });
    expect(await present()).toEqual({ user: true, directory: true, site: true, port: true });
    const gone = { user: false, directory: false, site: false, port: false };

    // Removed by DELETE: its teardown run takes it all away; production answers as before.
    const removed = await as(`/projects/${project.id}/previews/feature-x`, undefined, "DELETE");
    expect(removed.status, JSON.stringify(removed.body)).toBe(202);
    expect(removed.body).toMatchObject({ status: "removing" });
    expect(await finished(removed.body.runId)).toMatchObject({
      status: "succeeded",
      kind: "preview_teardown",
    });
    expect(await present()).toEqual(gone);
    expect((await as(`/projects/${project.id}/previews`)).body.items).toEqual([]);
    await expect(httpsGet(`${url}/`, ca)).rejects.toThrow();
    expect(await httpsGet(production, ca)).toEqual({ status: 200, body: v1 });

    // Deployed again from the chat (/preview), listed there, then past its TTL: the cron removes
    // it the same way.
    const member = { id: TELEGRAM_ID, first_name: "Grace" };
    await chat.say(member, `/preview ${project.slug} feature-x`);
    await eventually(
      () => told().find((text) => text.startsWith("🚚 Deploying") && text.includes(url)),
      "the chat's answer to /preview",
    );
    const [asked] = (await as(`/projects/${project.id}/previews`)).body.items;
    expect(await finished(asked.runId)).toMatchObject({ status: "succeeded", kind: "preview" });
    expect(await httpsGet(`${url}/`, ca)).toEqual({ status: 200, body: preview });
    await chat.say(member, `/preview ${project.slug}`);
    await eventually(
      () =>
        told().find(
          (text) => text.startsWith("Previews of") && text.includes(`🟢 <code>feature-x</code> live: ${url}`),
        ),
      "the chat's list of previews",
    );
    const teardown = await until("the cron to remove the expired preview", async () => {
      await fetch(`${chat.worker.origin}/__scheduled?cron=${encodeURIComponent("*/15 * * * *")}`);
      const [row] = (await as(`/projects/${project.id}/previews`)).body.items;
      return row?.status === "removing" ? row.runId : undefined;
    });
    expect(await finished(teardown)).toMatchObject({ status: "succeeded", kind: "preview_teardown" });
    expect(await present()).toEqual(gone);
    await expect(httpsGet(`${url}/`, ca)).rejects.toThrow();
    expect(await httpsGet(production, ca)).toEqual({ status: 200, body: v1 });
    const [expired] = await queryD1<{ actor_id: string | null }>(
      chat.dir,
      "SELECT actor_id FROM audit_log WHERE action = 'preview.expire'",
    );
    expect(expired).toEqual({ actor_id: null });

    // Deleting the project removes its previews with it (its undeploy, one job per preview).
    await deployPreview();
    expect(await present()).toEqual({ user: true, directory: true, site: true, port: true });
    expect((await as(`/projects/${project.id}`, undefined, "DELETE")).status).toBe(204);
    const [undeploy] = await queryD1<{ id: string }>(
      chat.dir,
      "SELECT id FROM runs WHERE project_id = ? AND kind = 'undeploy'",
      project.id,
    );
    const undeployed = await until(`the undeploy ${undeploy?.id} to end`, async () => {
      const [row] = await queryD1<{ status: string; error: string | null }>(
        chat.dir,
        "SELECT status, error FROM runs WHERE id = ?",
        undeploy?.id as string,
      );
      return row && RUN_ENDED.includes(row.status) ? row : undefined;
    });
    expect(undeployed).toEqual({ status: "succeeded", error: null });
    expect(await present()).toEqual(gone);
    expect(await queryD1(chat.dir, "SELECT id FROM previews WHERE project_id = ?", project.id)).toEqual([]);
    await expect(httpsGet(`${url}/`, ca)).rejects.toThrow();
  });
});
