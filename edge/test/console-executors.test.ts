// The admins' executors page: register an executor (its token shown once, on its own page), drain,
// resume and revoke it with the page's buttons; a member is refused the page and every form, and
// so is a form from another site. Against the real Worker, as a signed-in browser.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Browser, browse, formPost, ORIGIN, signInWithLink } from "./console-helpers.ts";
import { connect, createExecutor, hello } from "./executor-socket.ts";
import { createUser, expectStatus, unique } from "./helpers.ts";

/** The executor's state as the API lists it. */
async function listed(id: string) {
  const { items } = await expectStatus<{ items: any[] }>(200, "/executors");
  return items.find((item) => item.id === id);
}

/** Registers from the page; the redirect's answer page, read with the cookie that carries the token. */
async function registerFromPage(admin: Browser, name: string) {
  const response = await formPost(admin, "/admin/executors", {
    name,
    pool: "default",
    capabilities: "exec",
  });
  expect(response.status).toBe(303);
  const location = response.headers.get("location") ?? "";
  expect(location).toMatch(/^\/admin\/executors\/\w{26}\/token$/);
  const carried = response.headers.getSetCookie().find((c) => c.startsWith("co_new_executor_token="));
  expect(carried).toMatch(/HttpOnly/i);
  expect(carried).toMatch(/SameSite=Strict/i);
  expect(carried).toMatch(/Path=\/admin\/executors/);
  const flash = carried?.split(";")[0] ?? "";
  const page = await browse({ cookie: `${admin.cookie}; ${flash}` }, location);
  expect(page.status).toBe(200);
  expect(page.headers.get("cache-control")).toBe("no-store");
  expect(page.headers.getSetCookie().join()).toMatch(/co_new_executor_token=;/);
  const html = await page.text();
  const token = /<code class="token" id="executor-token">(coe_[\w-]+)<\/code>/.exec(html)?.[1];
  expect(html).toContain("it will not be shown again");
  return { id: location.split("/")[3] ?? "", location, token: token ?? "" };
}

describe("console executors page", () => {
  it("registers an executor, shows its token once, and drains, resumes and revokes it", async () => {
    const admin = await signInWithLink(await createUser("admin"));
    const name = unique("page-exec");
    const registered = await registerFromPage(admin, name);
    expect(registered.token).toMatch(/^coe_/);
    expect(registered.location).not.toContain(registered.token);

    // Once: the page again (a reload), and the list, do not show it.
    const again = await browse(admin, registered.location);
    const againHtml = await again.text();
    expect(againHtml).toContain("shown once");
    expect(againHtml).not.toContain(registered.token);
    const list = await browse(admin, "/admin/executors");
    expect(list.status).toBe(200);
    const listHtml = await list.text();
    expect(listHtml).toContain(name);
    expect(listHtml).not.toContain(registered.token);
    expect((await listed(registered.id)).allowedCapabilities).toEqual(["exec"]);

    // The token works: the executor connects, and the page offers to drain it.
    const socket = await connect(registered.token);
    await hello(socket);
    expect(await (await browse(admin, "/admin/executors")).text()).toContain(`aria-label="Drain: ${name}"`);
    expect((await formPost(admin, `/admin/executors/${registered.id}/drain`, {})).status).toBe(303);
    expect(await socket.next("drain")).toMatchObject({ type: "drain" });
    expect((await listed(registered.id)).draining).toBe(true);
    const drained = await (await browse(admin, "/admin/executors")).text();
    expect(drained).toContain(`aria-label="Resume: ${name}"`);
    expect((await formPost(admin, `/admin/executors/${registered.id}/resume`, {})).status).toBe(303);
    expect((await listed(registered.id)).draining).toBe(false);

    // Revoke: a confirm step, then the socket closes and the token is refused.
    const confirm = await browse(admin, `/admin/executors/${registered.id}/revoke`);
    expect(await confirm.text()).toContain(`Revoke ${name}?`);
    expect((await formPost(admin, `/admin/executors/${registered.id}/revoke`, {})).status).toBe(400);
    expect((await listed(registered.id)).revokedAt).toBeNull();
    const revoked = await formPost(admin, `/admin/executors/${registered.id}/revoke`, { confirm: "yes" });
    expect(revoked.status).toBe(303);
    expect((await socket.closed).code).toBeGreaterThan(1000);
    expect((await listed(registered.id)).revokedAt).not.toBeNull();
    expect(await (await browse(admin, "/admin/executors")).text()).toContain('class="state-revoked"');
  });

  it("says what is wrong with the register form, keeping what was typed", async () => {
    const admin = await signInWithLink(await createUser("admin"));
    const response = await formPost(admin, "/admin/executors", { name: "Not A Slug", pool: "default" });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("Name: lower-case letters, digits and inner dashes");
    expect(html).toContain("Capabilities:");
    expect(html).toContain('value="Not A Slug"');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("refuses a member, page and forms alike", async () => {
    const member = await signInWithLink(await createUser());
    const executor = await createExecutor();
    for (const path of ["/admin/executors", `/admin/executors/${executor.id}/revoke`]) {
      const page = await browse(member, path);
      expect(page.status, path).toBe(403);
      expect(await page.text()).toContain("Only admins may do this.");
    }
    const forms: [string, Record<string, string>][] = [
      ["/admin/executors", { name: unique("nope"), pool: "default", capabilities: "exec" }],
      [`/admin/executors/${executor.id}/drain`, {}],
      [`/admin/executors/${executor.id}/revoke`, { confirm: "yes" }],
    ];
    for (const [path, fields] of forms) expect((await formPost(member, path, fields)).status, path).toBe(403);
    expect((await listed(executor.id)).revokedAt).toBeNull();
  });

  it("refuses a form from another site, by Sec-Fetch-Site or by Origin", async () => {
    const admin = await signInWithLink(await createUser("admin"));
    const executor = await createExecutor();
    const crossSite = await formPost(
      admin,
      `/admin/executors/${executor.id}/revoke`,
      { confirm: "yes" },
      "cross-site",
    );
    expect(crossSite.status).toBe(403);
    // An older browser sends no Sec-Fetch-Site: its Origin decides.
    const foreignOrigin = await exports.default.fetch(
      new Request(`${ORIGIN}/admin/executors/${executor.id}/revoke`, {
        method: "POST",
        headers: { cookie: admin.cookie ?? "", origin: "https://evil.example" },
        body: new URLSearchParams({ confirm: "yes" }),
        redirect: "manual",
      }),
    );
    expect(foreignOrigin.status).toBe(403);
    expect((await listed(executor.id)).revokedAt).toBeNull();
  });

  it("refuses changes from a session opened with a read-only key", async () => {
    const readOnly = await createUser("admin", ["read"]);
    const signedIn = await formPost({ cookie: null }, "/sign-in/key", { key: readOnly.key });
    const admin = { cookie: signedIn.headers.get("set-cookie")?.split(";")[0] ?? null };
    expect((await browse(admin, "/admin/executors")).status).toBe(200);
    const response = await formPost(admin, "/admin/executors", { name: unique("ro"), capabilities: "exec" });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("read-only API key");
  });
});
