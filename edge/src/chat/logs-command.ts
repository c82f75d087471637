/**
 * `/logs <project> [lines]`: the last lines of the project's service output on its server (the
 * same job as `GET /projects/{id}/logs`), secrets masked, in a <pre> block cut to fit a message.
 */
import { LogsQuery, type ProjectLogs } from "@codegen-orchestrator/shared";
import { ApiError } from "../domain/errors.ts";
import { findOwnProjectBySlug } from "../domain/projects.ts";
import { readProjectLogs } from "../pipelines/devops/logs.ts";
import { code, escapeHtml } from "../telegram/format.ts";
import type { ChatContext } from "./context.ts";

/** Lines asked for when the command names none. */
const DEFAULT_LINES = 30;
/** Room for the lines in one message (Telegram's limit is 4096 characters, the header aside). */
const PRE_CHARS = 3500;

const USAGE = "Usage: /logs &lt;project&gt; [lines], e.g. /logs shop 50 (at most 1000 lines)";

/** The newest lines whose escaped text fits PRE_CHARS, and whether older ones were left out. */
export function fitLines(lines: readonly string[]): { text: string; cut: boolean } {
  const kept: string[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const escaped = escapeHtml(lines[i] ?? "");
    if (size + escaped.length + 1 > PRE_CHARS) break;
    kept.unshift(escaped);
    size += escaped.length + 1;
  }
  return { text: kept.join("\n"), cut: kept.length < lines.length };
}

/** The message for the logs read: the lines, or why there are none. */
export function logsMessage(slug: string, logs: ProjectLogs): string {
  const where = `${code(slug)} on ${code(logs.server)}`;
  if (logs.manager === null)
    return `📜 ${where}: nothing of the project is deployed on that server now. Deploy it again from /projects.`;
  if (logs.lines.length === 0) return `📜 ${where} (${logs.manager}): no output in that time.`;
  const { text, cut } = fitLines(logs.lines);
  const note =
    cut || logs.truncated ? "\n(older lines cut: the API's GET /projects/{id}/logs gives up to 1000)" : "";
  return `📜 ${where} (${logs.manager}), the last ${text.split("\n").length} lines:\n<pre>${text}</pre>${note}`;
}

export async function logsCommand(ctx: ChatContext, args: string): Promise<void> {
  const [slug, count, ...rest] = args.trim().split(/\s+/).filter(Boolean);
  const query = LogsQuery.safeParse({ lines: count ?? DEFAULT_LINES });
  const say = (html: string) => ctx.channel.send(ctx.chatId, html).then(() => undefined);
  if (!slug || rest.length > 0 || !query.success) return say(USAGE);
  const project = await findOwnProjectBySlug(ctx.db, ctx.actor, slug.toLowerCase());
  if (!project) return say(`You have no project ${code(slug)}. /projects lists them.`);
  try {
    await say(`⏳ Reading the logs of ${code(project.slug)} on its server…`);
    await say(logsMessage(project.slug, await readProjectLogs(ctx.env, ctx.db, project, query.data)));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 409)
      return say(
        `${code(project.slug)} is not deployed yet, so it has no logs: deploy it from /projects first.`,
      );
    await say(`⚠️ ${escapeHtml(error.message)}`);
  }
}
