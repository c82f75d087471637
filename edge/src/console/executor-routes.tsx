/**
 * What the executors page's forms do: register an executor, drain or resume one, revoke one after
 * its confirm step. Each is the same domain operation as `/api/v1/executors` (and audited as it
 * is), with the session's principal; each change ends in a redirect, so a reload repeats nothing.
 */
import { CreateExecutor } from "@codegen-orchestrator/shared";
import type { Context } from "hono";
import { z } from "zod";
import { conflict, invalid } from "../domain/errors.ts";
import { drainOrResume, executorStates, revokeAndDisconnect, stateOf } from "../domain/executor-fleet.ts";
import { findExecutor, registerExecutor } from "../domain/executors.ts";
import { executorHub } from "../executors/hub.ts";
import { assertMayChange } from "./changes.ts";
import {
  EMPTY_DRAFT,
  type ExecutorDraft,
  ExecutorsPage,
  ExecutorTokenPage,
  RevokeExecutorPage,
} from "./executors-page.tsx";
import { formFields, whatIsWrong } from "./forms.ts";
import type { PageEnv } from "./page-env.ts";
import { keepTokenForItsPage, takeToken } from "./token-once.ts";

type PageContext = Context<PageEnv>;

const FIELD_LABELS = { name: "Name", pool: "Pool", capabilities: "Capabilities" };
const Action = z.enum(["drain", "resume"]);

async function executorsPage(
  c: PageContext,
  status: 200 | 400,
  form: { draft: ExecutorDraft; error?: string | undefined },
) {
  const executors = await executorStates(c.get("db"), executorHub(c.env), c.get("principal"));
  const notice = c.req.query("notice")?.slice(0, 200);
  return c.html(
    <ExecutorsPage user={c.get("user")} executors={executors} notice={notice} {...form} />,
    status,
  );
}

export const showExecutors = (c: PageContext) => executorsPage(c, 200, { draft: EMPTY_DRAFT });

const asText = (value: string | string[] | undefined) => (typeof value === "string" ? value.trim() : "");
const asList = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export async function registerFromPage(c: PageContext) {
  assertMayChange(c);
  const fields = await formFields(c);
  const draft = {
    name: asText(fields.name),
    pool: asText(fields.pool),
    capabilities: asList(fields.capabilities),
  };
  const input = CreateExecutor.safeParse(draft);
  if (!input.success) return executorsPage(c, 400, { draft, error: whatIsWrong(input.error, FIELD_LABELS) });
  const { row, token } = await registerExecutor(c.get("db"), c.get("principal"), input.data);
  keepTokenForItsPage(c, row.id, token);
  return c.redirect(`/admin/executors/${row.id}/token`, 303);
}

/** The page that shows a new executor's token, once; after that it says the token is gone. */
export async function showNewToken(c: PageContext) {
  const row = await findExecutor(c.get("db"), c.get("principal"), c.req.param("id") ?? "");
  const token = takeToken(c, row.id);
  // Nothing may keep this answer: not the browser's cache, not its back button.
  c.header("Cache-Control", "no-store");
  const origin = new URL(c.req.url).origin;
  return c.html(<ExecutorTokenPage user={c.get("user")} name={row.name} token={token} origin={origin} />);
}

export async function drainOrResumeFromPage(c: PageContext) {
  assertMayChange(c);
  const action = Action.safeParse(c.req.param("action"));
  if (!action.success) throw invalid("An executor can be drained or resumed.");
  const hub = executorHub(c.env);
  const state = await drainOrResume(
    c.get("db"),
    hub,
    c.get("principal"),
    c.req.param("id") ?? "",
    action.data,
  );
  const done = action.data === "drain" ? "is draining: it takes no new jobs" : "is resumed: it takes jobs";
  return c.redirect(`/admin/executors?notice=${encodeURIComponent(`${state.name} ${done}.`)}`, 303);
}

export async function confirmRevoke(c: PageContext) {
  const row = await findExecutor(c.get("db"), c.get("principal"), c.req.param("id") ?? "");
  const executor = await stateOf(executorHub(c.env), row);
  if (executor.revokedAt) throw conflict(`${executor.name} is revoked already.`);
  return c.html(<RevokeExecutorPage user={c.get("user")} executor={executor} />);
}

export async function revokeFromPage(c: PageContext) {
  assertMayChange(c);
  if ((await formFields(c)).confirm !== "yes") throw invalid("Confirm the revoke with its button.");
  const hub = executorHub(c.env);
  const state = await revokeAndDisconnect(c.get("db"), hub, c.get("principal"), c.req.param("id") ?? "");
  const notice = `${state.name} is revoked: its token no longer works.`;
  return c.redirect(`/admin/executors?notice=${encodeURIComponent(notice)}`, 303);
}
