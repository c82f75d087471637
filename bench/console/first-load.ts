/**
 * First load of the console's projects page against a static page of the same Worker: each load in
 * a new tab with the cache off, timed from navigation start to the largest contentful paint
 * (Chromium's `largest-contentful-paint` entries, buffered), alternating the two pages. And the
 * JavaScript the projects page needs: its inline scripts gzipped here, plus every script response
 * as it came over the wire (none today).
 */
import { gzipSync } from "node:zlib";
import { DESKTOP, type TestBrowser } from "../../test/support/browser.ts";
import type { Fleet } from "../../test/support/fleet.ts";

export interface Load {
  /** Navigation start → largest contentful paint. */
  lcpMs: number;
  /** Navigation start → the first byte of the page. */
  ttfbMs: number;
  /** Inline scripts gzipped one by one, plus script responses' bytes on the wire. */
  scriptBytes: number;
  inlineScripts: number;
  /** The HTML document's bytes on the wire (wrangler dev gzips, as Cloudflare does). */
  documentBytes: number;
}

export interface FirstLoads {
  projects: number;
  staticPath: string;
  staticLoads: Load[];
  projectLoads: Load[];
}

/** The console's own static page (edge/public/about.html, Workers static assets). */
export const STATIC_PATH = "/about";

// Runs in the page: the latest LCP candidate once the page has loaded (null if none comes).
const PAGE_FIGURES = `new Promise((resolve) => {
  const timer = setTimeout(() => resolve(null), 5000);
  new PerformanceObserver((list) => {
    clearTimeout(timer);
    resolve(list.getEntries().at(-1).startTime);
  }).observe({ type: "largest-contentful-paint", buffered: true });
}).then((lcp) => ({
  lcp,
  ttfb: performance.getEntriesByType("navigation")[0].responseStart,
  path: location.pathname,
  cards: document.querySelectorAll(".card").length,
  inline: [...document.scripts].filter((script) => !script.src).map((script) => script.text),
}))`;

interface PageFigures {
  lcp: number | null;
  ttfb: number;
  path: string;
  cards: number;
  inline: string[];
}

/** `count` projects of one member, seeded through the API; the member's one-time sign-in link. */
export async function seedProjects(fleet: Fleet, count: number): Promise<string> {
  const owner = await fleet.call<{ id: string }>("/users", { name: "Bench Reader" });
  for (let i = 1; i <= count; i++) {
    await fleet.call("/projects", {
      name: `Bench service ${i}`,
      description: `Service ${i} of the console benchmark: an HTTP API with a health endpoint.`,
      ownerId: owner.id,
    });
  }
  return (await fleet.call<{ url: string }>("/sign-in-links", { userId: owner.id })).url;
}

/** One cold load of `url` in a new tab; `expectCards` checks the projects page really showed. */
async function load(browser: TestBrowser, url: string, expectCards?: number): Promise<Load> {
  const { page } = await browser.open("about:blank", DESKTOP);
  try {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    const types = new Map<string, string>();
    const wire = { script: 0, document: 0 };
    cdp.on("Network.responseReceived", (event) => types.set(event.requestId, event.type));
    cdp.on("Network.loadingFinished", (event) => {
      const type = types.get(event.requestId);
      if (type === "Script") wire.script += event.encodedDataLength;
      if (type === "Document") wire.document += event.encodedDataLength;
    });
    await page.goto(url, { waitUntil: "load" });
    const figures = (await page.evaluate(PAGE_FIGURES)) as PageFigures;
    if (figures.lcp === null) throw new Error(`${url}: no largest-contentful-paint entry`);
    if (expectCards !== undefined && (figures.path !== "/" || figures.cards !== expectCards))
      throw new Error(`${url} showed ${figures.path} with ${figures.cards} projects, not ${expectCards}`);
    const inlineBytes = figures.inline.reduce((sum, text) => sum + gzipSync(text).length, 0);
    return {
      lcpMs: figures.lcp,
      ttfbMs: figures.ttfb,
      scriptBytes: inlineBytes + wire.script,
      inlineScripts: figures.inline.length,
      documentBytes: wire.document,
    };
  } finally {
    await page.close();
  }
}

/**
 * `rounds` loads of each page after `warmup` unrecorded ones, the two pages taking turns at going
 * first. The browser must already be signed in as the projects' owner.
 */
export async function measureFirstLoads(
  fleet: Fleet,
  browser: TestBrowser,
  options: { projects: number; rounds: number; warmup: number },
): Promise<FirstLoads> {
  const staticUrl = `${fleet.worker.origin}${STATIC_PATH}`;
  const projectsUrl = `${fleet.worker.origin}/`;
  const staticLoads: Load[] = [];
  const projectLoads: Load[] = [];
  for (let round = 0; round < options.warmup + options.rounds; round++) {
    const recorded = round >= options.warmup;
    const both = [
      async () => {
        const result = await load(browser, staticUrl);
        if (recorded) staticLoads.push(result);
      },
      async () => {
        const result = await load(browser, projectsUrl, options.projects);
        if (recorded) projectLoads.push(result);
      },
    ];
    for (const measure of round % 2 === 0 ? both : both.reverse()) await measure();
  }
  return { projects: options.projects, staticPath: STATIC_PATH, staticLoads, projectLoads };
}
