/**
 * A headless browser for tests that look at the Worker's pages as a person would: Debian's
 * `chromium` (scripts/system-deps.sh installs it) driven by playwright-core, which downloads no
 * browser of its own. Opens pages at a viewport, checks them with axe-core, saves screenshots.
 *
 *   const browser = await TestBrowser.launch("console-docs");
 *   const { page, requests } = await browser.open(url, DESKTOP);
 *   expect(await seriousViolations(page)).toEqual([]);
 *   await browser.screenshot(page, "docs-1440");
 *   await browser.close();
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export interface Viewport {
  width: number;
  height: number;
}

export const DESKTOP: Viewport = { width: 1440, height: 900 };
export const PHONE: Viewport = { width: 375, height: 812 };

/**
 * What this machine needs: no sandbox (the tests run as root, and load only the local Worker's
 * pages), no GPU, and nothing that reaches out on its own (QUIC, first-run, update and sync
 * traffic). playwright-core adds `--headless` and the `--user-data-dir` given to it.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** All screenshots go under here, one directory per suite, replaced on each run. */
export const SCREENSHOTS_ROOT = path.join(tmpdir(), "codegen-orchestrator-screenshots");

const HOW_TO_GET_IT =
  `No Chromium at ${CHROMIUM}: the browser tests drive Debian's chromium. Run ` +
  "`bash scripts/system-deps.sh` as root on Debian (it installs it), or `apt-get install chromium`.";

export interface AxeViolation {
  rule: string;
  impact: string;
  help: string;
  /** CSS selectors of the offending elements. */
  targets: string[];
}

export interface OpenPage {
  page: Page;
  requests: string[];
}

export class TestBrowser {
  readonly screenshotDir: string;
  /** The files `screenshot` saved, in order. */
  readonly screenshots: string[] = [];
  readonly #context: BrowserContext;
  readonly #profileDir: string;

  private constructor(context: BrowserContext, profileDir: string, screenshotDir: string) {
    this.#context = context;
    this.#profileDir = profileDir;
    this.screenshotDir = screenshotDir;
  }

  /**
   * Starts Chromium with a fresh profile; `suite` names the screenshot directory. `timeZone` (an
   * IANA name) is the pages' own, for tests of local times; the machine's otherwise.
   */
  static async launch(suite: string, timeZone?: string): Promise<TestBrowser> {
    if (!existsSync(CHROMIUM)) throw new Error(HOW_TO_GET_IT);
    const screenshotDir = path.join(SCREENSHOTS_ROOT, suite);
    await rm(screenshotDir, { recursive: true, force: true });
    await mkdir(screenshotDir, { recursive: true });
    const profileDir = await mkdtemp(path.join(tmpdir(), "co-chromium-"));
    try {
      const context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        // axe-core goes in as an inline script, which a page's Content-Security-Policy may forbid.
        bypassCSP: true,
        viewport: DESKTOP,
        ...(timeZone ? { timezoneId: timeZone } : {}),
      });
      return new TestBrowser(context, profileDir, screenshotDir);
    } catch (err) {
      await rm(profileDir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * A new tab at `viewport` (light colour scheme unless told), once `url` has loaded, with the URL
   * of every request the page has made since it opened (loading it included).
   */
  async open(url: string, viewport: Viewport, colorScheme: "light" | "dark" = "light"): Promise<OpenPage> {
    const page = await this.#context.newPage();
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme });
    await page.goto(url, { waitUntil: "load" });
    return { page, requests };
  }

  /** Saves what the viewport shows (`fullPage`: the whole page) as `<name>.png`; returns the file's path. */
  async screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
    const file = path.join(this.screenshotDir, `${name}.png`);
    await page.screenshot({ path: file, fullPage: options.fullPage ?? false });
    this.screenshots.push(file);
    return file;
  }

  /** Closes the browser, removes its profile and prints where the screenshots are. */
  async close(): Promise<void> {
    try {
      await this.#context.close();
    } finally {
      await rm(this.#profileDir, { recursive: true, force: true });
    }
    if (this.screenshots.length > 0) {
      const names = this.screenshots.map((file) => path.basename(file)).join(", ");
      console.log(`Screenshots (${this.screenshots.length}) in ${this.screenshotDir}: ${names}`);
    }
  }
}

let axeSource: string | undefined;

/** axe-core's checks of the page as it is now, keeping the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    // `axe` is the global the injected script defines; this function runs in the page.
    const { axe } = globalThis as unknown as {
      axe: {
        run(options: object): Promise<{
          violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[];
        }>;
      };
    };
    const results = await axe.run({ resultTypes: ["violations"] });
    return results.violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map((violation) => ({
        rule: violation.id,
        impact: String(violation.impact),
        help: violation.help,
        targets: violation.nodes.map((node) => node.target.map(String).join(" ")),
      }));
  });
}
