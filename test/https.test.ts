/**
 * HTTPS on a domain, whole stack (wrangler dev, a real executor, real ansible-playbook against an
 * sshd on 127.0.0.1 registered as a server with a base domain, real Caddy with its internal CA,
 * a DNS-over-HTTPS resolver on loopback): a member's project deployed there answers at
 * https://<project>.<base domain>/health over TLS verified against that CA (names resolved to
 * 127.0.0.1 by the client), its port only on 127.0.0.1; a custom domain that does not resolve to
 * the server is refused with the DNS record to create; once it does, it is served too.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listening } from "../executor/test/support/host-probes.ts";
import { caddyAvailable, caOf, httpsGet } from "../executor/test/support/proxy.ts";
import { freePort, sshdAvailable } from "../executor/test/support/sshd.ts";
import { eventually } from "./support/chat.ts";
import { queryD1 } from "./support/d1.ts";
import { type DeployStack, startDeployStack } from "./support/deploy-stack.ts";
import { type Doh, startDoh } from "./support/doh.ts";
import { memberApi } from "./support/member.ts";
import { until } from "./support/poll.ts";
import { serviceRepo } from "./support/service-repo.ts";

const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const ready = ansible && sshdAvailable() && caddyAvailable();
const BASE = "apps.test";
const TELEGRAM_ID = 4300;
let stack: DeployStack;
let dns: Doh;

/** The service listens where HOST says (loopback behind the proxy) and tells the Host it was asked for. */
const SERVER_JS = `require("node:http").createServer((req, res) => {
  res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "application/json" });
  res.end(JSON.stringify({ status: "ok", host: req.headers.host }));
}).listen(Number(process.env.PORT), process.env.HOST);
`;

