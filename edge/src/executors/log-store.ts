/**
 * Job logs in the hub's SQLite: every chunk lands here first (once per attempt + seq), is
 * archived to R2 in segments, and then only a bounded tail stays for quick reads and live
 * streams. A job's total log is capped so one chatty job cannot fill storage.
 */
import type { JobRow } from "./job-store.ts";

export interface LogRow {
  attempt: number;
  seq: number;
  stream: string;
  chunk: string;
}

/** Per job, all attempts: output beyond this is dropped, with a marker. */
export const MAX_LOG_BYTES = 32 * 1024 * 1024;
/** Per job: archived chunks kept in SQLite for tails and live readers. */
export const TAIL_BYTES = 64 * 1024;
/** Unarchived output that triggers writing a segment to R2. */
export const SEGMENT_BYTES = 256 * 1024;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS job_logs (
  job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  stream TEXT NOT NULL,
  chunk TEXT NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, attempt, seq)
);
CREATE INDEX IF NOT EXISTS job_logs_unarchived ON job_logs (archived, job_id);
`;

type Row = LogRow & Record<string, SqlStorageValue>;

export class LogStore {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(SCHEMA);
  }

  /** Stores a chunk once per (attempt, seq); false when it was a duplicate or over the cap. */
  append(job: JobRow, attempt: number, seq: number, stream: string, chunk: string): boolean {
    if (job.log_bytes >= MAX_LOG_BYTES) return false;
    const room = MAX_LOG_BYTES - job.log_bytes;
    const stored =
      chunk.length > room ? `${chunk.slice(0, room)}\n[log truncated at ${MAX_LOG_BYTES} bytes]\n` : chunk;
    const cursor = this.sql.exec(
      "INSERT OR IGNORE INTO job_logs (job_id, attempt, seq, stream, chunk) VALUES (?, ?, ?, ?, ?)",
      job.id,
      attempt,
      seq,
      stream,
      stored,
    );
    if (cursor.rowsWritten === 0) return false;
    this.sql.exec(
      "UPDATE jobs SET log_bytes = log_bytes + ?, log_unarchived = log_unarchived + ? WHERE id = ?",
      stored.length,
      stored.length,
      job.id,
    );
    job.log_bytes += stored.length;
    job.log_unarchived += stored.length;
    return true;
  }

  /** Chunks after a position, oldest first (what is still here: the tail and the unarchived). */
  after(jobId: string, afterAttempt = 0, afterSeq = -1, limit = 1000): LogRow[] {
    return this.sql
      .exec<Row>(
        `SELECT attempt, seq, stream, chunk FROM job_logs WHERE job_id = ? AND (attempt > ? OR (attempt = ? AND seq > ?))
         ORDER BY attempt, seq LIMIT ?`,
        jobId,
        afterAttempt,
        afterAttempt,
        afterSeq,
        limit,
      )
      .toArray();
  }

  unarchived(jobId: string): LogRow[] {
    return this.sql
      .exec<Row>(
        "SELECT attempt, seq, stream, chunk FROM job_logs WHERE job_id = ? AND archived = 0 ORDER BY attempt, seq",
        jobId,
      )
      .toArray();
  }

  jobsWithUnarchived(): string[] {
    return this.sql
      .exec<{ job_id: string }>("SELECT DISTINCT job_id FROM job_logs WHERE archived = 0")
      .toArray()
      .map((row) => row.job_id);
  }

  /** Marks the written rows archived, then drops archived rows beyond the tail budget. */
  archived(jobId: string, rows: readonly LogRow[]): void {
    const bytes = rows.reduce((sum, row) => sum + row.chunk.length, 0);
    this.sql.exec("UPDATE jobs SET log_unarchived = max(0, log_unarchived - ?) WHERE id = ?", bytes, jobId);
    for (const row of rows) {
      this.sql.exec(
        "UPDATE job_logs SET archived = 1 WHERE job_id = ? AND attempt = ? AND seq = ?",
        jobId,
        row.attempt,
        row.seq,
      );
    }
    const kept = this.sql
      .exec<{ attempt: number; seq: number; size: number }>(
        "SELECT attempt, seq, length(chunk) AS size FROM job_logs WHERE job_id = ? AND archived = 1 ORDER BY attempt DESC, seq DESC",
        jobId,
      )
      .toArray();
    let total = 0;
    const firstDropped = kept.find((row) => {
      total += row.size;
      return total > TAIL_BYTES;
    });
    if (firstDropped) {
      this.sql.exec(
        `DELETE FROM job_logs WHERE job_id = ? AND archived = 1 AND (attempt < ? OR (attempt = ? AND seq <= ?))`,
        jobId,
        firstDropped.attempt,
        firstDropped.attempt,
        firstDropped.seq,
      );
    }
  }
}
