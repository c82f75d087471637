/**
 * The console's pages for a signed-in browser. Each renders from the domain layer with the
 * session's principal, the same functions and rules as `/api/v1` (a member sees their own
 * projects; admins, everyone's); a browser without a live session is sent to sign in.
 */
import { ProjectStatus } from "@codegen-orchestrator/shared";
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { database } from "../db/client.ts";
import { ApiError } from "../domain/errors.ts";
import { projectOverviews } from "../domain/project-overviews.ts";
import { findUser } from "../domain/users.ts";
import { showAudit } from "./audit-routes.tsx";
import { addBotFromPage, removeBotFromPage, showBots } from "./bots-page.tsx";
import { ChatPage } from "./chat-page.tsx";
import {
  confirmRevoke,
  drainOrResumeFromPage,
  registerFromPage,
  revokeFromPage,
  showExecutors,
  showNewToken,
} from "./executor-routes.tsx";
import { consoleHeaders } from "./headers.ts";
import { Page } from "./layout.tsx";
import type { PageEnv } from "./page-env.ts";
import {
  deleteProject,
  removeDomain,
  removeSecret,
  setDomain,
  setSecret,
  showProject,
  showRun,
} from "./project-routes.tsx";
import { ProjectsPage } from "./projects.tsx";
import { checkServerFromPage, registerServerFromPage, showServers } from "./server-routes.tsx";
import { currentSession } from "./session-routes.tsx";
import { SIGN_IN_PATH } from "./sign-in-links.ts";
import {
  recheckTemplateFromPage,
  registerTemplateFromPage,
  removeTemplateFromPage,
  saveTemplateManifestFromPage,
  showTemplates,
} from "./template-routes.tsx";
import { changeUserFromPage, showUsers } from "./users-page.tsx";

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

async function showProjects(c: Context<PageEnv>) {
  const search = c.req.query("q")?.trim().slice(0, 100) ?? "";
  const status = ProjectStatus.safeParse(c.req.query("status"));
  const overviews = await projectOverviews(c.get("db"), c.get("principal"), {
    search,
    status: status.success ? status.data : undefined,
    limit: PROJECTS_SHOWN,
  });
  const filter = { search, status: status.success ? status.data : "" };
  return c.html(<ProjectsPage user={c.get("user")} overviews={overviews} filter={filter} />);
}

export const consolePages = new Hono<PageEnv>()
  .use("/", consoleHeaders())
  .use("/chat", consoleHeaders())
  .use("/templates", consoleHeaders())
  .use("/templates/*", consoleHeaders())
  .use("/projects/*", consoleHeaders())
  .use("/runs/*", consoleHeaders())
  .use("/admin/*", consoleHeaders())
  .get("/", signedIn, showProjects)
  .get("/chat", signedIn, (c) => c.html(<ChatPage user={c.get("user")} />))
  .get("/templates", signedIn, showTemplates)
  .post("/templates", signedIn, registerTemplateFromPage)
  .post("/templates/:id/delete", signedIn, removeTemplateFromPage)
  .post("/templates/:id/check", signedIn, recheckTemplateFromPage)
  .post("/templates/:id/manifest", signedIn, saveTemplateManifestFromPage)
  .get("/projects/:id", signedIn, showProject)
  .get("/runs/:id", signedIn, showRun)
  .get("/admin/users", signedIn, showUsers)
  .post("/admin/users/:id", signedIn, changeUserFromPage)
  .get("/admin/executors", signedIn, showExecutors)
  .post("/admin/executors", signedIn, registerFromPage)
  .get("/admin/executors/:id/token", signedIn, showNewToken)
  .post("/admin/executors/:id/:action{drain|resume}", signedIn, drainOrResumeFromPage)
  .get("/admin/executors/:id/revoke", signedIn, confirmRevoke)
  .post("/admin/executors/:id/revoke", signedIn, revokeFromPage)
  .get("/admin/servers", signedIn, showServers)
  .post("/admin/servers", signedIn, registerServerFromPage)
  .post("/admin/servers/:id/check", signedIn, checkServerFromPage)
  .get("/admin/bots", signedIn, showBots)
  .post("/admin/bots", signedIn, addBotFromPage)
  .post("/admin/bots/:id/remove", signedIn, removeBotFromPage)
  .get("/admin/audit", signedIn, showAudit)
  .post("/projects/:id/secrets", signedIn, setSecret)
  .post("/projects/:id/secrets/:name/delete", signedIn, removeSecret)
  .post("/projects/:id/delete", signedIn, deleteProject)
  .post("/projects/:id/domain", signedIn, setDomain)
  .post("/projects/:id/domain/delete", signedIn, removeDomain)
  // A domain refusal (not found, not allowed, invalid) as a page that says what happened.
  .onError((err, c) => {
    if (!(err instanceof ApiError)) throw err;
    const user = c.get("user");
    const page = (
      <Page title="Not done" user={user}>
        <h1>That did not work</h1>
        <p class="error" role="alert">
          {err.message}
        </p>
        <p>
          <a href="/">Back to the projects</a>
        </p>
      </Page>
    );
    return c.html(page, err.status);
  });