beforeAll(async () => {
  if (!ready) return;
  dns = await startDoh();
  stack = await startDeployStack({
    REPO_ALLOW_LOCAL: "true",
    DEPLOY_HEALTH_RETRIES: "10",
    DNS_RESOLVER_URL: dns.url,
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await dns?.close();
}, 120_000);

describe.skipIf(!ready)("HTTPS on a domain", { timeout: 400_000 }, () => {
  it("serves a deployed project at its name under the server's base domain, and at a custom domain once DNS points there", async () => {
    const { chat } = stack;
    const [server] = (await chat.api<{ items: { id: string }[] }>("/servers")).items;
    const httpsPort = await freePort();
    const patched = await chat.api(
      `/servers/${server?.id}`,
      { baseDomain: BASE, httpsPort, tls: "internal" },
      "PATCH",
    );
    expect(patched).toMatchObject({ baseDomain: BASE, httpsPort, tls: "internal" });

    const user = await chat.api<{ id: string }>("/users", { name: "Ada", telegramId: TELEGRAM_ID });
    const key = (await chat.api<{ key: string }>("/api-keys", { name: "ada", userId: user.id })).key;
    const as = memberApi(chat.worker.api, key);
    const created = await as("/projects", {
      name: "Shop",
      description: "Sells.",
      repoUrl: serviceRepo(stack.repos, "shop", { "server.js": SERVER_JS }).url,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const project = created.body;
    const finished = (runId: string) =>
      until(`run ${runId} to end`, async () => {
        const current = (await as(`/runs/${runId}`)).body;
        return ["succeeded", "failed", "cancelled"].includes(current.status) ? current : undefined;
      });

    // Not deployed yet: no server to serve a domain.
    const early = await as(`/projects/${project.id}/domain`, { domain: "shop.example.test" }, "PUT");
    expect(early.status).toBe(409);
    expect(early.body.error.details).toEqual({ reason: "not_deployed" });

    const run = (await as(`/projects/${project.id}/runs`, { kind: "devops" })).body;
    const done = await finished(run.id);
    expect(done, done.error).toMatchObject({ status: "succeeded" });
    const site = `https://${project.resourceName}.${BASE}:${httpsPort}`;
    const allocate = (await as(`/runs/${run.id}/steps`)).body.items.find(
      (step: { name: string }) => step.name === "allocate",
    );
    expect(allocate.detail.url).toBe(site);
    const [deployment] = await queryD1(
      chat.dir,
      "SELECT url FROM deployments WHERE project_id = ?",
      project.id,
    );
    expect(deployment).toEqual({ url: site });

    // Over TLS verified against the proxy's CA, the name resolved to 127.0.0.1 by this client.
    const ca = caOf(stack.deployRoot);
    expect(await httpsGet(`${site}/health`, ca)).toEqual({
      status: 200,
      body: JSON.stringify({ status: "ok", host: `${project.resourceName}.${BASE}:${httpsPort}` }),
    });
    // The service's port answers on 127.0.0.1 only (where the proxy reaches it), and so does the
    // proxy here (the server is on loopback): nothing on another address.
    const { port, standbyPort } = allocate.detail;
    // Behind the proxy the project has a standby port too: releases switch between the two
    // (blue-green); the first one runs in slot a, on the first port.
    expect(standbyPort).toEqual(expect.any(Number));
    expect(standbyPort).not.toBe(port);
    const liveSlot = path.join(stack.deployRoot, project.resourceName, "run", "live-slot");
    expect(readFileSync(liveSlot, "utf8")).toBe("a\n");
    expect(await listening(port, "127.0.0.1")).toBe(true);
    expect(await listening(port, "127.0.0.2")).toBe(false);
    expect(await listening(httpsPort, "127.0.0.2")).toBe(false);

    // The monitor checks the site as users reach it, through the proxy (at the server's address:
    // the executor resolves no test name, nor holds the internal CA).
    const watched = await until("the monitor's first healthy check", async () => {
      const monitor = (await as(`/projects/${project.id}/monitor`)).body;
      return monitor.lastCheck?.status === 200 ? monitor : undefined;
    });
    expect(watched).toMatchObject({ watching: true, url: `${site}/health`, consecutiveFailures: 0 });
    // The check saw the site's certificate: for its name, from Caddy's internal CA (not trusted
    // by the executor), valid for hours at least.
    expect(watched.lastCheck.certificate).toMatchObject({
      subject: `${project.resourceName}.${BASE}`,
      issuer: expect.stringContaining("Caddy Local Authority"),
      trusted: false,
    });
    expect(Date.parse(watched.lastCheck.certificate.validTo)).toBeGreaterThan(Date.now() + 3600_000);
    // The deployment record: the live release at its HTTPS URL, with that certificate.
    const deployed = (await as(`/projects/${project.id}/deployments`)).body;
    expect(deployed.live).toMatchObject({ status: "deployed", url: site, commit: expect.any(String) });
    expect(deployed.certificate).toEqual(watched.lastCheck.certificate);

    // A domain that does not resolve to the server: refused, naming the record to create.
    const custom = "shop.example.test";
    const refused = await as(`/projects/${project.id}/domain`, { domain: custom }, "PUT");
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body.error.code).toBe("dns_mismatch");
    expect(refused.body.error.details.records).toEqual([
      { type: "A", name: custom, value: "127.0.0.1" },
      { type: "CNAME", name: custom, value: `${project.resourceName}.${BASE}` },
    ]);
    expect(refused.body.error.message).toContain(`A ${custom} → 127.0.0.1`);
    // The chat says the same: /domain names the record to create.
    await chat.say({ id: TELEGRAM_ID, first_name: "Ada" }, `/domain ${project.slug} ${custom}`);
    const told = await eventually(
      () => chat.telegram.texts(TELEGRAM_ID).find((text) => text.includes("Create this DNS record")),
      "the chat's answer to /domain",
    );
    expect(told).toContain(`A ${custom} → 127.0.0.1`);
    expect(told).toContain(`CNAME ${custom} → ${project.resourceName}.${BASE}`);
    dns.records.set(custom, ["192.0.2.10"]);
    const elsewhere = await as(`/projects/${project.id}/domain`, { domain: custom }, "PUT");
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.error.details.found).toEqual(["192.0.2.10"]);

    // Names that are not a domain, or are the base domain's, never reach the proxy.
    for (const domain of ["shop.example.test {\n}", "*.example.test", `other.${BASE}`]) {
      const bad = await as(`/projects/${project.id}/domain`, { domain }, "PUT");
      expect([400, 409], domain).toContain(bad.status);
    }

    // Once it resolves to the server: set (one audit row), and served after the run it started.
    dns.records.set(custom, ["127.0.0.1"]);
    const audited = async () =>
      (await queryD1<{ n: number }>(chat.dir, "SELECT COUNT(*) AS n FROM audit_log"))[0]?.n ?? 0;
    const before = await audited();
    const attached = await as(`/projects/${project.id}/domain`, { domain: custom }, "PUT");
    expect(attached.status, JSON.stringify(attached.body)).toBe(202);
    expect(await audited()).toBe(before + 1);
    expect(attached.body).toMatchObject({ domain: custom, url: `https://${custom}:${httpsPort}` });
    const redeployed = await finished(attached.body.runId);
    expect(redeployed, redeployed.error).toMatchObject({ status: "succeeded" });
    expect((await httpsGet(`https://${custom}:${httpsPort}/health`, ca)).status).toBe(200);
    expect((await httpsGet(`${site}/health`, ca)).status).toBe(200);

    // Another project may not take it.
    const other = await as("/projects", { name: "Other", description: "x" });
    const taken = await as(`/projects/${other.body.id}/domain`, { domain: custom }, "PUT");
    expect(taken.status).toBe(409);

    // Detached: one audit row, and after its run the proxy no longer serves the name.
    const beforeDetach = await audited();
    const detached = await as(`/projects/${project.id}/domain`, undefined, "DELETE");
    expect(detached.status, JSON.stringify(detached.body)).toBe(202);
    expect(await audited()).toBe(beforeDetach + 1);
    const cleared = await finished(detached.body.runId);
    expect(cleared, cleared.error).toMatchObject({ status: "succeeded" });
    await expect(httpsGet(`https://${custom}:${httpsPort}/health`, ca)).rejects.toThrow();
    expect((await httpsGet(`${site}/health`, ca)).status).toBe(200);
  });
});
