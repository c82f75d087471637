/**
 * The servers page and its register form: the form's texts become what `POST /api/v1/servers`
 * takes, checked by the same schema (`CreateServer`) and created by the same domain operation
 * (audited as the API's); what is wrong is said beside the form, which keeps what was typed.
 */
import { CreateServer } from "@codegen-orchestrator/shared";
import type { Context } from "hono";
import { ApiError } from "../domain/errors.ts";
import { serverOverviews } from "../domain/server-overviews.ts";
import { createServer } from "../domain/servers.ts";
import { checkServerNow } from "../servers/check-server.ts";
import { assertMayChange } from "./changes.ts";
import { formFields, whatIsWrong } from "./forms.ts";
import type { PageEnv } from "./page-env.ts";
import {
  EMPTY_SERVER_DRAFT,
  SERVER_FIELD_LABELS,
  SERVER_TEXT_FIELDS,
  type ServerDraft,
  ServersPage,
} from "./servers-page.tsx";

type PageContext = Context<PageEnv>;

const NUMBER_FIELDS = new Set([
  "sshPort",
  "memoryMb",
  "cpuCores",
  "portRangeStart",
  "portRangeEnd",
  "httpsPort",
]);

async function serversPage(c: PageContext, status: 200 | 400 | 409, draft: ServerDraft, error?: string) {
  const overviews = await serverOverviews(c.get("db"), c.get("principal"));
  const notice = c.req.query("notice")?.slice(0, 200);
  return c.html(
    <ServersPage user={c.get("user")} overviews={overviews} notice={notice} error={error} draft={draft} />,
    status,
  );
}

export const showServers = (c: PageContext) => serversPage(c, 200, EMPTY_SERVER_DRAFT);

/** `a=1, b=2` as labels; null when an entry is not `key=value`. */
function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  for (const entry of text.split(/[,\n]/).map((part) => part.trim())) {
    if (entry === "") continue;
    const at = entry.indexOf("=");
    if (at <= 0) return null;
    labels[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
  }
  return labels;
}

/** The draft as `CreateServer`'s input: a field left empty takes the API's default. */
function serverInput(draft: ServerDraft, labels: Record<string, string>): Record<string, unknown> {
  const input: Record<string, unknown> = { labels, trustFirstHostKey: draft.trustFirstHostKey };
  for (const field of SERVER_TEXT_FIELDS) {
    const text = draft[field];
    if (field === "labels" || text === "") continue;
    input[field] = NUMBER_FIELDS.has(field) ? Number(text) : text;
  }
  return input;
}

export async function registerServerFromPage(c: PageContext) {
  assertMayChange(c);
  const fields = await formFields(c);
  const draft = { ...EMPTY_SERVER_DRAFT, trustFirstHostKey: fields.trustFirstHostKey === "yes" };
  for (const field of SERVER_TEXT_FIELDS) {
    const value = fields[field];
    draft[field] = typeof value === "string" ? value.trim() : "";
  }
  const labels = parseLabels(draft.labels);
  if (!labels) return serversPage(c, 400, draft, "Labels: write each as key=value, separated by commas.");
  const input = CreateServer.safeParse(serverInput(draft, labels));
  if (!input.success) return serversPage(c, 400, draft, whatIsWrong(input.error, SERVER_FIELD_LABELS));
  try {
    const server = await createServer(c.get("db"), c.get("principal"), input.data);
    return c.redirect(`/admin/servers?notice=${encodeURIComponent(`${server.name} is registered.`)}`, 303);
  } catch (err) {
    // A name already taken: said beside the form, which keeps what was typed.
    if (err instanceof ApiError && err.status === 409) return serversPage(c, 409, draft, err.message);
    throw err;
  }
}

/** "Check now": the server checked as the API's POST /servers/{id}/check does, its verdict said on the page. */
export async function checkServerFromPage(c: PageContext) {
  assertMayChange(c);
  const { server, check } = await checkServerNow(
    c.env,
    c.get("db"),
    c.get("principal"),
    c.req.param("id") ?? "",
  );
  const why = check.reasons.length > 0 ? `: ${check.reasons.join("; ")}` : ".";
  const notice = `${server.name} is ${server.status}${why}`.slice(0, 200);
  return c.redirect(`/admin/servers?notice=${encodeURIComponent(notice)}`, 303);
}
