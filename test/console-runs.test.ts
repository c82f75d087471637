/**
 * A run's page in a real browser (headless Chromium against the Worker under `wrangler dev`): the
 * timeline shows the step that waits for an executor, then follows the run without a reload when
 * it is cancelled from the page; the project's page links to it (its cost chart says nothing was
 * spent yet); axe-core finds nothing serious.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DESKTOP, PHONE, seriousViolations, TestBrowser } from "./support/browser.ts";
import { Fleet } from "./support/fleet.ts";

let browser: TestBrowser;
let fleet: Fleet;

async function api<T>(route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${fleet.worker.api}${route}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${fleet.worker.adminKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, route).toBeLessThan(300);
  return (await response.json()) as T;
}

beforeAll(async () => {
  browser = await TestBrowser.launch("console-runs");
  // A local repository is allowed here; no executor is connected, so the run's first job waits.
  fleet = await Fleet.start({ REPO_ALLOW_LOCAL: "true" });
});

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await fleet?.stop();
  }
});

describe("a run's page", () => {
  it("follows the run live: its waiting step, then cancelled from the page, with no reload", async () => {
    const user = await api<{ id: string }>("/users", { name: "Grace Hopper" });
    const project = await api<{ id: string }>("/projects", {
      name: "Compiler",
      ownerId: user.id,
      repoUrl: "file:///nonexistent/compiler.git",
    });
    const run = await api<{ id: string }>(`/projects/${project.id}/runs`, { kind: "devops" });
    const link = await api<{ url: string }>("/sign-in-links", { userId: user.id });
    const { page } = await browser.open(link.url, DESKTOP);
    await page.waitForURL(`${fleet.worker.origin}/`);
    await page.goto(`${fleet.worker.origin}/projects/${project.id}`);
    // The run has cost nothing yet: the cost chart's place says so.
    expect(await page.getByText("No cost recorded yet").count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "project-1440");
    await page.getByRole("table").first().getByRole("link").first().click();
    await page.waitForURL(`${fleet.worker.origin}/runs/${run.id}`);

    // The first job waits for an executor: its step shows as running.
    const status = page.locator("#run-status");
    await expect
      .poll(() => page.locator("#timeline-body tr").count(), { timeout: 30_000 })
      .toBeGreaterThan(0);
    expect(await page.locator("#timeline-body").textContent()).toContain("running");
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "run-1440");

    // Cancel from the page: the status and the timeline follow without a reload.
    let navigations = 0;
    page.on("framenavigated", () => navigations++);
    await page.getByRole("button", { name: "Cancel the run" }).click();
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe("cancelled");
    expect(navigations).toBe(0);
    expect(await page.getByRole("button", { name: "Cancel the run" }).isHidden()).toBe(true);
    await page.setViewportSize(PHONE);
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "run-cancelled-375");
  });

  it("shows a step's log to those who may read it, streamed, with the whole log to download", async () => {
    await fleet.executor(1, {});
    const member = await api<{ id: string }>("/users", { name: "Katherine Johnson" });
    const admin = await api<{ id: string }>("/users", { name: "Dorothy Vaughan", role: "admin" });
    // A repository that is not there: the inspect job (git) runs on the executor and fails, saying why.
    const project = await api<{ id: string }>("/projects", {
      name: "Trajectories",
      ownerId: member.id,
      repoUrl: "file:///nonexistent/trajectories.git",
    });
    const run = await api<{ id: string }>(`/projects/${project.id}/runs`, { kind: "devops" });
    await expect
      .poll(async () => (await api<{ status: string }>(`/runs/${run.id}`)).status, { timeout: 60_000 })
      .toBe("failed");

    // The member: a git job's log (git's words about remotes) is the admins'; no Log button.
    const asMember = (
      await browser.open((await api<{ url: string }>("/sign-in-links", { userId: member.id })).url, DESKTOP)
    ).page;
    await asMember.waitForURL(`${fleet.worker.origin}/`);
    await asMember.goto(`${fleet.worker.origin}/runs/${run.id}`);
    await asMember.locator("#timeline-body tr").first().waitFor();
    expect(await asMember.getByRole("button", { name: "Log of inspect" }).count()).toBe(0);
    await asMember.getByRole("button", { name: "Sign out", exact: true }).click();
    await asMember.waitForURL(`${fleet.worker.origin}/sign-in`);

    // An admin reads it, streamed from the hub to its end.
    const { page } = await browser.open(
      (await api<{ url: string }>("/sign-in-links", { userId: admin.id })).url,
      DESKTOP,
    );
    await page.waitForURL(`${fleet.worker.origin}/`);
    await page.goto(`${fleet.worker.origin}/runs/${run.id}`);
    await page.getByRole("button", { name: "Log of inspect" }).click();
    const log = page.locator("#log-text");
    await expect
      .poll(() => log.textContent(), { timeout: 30_000 })
      .toContain("does not appear to be a git repository");
    await expect.poll(() => page.locator("#log-state").textContent()).toBe("ended: failed");
    expect(await page.locator("#log-download").getAttribute("href")).toMatch(/^\/api\/v1\/jobs\/\w+\/log$/);
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "run-log-1440");

    // The admin's users page, from the header's link: everyone, with what can be changed.
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("heading", { name: "Users", level: 1 }).waitFor();
    expect(await page.getByRole("button", { name: "Make admin: Katherine Johnson" }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize(PHONE);
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "users-375");
  });
});
