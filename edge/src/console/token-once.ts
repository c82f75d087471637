/**
 * A new executor's token on its way to the one page that shows it. The register form's answer is
 * a redirect (a reload must not register a second executor), so the token rides in a cookie that
 * lives minutes, only on the executors' pages, which no script reads and no other site sends
 * (HttpOnly, SameSite=Strict, Secure but on localhost); the page takes it and deletes it. It is
 * never in a URL, so never in a log, history or `Referer`.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { isLocalhost } from "../http/session-cookie.ts";

const COOKIE = "co_new_executor_token";
const PATH = "/admin/executors";
const LIFETIME_S = 300;

export function keepTokenForItsPage(c: Context, executorId: string, token: string): void {
  setCookie(c, COOKIE, `${executorId}.${token}`, {
    httpOnly: true,
    sameSite: "Strict",
    secure: !isLocalhost(c),
    path: PATH,
    maxAge: LIFETIME_S,
  });
}

/** The token kept for this executor's page, once: the cookie is gone after this. */
export function takeToken(c: Context, executorId: string): string | null {
  const kept = getCookie(c, COOKIE);
  if (kept === undefined) return null;
  deleteCookie(c, COOKIE, { path: PATH, secure: !isLocalhost(c) });
  const [id, token] = kept.split(".", 2);
  return id === executorId && token ? token : null;
}
