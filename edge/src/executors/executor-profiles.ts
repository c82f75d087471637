/**
 * What each executor said in its hello (capabilities, labels, capacity), whether it is drained and
 * when it was last seen: kept in the hub's SQLite, not in the socket, to survive hibernation.
 */

export interface ExecutorProfile {
  executorId: string;
  capabilities: string[];
  labels: Record<string, string>;
  capacity: number;
  draining: boolean;
  lastSeenAt: number;
}

interface ProfileRow extends Record<string, SqlStorageValue> {
  executor_id: string;
  capabilities: string;
  labels: string;
  capacity: number;
  draining: number;
  last_seen_at: number;
}

export class ExecutorProfiles {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS executor_profiles (
      executor_id TEXT PRIMARY KEY,
      capabilities TEXT NOT NULL,
      labels TEXT NOT NULL,
      capacity INTEGER NOT NULL,
      draining INTEGER NOT NULL DEFAULT 0,
      last_seen_at INTEGER NOT NULL
    )`);
  }

  /** An executor's hello; whether it is drained stays as it was (sticky across reconnects). */
  save(
    executorId: string,
    profile: Omit<ExecutorProfile, "executorId" | "lastSeenAt" | "draining">,
    now: number,
  ): void {
    this.#sql.exec(
      `INSERT INTO executor_profiles (executor_id, capabilities, labels, capacity, draining, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (executor_id) DO UPDATE SET capabilities = excluded.capabilities, labels = excluded.labels,
         capacity = excluded.capacity, last_seen_at = excluded.last_seen_at`,
      executorId,
      JSON.stringify(profile.capabilities),
      JSON.stringify(profile.labels),
      profile.capacity,
      0,
      now,
    );
  }

  seen(executorId: string, now: number): void {
    this.#sql.exec("UPDATE executor_profiles SET last_seen_at = ? WHERE executor_id = ?", now, executorId);
  }

  /** Sticky across reconnects: a drained executor gets no work until it is resumed. */
  setDraining(executorId: string, draining: boolean): void {
    this.#sql.exec(
      "UPDATE executor_profiles SET draining = ? WHERE executor_id = ?",
      draining ? 1 : 0,
      executorId,
    );
  }

  all(): Map<string, ExecutorProfile> {
    const rows = this.#sql.exec<ProfileRow>("SELECT * FROM executor_profiles").toArray();
    return new Map(
      rows.map((row) => [
        row.executor_id,
        {
          executorId: row.executor_id,
          capabilities: JSON.parse(row.capabilities) as string[],
          labels: JSON.parse(row.labels) as Record<string, string>,
          capacity: row.capacity,
          draining: row.draining === 1,
          lastSeenAt: row.last_seen_at,
        },
      ]),
    );
  }
}
