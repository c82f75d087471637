/**
 * The admins' console pages in a real browser (headless Chromium against the Worker under
 * `wrangler dev`): an admin registers an executor (its token shown once; a daemon connects with
 * it), drains and resumes it, registers a server, approves a pending user, sees the empty bot pool
 * (a malformed token refused, never shown back), reads all of that in
 * the audit log, and revokes the executor. Every page passes axe-core's serious and critical
 * checks at a desktop's and a phone's width, with screenshots of both for a person to look at.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DESKTOP, PHONE, seriousViolations, TestBrowser } from "./support/browser.ts";
import { Fleet } from "./support/fleet.ts";

let browser: TestBrowser;
let fleet: Fleet;

beforeAll(async () => {
  // Not UTC, the server's zone: local times on the pages must be the browser's own.
  browser = await TestBrowser.launch("console-admin", "Asia/Kolkata");
  fleet = await Fleet.start();
});

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await fleet?.stop();
  }
});

/** axe-core finds nothing serious at either width; a screenshot of each. */
async function checkBothWidths(page: Page, name: string): Promise<void> {
  expect(await seriousViolations(page), `${name} at 1440`).toEqual([]);
  await browser.screenshot(page, `${name}-1440`, { fullPage: true });
  await page.setViewportSize(PHONE);
  expect(await seriousViolations(page), `${name} at 375`).toEqual([]);
  // Nothing wider than the phone but the tables, which scroll in their own box.
  // (A string: this runs in the page, whose DOM types the tests' TypeScript does not load.)
  const overflow = (await page.evaluate("document.documentElement.scrollWidth - innerWidth")) as number;
  expect(overflow, `${name} at 375 scrolls sideways`).toBeLessThanOrEqual(0);
  await browser.screenshot(page, `${name}-375`, { fullPage: true });
  await page.setViewportSize(DESKTOP);
}

async function executorState(name: string) {
  const { items } = await fleet.call<{ items: { name: string; connected: boolean; draining: boolean }[] }>(
    "/executors",
  );
  return items.find((item) => item.name === name);
}

/** The admin's tab, signed in once; each step below goes on from where the last one left it. */
let page: Page;
let adminId: string;
let token: string;

