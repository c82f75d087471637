// Signing in to the web console: one-time links, the API-key form, the session cookie, the
// same-origin rule for changes, and signing out (here and everywhere). Against the real Worker.
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { createSignInLink } from "../src/domain/web-sessions.ts";
import { type Browser, browse, formPost, linkFor, ORIGIN, signInWithLink } from "./console-helpers.ts";
import { createProject, createUser, expectStatus } from "./helpers.ts";

describe("console sign-in", () => {
  it("a one-time link opens a session: the home page and the API answer as the member", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const browser = await signInWithLink(member);
    const home = await browse(browser, "/");
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Signed in as user-");
    const mine = await browse(browser, "/api/v1/projects");
    expect(mine.status).toBe(200);
    expect((await mine.json<{ items: { id: string }[] }>()).items.map((p) => p.id)).toEqual([project.id]);
  });

  it("a link works once, and not after it expires", async () => {
    const member = await createUser();
    const token = await linkFor(member);
    expect((await formPost({ cookie: null }, "/sign-in", { token })).status).toBe(303);
    const again = await formPost({ cookie: null }, "/sign-in", { token });
    expect(again.status).toBe(400);
    expect(again.headers.get("set-cookie")).toBeNull();
    expect(await again.text()).toContain("used already, has expired");

    const db = database(env.DB);
    const actor = { userId: member.id, role: "member" as const };
    const past = new Date(Date.now() - 11 * 60_000);
    const expired = await createSignInLink(db, actor, { via: "api", minutes: 10 }, past);
    expect((await formPost({ cookie: null }, "/sign-in", { token: expired.token })).status).toBe(400);
  });

  it("without a session the console sends the browser to sign in; the API says 401", async () => {
    const home = await browse({ cookie: null }, "/");
    expect(home.status).toBe(303);
    expect(home.headers.get("location")).toBe("/sign-in");
    const page = await browse({ cookie: null }, "/sign-in");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const text = await page.text();
    expect(text).toContain('<form method="post" action="/sign-in/key">');
    expect(text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    const forged = await browse({ cookie: "co_session=cos_forged" }, "/api/v1/projects");
    expect(forged.status).toBe(401);
  });

  it("refuses changes from another site: sign-in forms and API calls made with the cookie", async () => {
    const member = await createUser();
    const crossSiteLink = await formPost(
      { cookie: null },
      "/sign-in",
      { token: await linkFor(member) },
      "cross-site",
    );
    expect(crossSiteLink.status).toBe(403);
    expect(crossSiteLink.headers.get("set-cookie")).toBeNull();

    const browser = await signInWithLink(member);
    const body = JSON.stringify({ name: "Forged" });
    const headers = { "content-type": "application/json" };
    const crossSite = await browse(browser, "/api/v1/projects", {
      method: "POST",
      body,
      headers,
      site: "cross-site",
    });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.json()).toMatchObject({ error: { code: "forbidden" } });
    const sameSite = await browse(browser, "/api/v1/projects", { method: "POST", body, headers });
    expect(sameSite.status).toBe(201);
    // No Sec-Fetch-Site: the Origin header decides.
    const headersOnly = new Headers({
      ...headers,
      cookie: browser.cookie ?? "",
      origin: "https://evil.example",
    });
    const withOrigin = await exports.default.fetch(
      new Request(`${ORIGIN}/api/v1/projects`, { method: "POST", body, headers: headersOnly }),
    );
    expect(withOrigin.status).toBe(403);
  });

  it("an API key signs in with its own scopes, and the session ends with the key", async () => {
    const reader = await createUser("member", ["read"]);
    const browser: Browser = { cookie: null };
    const wrong = await formPost(browser, "/sign-in/key", { key: "co_not-a-key" });
    expect(wrong.status).toBe(401);
    const response = await formPost(browser, "/sign-in/key", { key: reader.key });
    expect(response.status).toBe(303);
    browser.cookie = response.headers.get("set-cookie")?.split(";")[0] ?? null;
    expect((await browse(browser, "/api/v1/projects")).status).toBe(200);
    const write = await browse(browser, "/api/v1/projects", {
      method: "POST",
      body: JSON.stringify({ name: "Nope" }),
      headers: { "content-type": "application/json" },
    });
    expect(write.status).toBe(403);
    const keys = await expectStatus(200, "/api-keys", { key: reader.key });
    await expectStatus(200, `/api-keys/${keys.items[0].id}`, { method: "DELETE" }); // by an admin
    expect((await browse(browser, "/api/v1/projects")).status).toBe(401);
  });

  it("signing out ends this session; signing out everywhere ends the others too", async () => {
    const member = await createUser();
    const [first, second, third] = [
      await signInWithLink(member),
      await signInWithLink(member),
      await signInWithLink(member),
    ];
    const out = await formPost(first, "/sign-out", {});
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/co_session=;/);
    expect((await browse(first, "/api/v1/projects")).status).toBe(401);
    expect((await browse(second, "/api/v1/projects")).status).toBe(200);
    expect((await formPost(second, "/sign-out/everywhere", {})).status).toBe(303);
    expect((await browse(second, "/api/v1/projects")).status).toBe(401);
    expect((await browse(third, "/api/v1/projects")).status).toBe(401);
  });

  it("keeps its pages out of other sites' frames", async () => {
    const member = await createUser();
    const browser = await signInWithLink(member);
    for (const path of ["/sign-in", "/"]) {
      const response = await browse(browser, path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("x-frame-options"), path).toBe("DENY");
      expect(response.headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
    }
  });

  it("sets a Secure cookie away from localhost", async () => {
    const member = await createUser();
    const response = await exports.default.fetch(
      new Request("https://console.example/sign-in", {
        method: "POST",
        body: new URLSearchParams({ token: await linkFor(member) }),
        headers: { "sec-fetch-site": "same-origin" },
        redirect: "manual",
      }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("set-cookie")).toMatch(/; Secure/i);
  });
});
