/**
 * The console's session cookie, and the same-origin check every cookie-authenticated change must
 * pass. The cookie is HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site POSTs),
 * and Secure everywhere but on localhost (plain-HTTP development). The origin check stands on its
 * own as well: a browser states where a request comes from (`Sec-Fetch-Site`, `Origin`), and a
 * change that does not come from the console's own pages is refused, JSON or form alike (Hono's
 * `csrf` middleware looks at form bodies only).
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

export const SESSION_COOKIE = "co_session";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Plain-HTTP development on this machine: cookies there cannot be Secure. */
export const isLocalhost = (c: Context) => LOCAL_HOSTS.has(new URL(c.req.url).hostname);

export function setSessionCookie(c: Context, token: string, expiresAt: Date): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Lax",
    secure: !isLocalhost(c),
    path: "/",
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: !isLocalhost(c) });
}

export const sessionToken = (c: Context): string | undefined => getCookie(c, SESSION_COOKIE) || undefined;

/** GET and HEAD change nothing; everything else must come from a page of this origin. */
export function isSafeMethod(c: Context): boolean {
  return c.req.method === "GET" || c.req.method === "HEAD";
}

/** Whether the browser says the request comes from this origin (`Sec-Fetch-Site`, else `Origin`). */
export function fromSameOrigin(c: Context): boolean {
  const site = c.req.header("Sec-Fetch-Site");
  if (site) return site === "same-origin";
  const origin = c.req.header("Origin");
  return origin !== undefined && origin === new URL(c.req.url).origin;
}