describe("the admins' pages, one admin's session from step to step", () => {
  it("signs the admin in, and shows the empty executors page saying what to do", async () => {
    adminId = (await fleet.call<{ id: string }>("/users", { name: "Margaret Hamilton", role: "admin" })).id;
    const link = await fleet.call<{ url: string }>("/sign-in-links", { userId: adminId });
    page = (await browser.open(link.url, DESKTOP)).page;
    await page.waitForURL(`${fleet.worker.origin}/`);
    await page.getByRole("link", { name: "Executors" }).click();
    await page.getByRole("heading", { name: "Executors", level: 1 }).waitFor();
    expect(await page.getByText("No executors yet").count()).toBe(1);
    await checkBothWidths(page, "executors-empty");
  });

  it("registers an executor and shows its token once", async () => {
    await page.getByLabel("Name", { exact: true }).fill("runner-1");
    await page.getByRole("button", { name: "Register the executor" }).click();
    await page.waitForURL(/\/admin\/executors\/\w{26}\/token$/);
    token = (await page.locator("#executor-token").textContent()) ?? "";
    expect(token).toMatch(/^coe_/);
    expect(page.url()).not.toContain(token);
    await checkBothWidths(page, "executor-token");
    await page.reload();
    expect(await page.locator("#executor-token").count()).toBe(0);
    expect(await page.content()).not.toContain(token);
    expect(await page.getByText("shown once").count()).toBe(1);
  });

  it("drains and resumes it once its daemon has connected with the token", async () => {
    const id = page.url().split("/").at(-2) ?? "";
    await fleet.restart({ name: "runner-1", id, token, capacity: 2, labels: {} });
    await expect
      .poll(async () => (await executorState("runner-1"))?.connected, { timeout: 30_000 })
      .toBe(true);
    await page.goto(`${fleet.worker.origin}/admin/executors`);
    expect(await page.content()).not.toContain(token);
    await page.getByRole("button", { name: "Drain: runner-1" }).click();
    await page.getByRole("status").filter({ hasText: "runner-1 is draining" }).waitFor();
    expect((await executorState("runner-1"))?.draining).toBe(true);
    await checkBothWidths(page, "executors-draining");
    await page.getByRole("button", { name: "Resume: runner-1" }).click();
    await page.getByRole("status").filter({ hasText: "runner-1 is resumed" }).waitFor();
    expect((await executorState("runner-1"))?.draining).toBe(false);
  });

  it("shows the template catalog: the built-in ones checked by that executor, with their questions", async () => {
    await page.getByRole("link", { name: "Templates" }).click();
    await page.waitForURL(`${fleet.worker.origin}/templates`);
    // The first look registers the default template; the executor checks it meanwhile.
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator(".card .status").first().textContent();
        },
        { timeout: 60_000 },
      )
      .toBe("ready");
    // Both built-in templates are listed; the first is the default, node-service.
    await page
      .getByText(/Its questions \(\d+\)/)
      .first()
      .click();
    expect(await page.locator(".card table").first().textContent()).toContain("project_name");
    await checkBothWidths(page, "templates");
  });

  it("lists the ready templates in the chat too (/templates)", async () => {
    await page.getByRole("link", { name: "Chat" }).click();
    await page.getByLabel("Your message").fill("/templates");
    await page.getByRole("button", { name: "Send" }).click();
    await expect
      .poll(() => page.locator("#messages").textContent(), { timeout: 30_000 })
      .toContain("Node.js HTTP service");
  });

  it("registers a server, then shows what a project's allocation takes of it", async () => {
    await page.getByRole("link", { name: "Servers" }).click();
    await page.getByRole("heading", { name: "Servers", level: 1 }).waitFor();
    await checkBothWidths(page, "servers-empty");
    await page.getByLabel("Name", { exact: true }).fill("web-1");
    await page.getByLabel("Host", { exact: true }).fill("10.0.0.5");
    await page.getByLabel("Memory (MB)").fill("4096");
    await page.getByLabel("CPU cores").fill("2");
    await page.getByLabel("Labels").fill("region=eu");
    await page.getByRole("button", { name: "Register the server" }).click();
    await page.getByRole("status").filter({ hasText: "web-1 is registered" }).waitFor();
    expect(await page.getByRole("meter", { name: "Memory reserved on web-1" }).count()).toBe(1);

    const servers = await fleet.call<{ items: { id: string; name: string }[] }>("/servers");
    const serverId = servers.items.find((server) => server.name === "web-1")?.id;
    const project = await fleet.call<{ id: string }>("/projects", {
      name: "Link shortener",
      ownerId: adminId,
    });
    await fleet.call("/allocations", { projectId: project.id, service: "web", serverId, memoryMb: 512 });
    await page.reload();
    expect(await page.getByRole("link", { name: "Link shortener" }).count()).toBe(1);
    expect(await page.getByText("512 of 4096 MB").count()).toBe(1);
    await checkBothWidths(page, "servers");
  });

  it("approves a pending user", async () => {
    await fleet.call("/users", { name: "Ada Pending", status: "pending" });
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("button", { name: "Approve: Ada Pending" }).click();
    await page.getByRole("status").filter({ hasText: "Ada Pending: member, active." }).waitFor();
    await checkBothWidths(page, "users");
  });

  it("shows the empty bot pool, and refuses a token that is not one without showing it back", async () => {
    await page.getByRole("link", { name: "Bots" }).click();
    await page.getByRole("heading", { name: "Telegram bot pool", level: 1 }).waitFor();
    expect(await page.getByText("No bot yet").count()).toBe(1);
    await checkBothWidths(page, "bots-empty");
    await page.getByLabel("Token from @BotFather").fill("not-a-bot-token");
    await page.getByRole("button", { name: "Add to the pool" }).click();
    await page.getByRole("alert").filter({ hasText: "paste it as @BotFather gives it" }).waitFor();
    expect(await page.getByLabel("Token from @BotFather").inputValue()).toBe("");
    expect(await page.content()).not.toContain("not-a-bot-token");
    await checkBothWidths(page, "bots-refused");
  });

  it("shows each of those in the audit log, and filters it by action family and time", async () => {
    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
    const log = page.getByRole("table");
    const done = ["executor.create", "executor.drain", "executor.resume", "server.create", "user.update"];
    for (const action of done)
      expect(await log.getByRole("link", { name: action, exact: true }).count(), action).toBe(1);
    expect(await log.getByRole("link", { name: "Margaret Hamilton" }).count()).toBeGreaterThanOrEqual(5);
    await checkBothWidths(page, "audit");

    await page.getByLabel("Action or family").fill("executor");
    await page.getByLabel("From", { exact: true }).fill("2020-01-01T00:00");
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/action=executor/);
    // The page names the browser's zone, and its script sent the local time as a UTC instant.
    // (Chromium's ICU still calls it by its old name.)
    expect(await page.getByText(/Times are in Asia\/(Kolkata|Calcutta)\./).count()).toBe(1);
    expect(new URL(page.url()).searchParams.get("since")).toBe("2019-12-31T18:30:00.000Z");
    const actions = await log.locator("tbody tr td:nth-child(3)").allTextContents();
    expect(actions.sort()).toEqual(["executor.create", "executor.drain", "executor.resume"]);
    await checkBothWidths(page, "audit-filtered");
  });

  it("revokes the executor after its confirm step, cutting its daemon off", async () => {
    await page.getByRole("link", { name: "Executors" }).click();
    await page.getByRole("link", { name: "Revoke: runner-1" }).click();
    await page.getByRole("heading", { name: "Revoke runner-1?" }).waitFor();
    await checkBothWidths(page, "executor-revoke");
    await page.getByRole("button", { name: "Revoke runner-1" }).click();
    await page.getByRole("status").filter({ hasText: "runner-1 is revoked" }).waitFor();
    await expect
      .poll(async () => (await executorState("runner-1"))?.connected, { timeout: 30_000 })
      .toBe(false);
    await checkBothWidths(page, "executors-revoked");
  });
});
