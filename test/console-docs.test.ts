/**
 * The API reference page, `/api/v1/docs`, in a real browser: headless Chromium (test/support/
 * browser.ts) against the Worker under `wrangler dev`, at a desktop and a phone width. It reads
 * as a reference, loads nothing from anywhere but the Worker, passes axe-core's serious and
 * critical checks in light and dark, and works from the keyboard. Screenshots are saved for a
 * person to look at (their directory is printed when the browser closes).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DESKTOP, PHONE, seriousViolations, TestBrowser, type Viewport } from "./support/browser.ts";
import { Fleet } from "./support/fleet.ts";

let browser: TestBrowser;
let fleet: Fleet;
let docsUrl: string;
/** The document's tags, in the order its operations first name them. */
let tags: string[];

beforeAll(async () => {
  // The browser first: without Chromium the suite fails at once, saying how to get it.
  browser = await TestBrowser.launch("console-docs");
  fleet = await Fleet.start();
  docsUrl = `${fleet.worker.api}/docs`;
  const document = (await (await fetch(`${fleet.worker.api}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { tags?: string[] }>>;
  };
  const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
  tags = [...new Set(operations.map((operation) => operation.tags?.[0] ?? "other"))];
});

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await fleet?.stop();
  }
});

const widths: [string, Viewport][] = [
  ["1440", DESKTOP],
  ["375", PHONE],
];

describe.each(widths)("the API reference at %s px", (width, viewport) => {
  it("has its title, an index of every tag, and POST /api/v1/projects with its body's fields", async () => {
    const { page, requests } = await browser.open(docsUrl, viewport);
    expect(await page.title()).toBe("API reference · Codegen Orchestrator API");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    const index = page.getByRole("navigation", { name: "Contents" });
    expect(await index.getByRole("link").allTextContents()).toEqual([...tags, "Schemas"]);

    const create = page.locator("#op-post-projects");
    expect(await create.getByRole("heading", { level: 3 }).textContent()).toMatch(
      /^POST\s*\/api\/v1\/projects/,
    );
    expect(await create.getByRole("heading", { name: "Request body" }).count()).toBe(1);
    const fields = await create.locator("code.property").allTextContents();
    expect(fields).toEqual(
      expect.arrayContaining(["name", "slug", "description", "templateSource", "repoUrl"]),
    );
    // It fits the width: nothing makes the page scroll sideways.
    expect(await page.locator("html").evaluate((root) => root.scrollWidth)).toBeLessThanOrEqual(
      viewport.width,
    );
    await browser.screenshot(page, `docs-${width}-top`);
    await create.evaluate((article) => article.scrollIntoView());
    await browser.screenshot(page, `docs-${width}-post-projects`);

    // Only the Worker was asked for anything: no CDN, no fonts, no scripts from elsewhere.
    const origins = new Set(requests.map((url) => new URL(url).origin));
    expect([...origins]).toEqual([fleet.worker.origin]);
    await page.close();
  });

  it("has no serious or critical axe-core violations, light or dark", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const { page } = await browser.open(docsUrl, viewport, colorScheme);
      expect(await seriousViolations(page), colorScheme).toEqual([]);
      if (colorScheme === "dark") await browser.screenshot(page, `docs-${width}-dark`);
      await page.close();
    }
  });

  it("takes the keyboard from the first index link to its section", async () => {
    const { page } = await browser.open(docsUrl, viewport);
    const firstLink = page.getByRole("navigation", { name: "Contents" }).getByRole("link").first();
    // Before the index come the skip link and the raw document's link: a few presses at most.
    let presses = 0;
    while (!(await firstLink.evaluate((link) => link === link.ownerDocument.activeElement)) && presses < 5) {
      await page.keyboard.press("Tab");
      presses++;
    }
    expect(await firstLink.textContent()).toBe(tags[0]);
    expect(await firstLink.evaluate((link) => link === link.ownerDocument.activeElement)).toBe(true);

    await page.keyboard.press("Enter");
    await page.waitForURL(/#tag-/);
    const section = page.locator(`#tag-${tags[0]}`);
    expect(new URL(page.url()).hash).toBe(`#tag-${tags[0]}`);
    // The section's heading is now at the top of the viewport.
    const box = await section.getByRole("heading", { level: 2 }).boundingBox();
    expect(box?.y).toBeGreaterThanOrEqual(0);
    expect(box?.y).toBeLessThan(viewport.height / 3);
    await page.close();
  });
});
