/**
 * The console's pages for a signed-in browser. Each renders from the domain layer with the
 * session's principal, the same functions and rules as `/api/v1` (a member sees their own
 * projects; admins, everyone's); a browser without a live session is sent to sign in.
 */
import { ProjectStatus } from "@codegen-orchestrator/shared";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { database } from "../db/client.ts";
import { projectOverviews } from "../domain/project-overviews.ts";
import { findUser } from "../domain/users.ts";
import type { AppEnv } from "../http/context.ts";
import type { SignedIn } from "./layout.tsx";
import { ProjectsPage } from "./projects.tsx";
import { currentSession } from "./session-routes.tsx";
import { SIGN_IN_PATH } from "./sign-in-links.ts";

type PageEnv = AppEnv & { Variables: { user: SignedIn } };

const PROJECTS_SHOWN = 100;

const signedIn = createMiddleware<PageEnv>(async (c, next) => {
  const session = await currentSession(c);
  if (!session) return c.redirect(SIGN_IN_PATH, 303);
  const db = database(c.env.DB);
  const user = await findUser(db, session.userId);
  c.set("db", db);
  c.set("principal", session);
  c.set("user", { name: user.name, role: user.role });
  await next();
});

export const consolePages = new Hono<PageEnv>().get("/", signedIn, async (c) => {
  const search = c.req.query("q")?.trim().slice(0, 100) ?? "";
  const status = ProjectStatus.safeParse(c.req.query("status"));
  const overviews = await projectOverviews(c.get("db"), c.get("principal"), {
    search,
    status: status.success ? status.data : undefined,
    limit: PROJECTS_SHOWN,
  });
  const filter = { search, status: status.success ? status.data : "" };
  return c.html(<ProjectsPage user={c.get("user")} overviews={overviews} filter={filter} />);
});
