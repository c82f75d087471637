// The admins' servers page: each server's memory and ports taken by its allocations, the
// allocations themselves, and a register form that checks what the API checks; a member is
// refused, and so is a form from another site. Against the real Worker, as a signed-in browser.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { recordCheck } from "../src/domain/server-checks.ts";
import { browse, formPost, signInWithLink } from "./console-helpers.ts";
import { createProject, createServer, createUser, expectStatus, unique } from "./helpers.ts";

const serverNamed = async (name: string) =>
  (await expectStatus<{ items: any[] }>(200, "/servers?limit=200")).items.find((s) => s.name === name);

describe("console servers page", () => {
  it("shows each server's usage and allocations", async () => {
    const admin = await signInWithLink(await createUser("admin"));
    const member = await createUser();
    const project = await createProject(member.key);
    const server = await createServer({ memoryMb: 2048, portRangeStart: 9000, portRangeEnd: 9009 });
    await expectStatus(201, "/allocations", {
      body: { projectId: project.id, service: "web", serverId: server.id, memoryMb: 512 },
    });
    const page = await browse(admin, "/admin/servers");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(server.name);
    expect(html).toContain(`aria-label="Memory reserved on ${server.name}"`);
    expect(html).toContain("512 of 2048 MB");
    expect(html).toContain("1 of 10 (9000–9009)");
    expect(html).toContain(`<a href="/projects/${project.id}">${project.name}</a>`);
  });

  it("registers a server with the API's defaults, and says what is wrong, keeping what was typed", async () => {
    const admin = await signInWithLink(await createUser("admin"));
    const name = unique("page-srv");
    const fields = { name, host: "10.0.0.9", memoryMb: "4096", cpuCores: "2", labels: "region=eu, tier=web" };
    const created = await formPost(admin, "/admin/servers", fields);
    expect(created.status).toBe(303);
    expect(created.headers.get("location")).toContain("/admin/servers?notice=");
    expect(await serverNamed(name)).toMatchObject({
      host: "10.0.0.9",
      memoryMb: 4096,
      cpuCores: 2,
      sshPort: 22,
      sshUser: "root",
      portRangeStart: 8000,
      labels: { region: "eu", tier: "web" },
      knownHosts: null,
      trustFirstHostKey: false,
      status: "active",
    });

    const taken = await formPost(admin, "/admin/servers", fields);
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain(`A server named \`${name}\` exists.`);

    const bad = await formPost(admin, "/admin/servers", {
      ...fields,
      name: unique("other"),
      portRangeStart: "9000",
      portRangeEnd: "8000",
    });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain("Last port: portRangeStart must not exceed portRangeEnd");
    expect(badHtml).toContain('value="9000"');

    const badLabels = await formPost(admin, "/admin/servers", { ...fields, name: unique("l"), labels: "eu" });
    expect(badLabels.status).toBe(400);
    expect(await badLabels.text()).toContain("Labels: write each as key=value");
  });

  it("refuses a member, page and form alike, and a form from another site", async () => {
    const member = await signInWithLink(await createUser());
    const page = await browse(member, "/admin/servers");
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("Only admins may do this.");
    const name = unique("nope");
    const fields = { name, host: "10.0.0.1", memoryMb: "64", cpuCores: "1" };
    expect((await formPost(member, "/admin/servers", fields)).status).toBe(403);
    const admin = await signInWithLink(await createUser("admin"));
    expect((await formPost(admin, "/admin/servers", fields, "cross-site")).status).toBe(403);
    expect(await serverNamed(name)).toBeUndefined();
  });

  it("shows each server's last check, and offers Check now where the host key is pinned", async () => {
    const admin = await signInWithLink(await createUser("admin"));
    const knownHosts =
      "[10.0.0.7]:22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    const pinned = await createServer({ knownHosts });
    const unpinned = await createServer();
    await recordCheck(database(env.DB), pinned.id, {
      at: "2026-12-03T12:00:00.000Z",
      outcome: "degraded",
      reasons: ["disk 4% free, below 10%"],
      diskFreePercent: 4,
      memoryAvailablePercent: 61.5,
      loadPerCore: 0.25,
      serviceManager: "systemd running",
    });
    const html = await (await browse(admin, "/admin/servers")).text();
    expect(html).toContain('<span class="state-degraded">degraded</span>');
    expect(html).toContain("disk 4% free, memory 61.5% available, load 0.25 per core, systemd running");
    expect(html).toContain('<div class="state-degraded">disk 4% free, below 10%</div>');
    expect(html).toContain("not yet");
    expect(html).toContain(`aria-label="Check now: ${pinned.name}"`);
    expect(html).not.toContain(`aria-label="Check now: ${unpinned.name}"`);

    const refused = await formPost(admin, `/admin/servers/${unpinned.id}/check`, {});
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("host key is not pinned: set knownHosts");
    const member = await signInWithLink(await createUser());
    expect((await formPost(member, `/admin/servers/${pinned.id}/check`, {})).status).toBe(403);
  });
});
