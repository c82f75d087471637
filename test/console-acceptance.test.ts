/**
 * The acceptance scenario in a real browser, with no Telegram in it: sign in with a one-time link →
 * describe the URL shortener in the web chat → answer the question by button → watch the run's
 * timeline and a log update live (no reload) → enter the value the deploy needs in the write-only
 * field (never in the page after submit, the chat's history, a model request or the Worker's
 * output) → the chat shows the URL, which answers 200. The stack is the end-to-end test's: the
 * loopback Messages API, a real executor, Claude Code, Ansible against an sshd on 127.0.0.1.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DESKTOP, PHONE, seriousViolations, TestBrowser } from "./support/browser.ts";
import { missingTools, type ScenarioStack, startScenarioStack } from "./support/scenario.ts";

const ready = missingTools().length === 0;
const SECRET = "tok-console-canary-7c41e0";

let stack: ScenarioStack;
let browser: TestBrowser;

beforeAll(async () => {
  if (!ready) return;
  browser = await TestBrowser.launch("console-acceptance");
  stack = await startScenarioStack({ STATUS_EDIT_INTERVAL_MS: "200", JOB_PROGRESS_POLL_S: "1" });
}, 180_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await stack?.stop();
  }
});

const chatText = (page: Page) => page.locator("#messages").textContent();

async function waitInChat(page: Page, part: string, timeout = 240_000) {
  await expect.poll(() => chatText(page), { timeout, message: `the chat shows ${part}` }).toContain(part);
}

/** The run's page (its link in the chat), followed live until a step's log shows text and the timeline has grown. */
async function watchRun(page: Page, runId: string) {
  await page.getByRole("link", { name: runId }).click();
  await page.waitForURL(`${stack.chat.worker.origin}/runs/${runId}`);
  await page.evaluate(() => {
    (globalThis as { loadedOnce?: boolean }).loadedOnce = true;
  });
  const rows = page.locator("#timeline-body tr");
  await expect.poll(() => rows.count(), { timeout: 60_000 }).toBeGreaterThan(0);
  const first = await rows.count();
  const develop = page.getByRole("button", { name: "Log of develop 1" });
  await develop.waitFor({ timeout: 120_000 });
  await develop.click();
  await expect.poll(() => page.locator("#log-text").textContent(), { timeout: 60_000 }).not.toBe("");
  await expect.poll(() => rows.count(), { timeout: 240_000 }).toBeGreaterThan(first);
  expect(await seriousViolations(page)).toEqual([]);
  await browser.screenshot(page, "run-live-1440");
  // Still the page first loaded: the rows and the log came without a reload.
  expect(await page.evaluate(() => (globalThis as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
}

describe.skipIf(!ready)("the main job from the browser", { timeout: 900_000 }, () => {
  it("chat → question by button → live run → write-only secret → the URL answers 200", async () => {
    const { chat } = stack;
    const user = await chat.api<{ id: string }>("/users", { name: "Wes" });
    const link = await chat.api<{ url: string }>("/sign-in-links", { userId: user.id });
    const { page } = await browser.open(link.url, DESKTOP);
    await page.waitForURL(`${chat.worker.origin}/`);
    await page.getByRole("link", { name: "Chat" }).click();
    await page.waitForURL(`${chat.worker.origin}/chat`);
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "chat-empty-1440");

    await page
      .getByLabel("Your message")
      .fill("Hi, my name is Wes. I need a URL shortener with a health endpoint");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("button", { name: "After 30 days" }).click({ timeout: 30_000 });
    await waitInChat(page, "Building it now", 60_000);
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "chat-question-1440");

    const projects = (await chat.api(`/projects?ownerId=${user.id}`)).items as { id: string }[];
    expect(projects).toHaveLength(1);
    const projectId = projects[0]?.id as string;
    const [engineering] = (await chat.api(`/projects/${projectId}/runs`)).items as { id: string }[];
    await watchRun(page, engineering?.id as string);

    // Back in the chat: the deploy asks for a value, through the write-only field.
    await page.goto(`${chat.worker.origin}/chat`);
    const field = page.getByLabel(/Value of SHORTENER_API_TOKEN/);
    await field.waitFor({ timeout: 240_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "chat-secret-1440");
    await field.fill(SECRET);
    await page.getByRole("button", { name: "Store the secret" }).click();
    expect(await field.inputValue()).toBe("");
    await waitInChat(page, "Stored SHORTENER_API_TOKEN");
    expect(await page.content()).not.toContain(SECRET);

    await waitInChat(page, "is live: ");
    const url = /is live: (http:\/\/127\.0\.0\.1:\d+)/.exec((await chatText(page)) ?? "")?.[1] as string;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // The address is a link, as in Telegram.
    expect(await page.getByRole("link", { name: url }).count()).toBeGreaterThan(0);
    await page.evaluate(() =>
      (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
    );
    await browser.screenshot(page, "chat-live-1440");
    await page.setViewportSize(PHONE);
    expect(await seriousViolations(page)).toEqual([]);
    await browser.screenshot(page, "chat-live-375");

    // The value went nowhere but the sealed store and the service.
    expect(await page.content()).not.toContain(SECRET);
    const history = await page.evaluate(async () => (await fetch("/api/v1/chat/messages")).text());
    expect(history).toContain("is live: ");
    expect(history).not.toContain(SECRET);
    expect(chat.model.requests.some((request) => request.body.includes(SECRET))).toBe(false);
    expect(chat.worker.output()).not.toContain(SECRET);
  });
});
