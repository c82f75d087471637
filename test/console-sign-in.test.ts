/**
 * Signing in to the web console in a real browser (headless Chromium against the Worker under
 * `wrangler dev`): a one-time link's token travels in the fragment, the page's script posts it and
 * takes it out of the address bar; the link works once; signing out ends the session; the API-key
 * form signs in too. The static pages (`/about`, robots.txt) come with the console's headers. The
 * pages pass axe-core's serious and critical checks at both widths, and screenshots are saved for a
 * person to look at.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DESKTOP, PHONE, seriousViolations, TestBrowser } from "./support/browser.ts";
import { Fleet } from "./support/fleet.ts";

let browser: TestBrowser;
let fleet: Fleet;
let member: { id: string; key: string };

async function admin<T>(route: string, body: unknown, key = fleet.worker.adminKey): Promise<T> {
  const response = await fetch(`${fleet.worker.api}${route}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status, `POST ${route}`).toBe(201);
  return (await response.json()) as T;
}

beforeAll(async () => {
  browser = await TestBrowser.launch("console-sign-in");
  fleet = await Fleet.start();
  const user = await admin<{ id: string }>("/users", { name: "Ada Lovelace" });
  const key = await admin<{ key: string }>("/api-keys", {
    name: "console",
    userId: user.id,
    scopes: ["read"],
  });
  member = { id: user.id, key: key.key };
  await admin("/projects", { name: "URL shortener", description: "Short links", ownerId: user.id });
});

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await fleet?.stop();
  }
});

describe("console sign-in in a browser", () => {
  it("a one-time link signs in once, leaves no token in the address bar, and signing out ends it", async () => {
    // An admin makes it for the member (whose key here can only read).
    const link = await admin<{ url: string }>("/sign-in-links", { userId: member.id });
    expect(new URL(link.url).hash).toMatch(/^#col_/);
    const { page } = await browser.open(link.url, DESKTOP);
    await page.waitForURL(`${fleet.worker.origin}/`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Projects");
    expect(await page.getByRole("banner").textContent()).toContain("Signed in as Ada Lovelace (member)");
    expect(await page.getByRole("list", { name: "Projects" }).textContent()).toContain("URL shortener");
    expect(page.url()).not.toContain("col_");
    expect(await page.content()).not.toContain("col_");
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "home-1440");

    // The project's page: its overview, runs, deployments and the write-only secret field.
    await page.getByRole("link", { name: "URL shortener" }).click();
    await page.getByRole("heading", { name: "Secrets" }).waitFor();
    expect(await page.getByLabel("Value").getAttribute("type")).toBe("password");
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "project-1440");
    await page.goto(`${fleet.worker.origin}/`);

    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL(`${fleet.worker.origin}/sign-in`);
    await page.goto(`${fleet.worker.origin}/`);
    expect(page.url()).toBe(`${fleet.worker.origin}/sign-in`);

    // The same link again, opened as from the chat (a new tab): refused, saying what to do.
    const again = (await browser.open(link.url, DESKTOP)).page;
    const alert = again.getByRole("alert");
    await alert.waitFor();
    expect(again.url()).toBe(`${fleet.worker.origin}/sign-in`);
    expect(await alert.textContent()).toContain("send /login to the bot");
    expect(await seriousViolations(again)).toEqual([]);
    await browser.screenshot(again, "refused-1440");
  });

  it("signs in with an API key at a phone's width", async () => {
    const { page } = await browser.open(`${fleet.worker.origin}/sign-in`, PHONE);
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "sign-in-375");
    await page.getByLabel("API key").fill(member.key);
    await page.getByRole("button", { name: "Sign in with the key" }).click();
    await page.waitForURL(`${fleet.worker.origin}/`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Projects");
    expect(await page.getByRole("banner").textContent()).toContain("Signed in as Ada Lovelace (member)");
    // The session works for the API in this browser, with the key's scopes (read, not write).
    const status = await page.evaluate(async () => {
      const read = await fetch("/api/v1/projects");
      const write = await fetch("/api/v1/projects", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Nope" }),
      });
      return [read.status, write.status];
    });
    expect(status).toEqual([200, 403]);
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "home-375");
  });

  it("serves its static pages (Workers static assets) with the console's headers: /about, robots.txt", async () => {
    const robots = await fetch(`${fleet.worker.origin}/robots.txt`);
    expect(robots.status).toBe(200);
    expect(await robots.text()).toContain("Disallow: /");
    const about = await fetch(`${fleet.worker.origin}/about`);
    expect(about.status).toBe(200);
    expect(about.headers.get("x-frame-options")).toBe("DENY");
    expect(about.headers.get("x-content-type-options")).toBe("nosniff");
    expect(about.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    // The isolation headers the console's pages get from secureHeaders, too.
    const consolePage = await fetch(`${fleet.worker.origin}/sign-in`);
    for (const name of ["cross-origin-opener-policy", "cross-origin-resource-policy", "origin-agent-cluster"])
      expect(about.headers.get(name), name).toBe(consolePage.headers.get(name));
    // The headers file configures; it is not a page.
    expect((await fetch(`${fleet.worker.origin}/_headers`)).status).toBe(404);

    const { page } = await browser.open(`${fleet.worker.origin}/about`, PHONE, "dark");
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "about-375-dark");
    await page.getByRole("link", { name: "sign in" }).click();
    await page.waitForURL(`${fleet.worker.origin}/sign-in`);
  });
});
