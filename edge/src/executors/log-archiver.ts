/**
 * Moves a job's log from the hub's SQLite to R2, a segment at a time: everything (when the job
 * ended, or on the alarm), or only while a full segment is waiting. One writer per job; a request
 * arriving meanwhile is folded into the running one. Failures are left for the alarm to retry.
 */
import { writeSegment } from "./log-archive.ts";
import { type LogStore, SEGMENT_BYTES } from "./log-store.ts";

export class LogArchiver {
  readonly #logs: LogStore;
  readonly #bucket: R2Bucket;
  readonly #running = new Map<string, { everything: boolean }>();

  constructor(logs: LogStore, bucket: R2Bucket) {
    this.#logs = logs;
    this.#bucket = bucket;
  }

  async archive(jobId: string, everything: boolean): Promise<void> {
    const running = this.#running.get(jobId);
    if (running) {
      running.everything ||= everything;
      return;
    }
    const request = { everything };
    this.#running.set(jobId, request);
    try {
      for (;;) {
        const rows = this.#logs.unarchived(jobId);
        const bytes = rows.reduce((sum, row) => sum + row.chunk.length, 0);
        if (rows.length === 0 || (!request.everything && bytes < SEGMENT_BYTES)) break;
        await writeSegment(this.#bucket, jobId, rows);
        this.#logs.archived(jobId, rows);
      }
    } catch (err) {
      console.error(JSON.stringify({ event: "log_archive_failed", jobId, error: (err as Error).message }));
    } finally {
      this.#running.delete(jobId);
    }
  }
}
