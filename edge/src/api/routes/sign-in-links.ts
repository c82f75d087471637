/** `/sign-in-links`: one-time links that sign in to the web console (`npm start` prints one). */

import { CreateSignInLink, SignInLink } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { signInLink } from "../../console/sign-in-links.ts";
import { refuseChatKey } from "../../domain/api-keys.ts";
import { consoleSettings } from "../../settings/console.ts";
import { bodyErrors, json, jsonBody, router, security } from "../openapi.ts";

export const signInLinksRoutes = router().openapi(
  createRoute({
    method: "post",
    path: "/sign-in-links",
    operationId: "create_sign_in_link",
    tags: ["console"],
    security,
    summary: "Make a one-time link that signs in to the web console (valid for SIGN_IN_LINK_MINUTES)",
    request: { body: jsonBody(CreateSignInLink) },
    responses: { 201: json(SignInLink, "The link, shown once"), ...bodyErrors },
  }),
  async (c) => {
    const origin = consoleSettings.read(c.env).CONSOLE_URL ?? new URL(c.req.url).origin;
    const { userId } = c.req.valid("json");
    refuseChatKey(c.get("principal"), "make sign-in links");
    const link = await signInLink(c.env, c.get("db"), c.get("principal"), { via: "api", origin, userId });
    return c.json({ url: link.url, expiresAt: link.expiresAt.toISOString() }, 201);
  },
);
