// The audit log, read by admins: the console's page and `GET /api/v1/audit` share one domain read,
// newest first, filtered by actor, action (or family), target and time, a bounded page at a time.
import { describe, expect, it } from "vitest";
import { browse, signInWithLink } from "./console-helpers.ts";
import { createUser, expectStatus, unique } from "./helpers.ts";

interface AuditPage {
  items: { id: string; actorId: string | null; actorName: string | null; action: string; targetId: string }[];
  nextCursor: string | null;
}

/** A new admin who registers a server and an executor, then drains the executor. */
async function busyAdmin() {
  const admin = await createUser("admin");
  const server = await expectStatus(201, "/servers", {
    key: admin.key,
    body: { name: unique("audited"), host: "10.0.0.2", memoryMb: 64, cpuCores: 1 },
  });
  const { executor } = await expectStatus(201, "/executors", { key: admin.key, body: { name: unique("e") } });
  await expectStatus(200, `/executors/${executor.id}/drain`, { key: admin.key, method: "POST" });
  return { admin, server, executor };
}

describe("audit log", () => {
  it("the API filters by actor and action family, newest first, a page at a time", async () => {
    const { admin, server, executor } = await busyAdmin();
    const mine = await expectStatus<AuditPage>(200, `/audit?actor=${admin.id}`);
    // Newest first: the drain, the executor, the server.
    expect(mine.items.map((entry) => entry.action)).toEqual([
      "executor.drain",
      "executor.create",
      "server.create",
    ]);
    expect(mine.items[2]).toMatchObject({ targetId: server.id, actorName: expect.stringMatching(/^user-/) });

    const family = await expectStatus<AuditPage>(200, `/audit?actor=${admin.id}&action=executor`);
    expect(family.items.map((entry) => entry.action)).toEqual(["executor.drain", "executor.create"]);
    const exact = await expectStatus<AuditPage>(200, `/audit?action=executor.drain&targetId=${executor.id}`);
    expect(exact.items.map((entry) => entry.actorId)).toEqual([admin.id]);

    const first = await expectStatus<AuditPage>(200, `/audit?actor=${admin.id}&limit=2`);
    expect(first.items).toHaveLength(2);
    const older = await expectStatus<AuditPage>(
      200,
      `/audit?actor=${admin.id}&limit=2&cursor=${first.nextCursor}`,
    );
    expect(older.items.map((entry) => entry.action)).toEqual(["server.create"]);
    expect(older.nextCursor).toBeNull();

    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await expectStatus<AuditPage>(200, `/audit?actor=${admin.id}&since=${future}`)).items).toEqual(
      [],
    );
    expect(
      (await expectStatus<AuditPage>(200, `/audit?actor=${admin.id}&until=${future}`)).items,
    ).toHaveLength(3);
    await expectStatus(400, "/audit?action=DROP%20TABLE");
    await expectStatus(400, "/audit?limit=1000");
  });

  it("is for admins only", async () => {
    const member = await createUser();
    await expectStatus(403, "/audit", { key: member.key });
    const browser = await signInWithLink(member);
    const page = await browse(browser, "/admin/audit");
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("Only admins may do this.");
    // Even a malformed filter tells a member nothing but that.
    expect((await browse(browser, "/admin/audit?since=yesterday")).status).toBe(403);
  });

  it("the page shows the entries the filters pick, with links that narrow them", async () => {
    const { admin, executor } = await busyAdmin();
    const browser = await signInWithLink(await createUser("admin"));
    const all = await (await browse(browser, `/admin/audit?actor=${admin.id}`)).text();
    expect(all).toContain(">executor.drain<");
    expect(all).toContain(">server.create<");
    expect(all).toContain(`href="/admin/audit?actor=${admin.id}&amp;action=executor.create"`);

    const byAction = await browse(browser, `/admin/audit?actor=${admin.id}&action=executor.drain`);
    expect(byAction.status).toBe(200);
    const byActionHtml = await byAction.text();
    expect(byActionHtml).toContain(">executor.drain<");
    expect(byActionHtml).toContain(executor.id);
    expect(byActionHtml).not.toContain(">server.create<");
    expect(byActionHtml).toContain('value="executor.drain"');

    // A time range typed without the page's script is read as UTC.
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
    const since = await (await browse(browser, `/admin/audit?actor=${admin.id}&from=${hourAgo}`)).text();
    expect(since).toContain(">server.create<");
    const before = await (await browse(browser, `/admin/audit?actor=${admin.id}&to=${hourAgo}`)).text();
    expect(before).toContain("No entry matches these filters");

    const wrong = await browse(browser, "/admin/audit?actor=someone");
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("Actor: a user&#39;s id (a ULID), or system.");
  });

  it("pages on to older entries", async () => {
    const { admin } = await busyAdmin();
    const browser = await signInWithLink(await createUser("admin"));
    const html = await (await browse(browser, `/admin/audit?actor=${admin.id}`)).text();
    expect(html).not.toContain('rel="next"');
    // More entries than a page holds: 50 drains.
    const { executor } = await expectStatus(201, "/executors", {
      key: admin.key,
      body: { name: unique("e") },
    });
    for (let i = 0; i < 50; i++)
      await expectStatus(200, `/executors/${executor.id}/resume`, { key: admin.key, method: "POST" });
    const first = await (await browse(browser, `/admin/audit?actor=${admin.id}`)).text();
    const older = /href="(\/admin\/audit\?[^"]*cursor=\w+)" rel="next"/.exec(first)?.[1];
    expect(older).toBeDefined();
    const second = await (await browse(browser, (older ?? "").replaceAll("&amp;", "&"))).text();
    expect(second).toContain(">server.create<");
    expect(second).not.toContain('rel="next"');
  });
});
