/** A browser on the console, as the console's tests drive it: its cookie, same-origin requests. */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { expectStatus, type Member } from "./helpers.ts";

export const ORIGIN = "http://127.0.0.1:8787";

export interface Browser {
  cookie: string | null;
}

/** A request as a browser on the console's page would make it (same origin), with its cookie. */
export function browse(browser: Browser, path: string, init: RequestInit & { site?: string } = {}) {
  const headers = new Headers(init.headers);
  if (browser.cookie) headers.set("cookie", browser.cookie);
  if (init.method === "POST") headers.set("sec-fetch-site", init.site ?? "same-origin");
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers, redirect: "manual" }));
}

export const formPost = (browser: Browser, path: string, fields: Record<string, string>, site?: string) =>
  browse(browser, path, { method: "POST", body: new URLSearchParams(fields), site });

/** The link's token: the part after `#`, which browsers never send to a server. */
export async function linkFor(member: Member): Promise<string> {
  const link = await expectStatus(201, "/sign-in-links", { key: member.key, body: {} });
  const url = new URL(link.url);
  expect(url.pathname).toBe("/sign-in");
  expect(url.search).toBe("");
  expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);
  return url.hash.slice(1);
}

export async function signInWithLink(member: Member): Promise<Browser> {
  const browser: Browser = { cookie: null };
  const response = await formPost(browser, "/sign-in", { token: await linkFor(member) });
  expect(response.status).toBe(303);
  expect(response.headers.get("location")).toBe("/");
  const setCookie = response.headers.get("set-cookie") ?? "";
  expect(setCookie).toMatch(/^co_session=cos_[A-Za-z0-9_-]{40,};/);
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/SameSite=Lax/i);
  // Plain HTTP on localhost only: elsewhere the cookie is Secure (below).
  expect(setCookie).not.toMatch(/Secure/i);
  browser.cookie = setCookie.split(";")[0] ?? null;
  return browser;
}
