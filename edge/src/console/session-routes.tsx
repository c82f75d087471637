/**
 * The console's sign-in and sign-out (HTML forms, outside `/api/v1`). Every
 * POST must come from the console's own pages (`fromSameOrigin`), the sign-in ones too: a
 * cross-site form must not sign a browser in to someone else's account either.
 */
import { type Context, Hono } from "hono";
import { keyPrincipal } from "../api/middleware/auth.ts";
import { database } from "../db/client.ts";
import {
  endSessions,
  redeemSignInLink,
  type SessionHolder,
  sessionForKey,
  sessionHolder,
} from "../domain/web-sessions.ts";
import type { AppContext, AppEnv } from "../http/context.ts";
import {
  clearSessionCookie,
  fromSameOrigin,
  sessionToken,
  setSessionCookie,
} from "../http/session-cookie.ts";
import { consoleSettings } from "../settings/console.ts";
import { formField } from "./forms.ts";
import { consoleHeaders } from "./headers.ts";
import { SignInPage } from "./sign-in.tsx";
import { SIGN_IN_PATH } from "./sign-in-links.ts";

const LINK_REFUSED =
  "This sign-in link was used already, has expired, or is not one: send /login to the bot for a new one.";
const KEY_REFUSED = "This API key is unknown, revoked or expired.";
const CROSS_SITE = "This form came from another site, so it was refused. Sign in from this page.";

function signInPage(c: AppContext, status: 200 | 400 | 401 | 403, error?: string) {
  return c.html(
    <SignInPage minutes={consoleSettings.read(c.env).SIGN_IN_LINK_MINUTES} error={error} />,
    status,
  );
}

/** The browser's live session, if it has one. */
export async function currentSession<E extends AppEnv>(c: Context<E>): Promise<SessionHolder | null> {
  const token = sessionToken(c);
  if (!token) return null;
  return sessionHolder(database(c.env.DB), token, (write) => c.executionCtx.waitUntil(write));
}

/** Opens the session the browser keeps: the cookie, then home. */
function signedIn(c: AppContext, session: { token: string; expiresAt: Date }) {
  setSessionCookie(c, session.token, session.expiresAt);
  return c.redirect("/", 303);
}

export const consoleSessionRoutes = new Hono<AppEnv>()
  .use(SIGN_IN_PATH, consoleHeaders())
  .use(`${SIGN_IN_PATH}/*`, consoleHeaders())
  .get(SIGN_IN_PATH, (c) => signInPage(c, 200))
  .post(SIGN_IN_PATH, async (c) => {
    if (!fromSameOrigin(c)) return signInPage(c, 403, CROSS_SITE);
    const days = consoleSettings.read(c.env).WEB_SESSION_DAYS;
    const session = await redeemSignInLink(database(c.env.DB), (await formField(c, "token")).trim(), {
      days,
    });
    return session ? signedIn(c, session) : signInPage(c, 400, LINK_REFUSED);
  })
  .post(`${SIGN_IN_PATH}/key`, async (c) => {
    if (!fromSameOrigin(c)) return signInPage(c, 403, CROSS_SITE);
    c.set("db", database(c.env.DB));
    const holder = await keyPrincipal((await formField(c, "key")).trim(), c);
    // A chat agent's key (minted for one job) signs nobody in.
    if (!holder || holder.chatId !== undefined) return signInPage(c, 401, KEY_REFUSED);
    const days = consoleSettings.read(c.env).WEB_SESSION_DAYS;
    return signedIn(c, await sessionForKey(c.get("db"), holder, { days }));
  })
  .post("/sign-out", (c) => signOut(c, "this"))
  .post("/sign-out/everywhere", (c) => signOut(c, "everywhere"));

async function signOut(c: AppContext, scope: "this" | "everywhere") {
  if (!fromSameOrigin(c)) return signInPage(c, 403, CROSS_SITE);
  const session = await currentSession(c);
  if (session) await endSessions(database(c.env.DB), session, scope);
  clearSessionCookie(c);
  return c.redirect(SIGN_IN_PATH, 303);
}
