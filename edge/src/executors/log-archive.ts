/**
 * The full log of a job in R2: one NDJSON object per archived segment, named so that listing the
 * job's prefix returns them in order.
 *
 *   jobs/<job id>/<attempt, 3 digits>-<first seq, 10 digits>.ndjson
 */
import type { LogRow } from "./log-store.ts";

const prefix = (jobId: string) => `jobs/${jobId}/`;
const pad = (n: number, width: number) => String(n).padStart(width, "0");

export async function writeSegment(bucket: R2Bucket, jobId: string, rows: readonly LogRow[]): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const key = `${prefix(jobId)}${pad(first.attempt, 3)}-${pad(first.seq, 10)}.ndjson`;
  const body = rows.map((row) => JSON.stringify(row)).join("\n");
  await bucket.put(key, body, { httpMetadata: { contentType: "application/x-ndjson" } });
}

/** Every archived chunk of the job, oldest first. */
export async function readArchived(bucket: R2Bucket, jobId: string): Promise<LogRow[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: prefix(jobId), cursor });
    keys.push(...page.objects.map((object) => object.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  const rows: LogRow[] = [];
  for (const key of keys.sort()) {
    const object = await bucket.get(key);
    if (!object) continue;
    for (const line of (await object.text()).split("\n")) if (line) rows.push(JSON.parse(line) as LogRow);
  }
  return rows;
}

/** Archived and not-yet-archived chunks as one ordered log, each (attempt, seq) once. */
export function mergeLogs(archived: readonly LogRow[], recent: readonly LogRow[]): LogRow[] {
  const byPosition = new Map<string, LogRow>();
  for (const row of [...archived, ...recent]) byPosition.set(`${row.attempt}:${row.seq}`, row);
  return [...byPosition.values()].sort((a, b) => a.attempt - b.attempt || a.seq - b.seq);
}
