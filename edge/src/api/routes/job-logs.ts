/**
 * A job's log: `GET /jobs/{id}/log` returns all of it (R2 segments plus what the hub has not
 * archived yet); `GET /jobs/{id}/log/stream` follows it live as server-sent events. The stream is
 * pulled: the next chunks are fetched only once the reader has taken the previous ones, so a
 * slow reader holds at most one batch in memory.
 */

import { createRoute } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { notFound } from "../../domain/errors.ts";
import { jobLogVisible } from "../../domain/run-steps.ts";
import { executorHub } from "../../executors/hub.ts";
import { mergeLogs, readArchived } from "../../executors/log-archive.ts";
import type { LogRow } from "../../executors/log-store.ts";
import type { AppContext } from "../../http/context.ts";
import { commonErrors, IdParam, router, security } from "../openapi.ts";

const PAGE = 2000;
const POLL_MS = 250;
const FINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "lost"]);

/** The job exists and the caller may read its log (admins: any; members: their runs' agent and test jobs); else 404. */
async function assertJob(c: AppContext, id: string): Promise<void> {
  const kind = await executorHub(c.env).kind(id);
  if (kind === null || !(await jobLogVisible(c.get("db"), c.get("principal"), { id, kind })))
    throw notFound("job");
}

/** Everything the hub still holds for the job, page by page. */
async function recentLog(c: AppContext, id: string): Promise<LogRow[]> {
  const rows: LogRow[] = [];
  let position = { attempt: 0, seq: -1 };
  for (;;) {
    const page = await executorHub(c.env).logAfter(id, position.attempt, position.seq, PAGE);
    rows.push(...page);
    const last = page.at(-1);
    if (!last || page.length < PAGE) return rows;
    position = last;
  }
}

/** Plain text, with a marker line where a new attempt starts. */
function asText(rows: readonly LogRow[]): string {
  let text = "";
  let attempt = 1;
  for (const row of rows) {
    if (row.attempt !== attempt) {
      attempt = row.attempt;
      text += `\n── attempt ${attempt} ──\n`;
    }
    text += row.chunk;
  }
  return text;
}

const tags = ["jobs"];

export const jobLogsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/jobs/{id}/log",
      operationId: "read_job_log",
      tags,
      security,
      summary:
        "A job's whole log as text, all attempts (admins: any job; members: their runs' agent and test jobs)",
      request: { params: IdParam },
      responses: {
        200: { description: "The log", content: { "text/plain": { schema: z.string() } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await assertJob(c, id);
      const rows = mergeLogs(await readArchived(c.env.LOGS, id), await recentLog(c, id));
      return c.text(asText(rows), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/jobs/{id}/log/stream",
      operationId: "follow_job_log",
      tags,
      security,
      summary:
        "Follow a job's log live (server-sent events: `log`, `gap`, `end`); admins any job, members their runs' agent and test jobs",
      description:
        "Each `log` event's data is a chunk `{attempt, seq, stream, chunk}` and its id is `attempt:seq`. " +
        "A reader that falls behind the hub's tail gets a `gap` event; the whole log stays at `/jobs/{id}/log`.",
      request: {
        params: IdParam,
        query: z.strictObject({
          afterAttempt: z.coerce.number().int().min(0).default(0),
          afterSeq: z.coerce.number().int().min(-1).default(-1),
        }),
      },
      responses: {
        200: { description: "An event stream", content: { "text/event-stream": { schema: z.string() } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await assertJob(c, id);
      const query = c.req.valid("query");
      let position = { attempt: query.afterAttempt, seq: query.afterSeq };
      return streamSSE(c, async (stream) => {
        while (!stream.aborted && !stream.closed) {
          const record = await executorHub(c.env).getJob(id, position);
          if (!record) return;
          for (const row of record.log) {
            const contiguous =
              row.attempt !== position.attempt ? row.seq === 0 : row.seq === position.seq + 1;
            if (!contiguous && position.seq >= 0) {
              await stream.writeSSE({ event: "gap", data: JSON.stringify({ from: position, to: row }) });
            }
            // Resolves once the reader has room: backpressure instead of buffering.
            await stream.writeSSE({
              event: "log",
              id: `${row.attempt}:${row.seq}`,
              data: JSON.stringify(row),
            });
            position = { attempt: row.attempt, seq: row.seq };
          }
          if (record.log.length === 0) {
            if (FINAL.has(record.job.status)) {
              await stream.writeSSE({ event: "end", data: JSON.stringify({ status: record.job.status }) });
              return;
            }
            await stream.sleep(POLL_MS);
          }
        }
      });
    },
  );
