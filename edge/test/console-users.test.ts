// The admins' users page: approve a pending user, block and unblock, change a role; a member is
// refused, and so is a form from another site. Against the real Worker, as a signed-in browser.
import { describe, expect, it } from "vitest";
import { browse, formPost, signInWithLink } from "./console-helpers.ts";
import { createUser, expectStatus, unique } from "./helpers.ts";

describe("console users page", () => {
  it("an admin approves a pending user, blocks and unblocks them, and makes them an admin", async () => {
    const admin = await signInWithLink(await createUser("admin"));
    const name = unique("Pending");
    const pending = await expectStatus(201, "/users", { body: { name } });
    await expectStatus(200, `/users/${pending.id}`, { method: "PATCH", body: { status: "pending" } });
    await expectStatus(200, `/users/${pending.id}/budget`, {
      method: "PUT",
      body: { monthlyBudgetUsd: 12.5 },
    });
    const page = await browse(admin, "/admin/users");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(name);
    // What their projects spent this month, against the budget an admin set.
    expect(html).toContain("$0.0000 of $12.50");
    expect(html).toContain(`aria-label="Approve: ${name}"`);

    const change = async (fields: Record<string, string>) => {
      const response = await formPost(admin, `/admin/users/${pending.id}`, fields);
      expect(response.status).toBe(303);
      return expectStatus(200, `/users/${pending.id}`);
    };
    expect((await change({ status: "active" })).status).toBe("active");
    expect((await change({ status: "blocked" })).status).toBe("blocked");
    expect((await change({ status: "active" })).status).toBe("active");
    expect((await change({ role: "admin" })).role).toBe("admin");

    const crossSite = await formPost(admin, `/admin/users/${pending.id}`, { role: "member" }, "cross-site");
    expect(crossSite.status).toBe(403);
    expect((await expectStatus(200, `/users/${pending.id}`)).role).toBe("admin");
  });

  it("refuses a member, page and form alike", async () => {
    const member = await signInWithLink(await createUser());
    const other = await createUser();
    const page = await browse(member, "/admin/users");
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("Only admins may do this.");
    const post = await formPost(member, `/admin/users/${other.id}`, { role: "admin" });
    expect(post.status).toBe(403);
    expect((await expectStatus(200, `/users/${other.id}`)).role).toBe("member");
  });

  it("refuses changes from a session opened with a read-only admin key", async () => {
    const reader = await createUser("admin", ["read"]);
    const other = await createUser();
    const signedIn = await formPost({ cookie: null }, "/sign-in/key", { key: reader.key });
    const browser = { cookie: signedIn.headers.get("set-cookie")?.split(";")[0] ?? null };
    expect((await browse(browser, "/admin/users")).status).toBe(200);
    const post = await formPost(browser, `/admin/users/${other.id}`, { role: "admin" });
    expect(post.status).toBe(403);
    expect(await post.text()).toContain("read-only API key");
    expect((await expectStatus(200, `/users/${other.id}`)).role).toBe("member");
  });
});
