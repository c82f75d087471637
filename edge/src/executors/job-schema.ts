/** The hub's jobs table in its SQLite storage, created or brought up to date in place. */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  spec TEXT NOT NULL,
  labels TEXT NOT NULL,
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  executor_id TEXT,
  lease_expires_at INTEGER,
  timeout_ms INTEGER NOT NULL,
  deadline_at INTEGER,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  progress TEXT,
  cost_usd REAL,
  result TEXT,
  error TEXT,
  log_bytes INTEGER NOT NULL DEFAULT 0,
  log_unarchived INTEGER NOT NULL DEFAULT 0,
  secret_refs TEXT NOT NULL DEFAULT '{}',
  needs TEXT NOT NULL DEFAULT '[]',
  notify TEXT,
  prefer_executor TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created_at);
`;

/** Columns added after the table was first shipped, with their definitions. */
const ADDED_COLUMNS: readonly [string, string][] = [
  ["log_unarchived", "INTEGER NOT NULL DEFAULT 0"],
  ["secret_refs", "TEXT NOT NULL DEFAULT '{}'"],
  ["needs", "TEXT NOT NULL DEFAULT '[]'"],
  ["notify", "TEXT"],
  ["prefer_executor", "TEXT"],
  ["cost_usd", "REAL"],
];

/** Creates the table; storage made before a column existed (local dev state) gains it in place. */
export function createJobTables(sql: SqlStorage): void {
  sql.exec(SCHEMA);
  const columns = new Set(
    sql
      .exec<{ name: string }>("PRAGMA table_info(jobs)")
      .toArray()
      .map((c) => c.name),
  );
  for (const [name, definition] of ADDED_COLUMNS)
    if (!columns.has(name)) sql.exec(`ALTER TABLE jobs ADD COLUMN ${name} ${definition}`);
}
