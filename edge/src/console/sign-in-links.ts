/**
 * A one-time sign-in link's address: the console's `/sign-in` page with the token in the fragment,
 * which browsers never send to a server (no request log, proxy or `Referer` sees it, and a chat's
 * link preview cannot use it up); the page's script posts it.
 */
import type { Db } from "../db/client.ts";
import type { Actor } from "../domain/actor.ts";
import { createSignInLink, type SignInVia } from "../domain/web-sessions.ts";
import type { Env } from "../env.ts";
import { consoleSettings } from "../settings/console.ts";

export const SIGN_IN_PATH = "/sign-in";

/** A link for the actor (or, admins, another user), on the console at `origin`. */
export async function signInLink(
  env: Env,
  db: Db,
  actor: Actor,
  input: { via: SignInVia; origin: string; userId?: string | undefined },
): Promise<{ url: string; expiresAt: Date }> {
  const minutes = consoleSettings.read(env).SIGN_IN_LINK_MINUTES;
  const { token, expiresAt } = await createSignInLink(db, actor, { ...input, minutes });
  return { url: `${input.origin}${SIGN_IN_PATH}#${token}`, expiresAt };
}
