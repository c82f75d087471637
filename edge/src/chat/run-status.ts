/**
 * One status message per run, edited in place as the run advances. Edits are throttled: within
 * the interval the newest text waits and goes out in one edit when the interval is over (the
 * caller schedules `flush`). A Telegram 429 is waited out by the channel (`retry_after`).
 */
import type { ChatChannel } from "./channel.ts";

interface Row extends Record<string, SqlStorageValue> {
  run_id: string;
  message_id: number;
  shown: string;
  latest: string;
  edited_at: number;
}

export type StatusUpdate = { sent: "now" } | { sent: "later"; inMs: number } | { sent: "unchanged" };

export class RunStatusMessages {
  readonly #sql: SqlStorage;
  readonly #intervalMs: number;
  /** Per run, the update in progress: updates of one run run one after another (no twin messages). */
  readonly #busy = new Map<string, Promise<unknown>>();

  constructor(sql: SqlStorage, intervalMs: number) {
    this.#sql = sql;
    this.#intervalMs = intervalMs;
    sql.exec(`CREATE TABLE IF NOT EXISTS run_status (
      run_id TEXT PRIMARY KEY,
      message_id INTEGER NOT NULL,
      shown TEXT NOT NULL,
      latest TEXT NOT NULL,
      edited_at INTEGER NOT NULL
    )`);
  }

  /** Shows `html` as the run's status: a new message the first time, else an edit (now or later). */
  update(channel: ChatChannel, chatId: number, runId: string, html: string): Promise<StatusUpdate> {
    return this.#serial(runId, () => this.#update(channel, chatId, runId, html));
  }

  /**
   * Shows a running job's progress under the stage: an edit now, or none at all when the last
   * stage edit was within the interval (the next look shows the newer figure). It leaves the
   * throttle's clock alone, so a stage's report is never held back behind a progress line.
   */
  showProgress(channel: ChatChannel, chatId: number, runId: string, html: string): Promise<void> {
    return this.#serial(runId, async () => {
      const row = this.#row(runId);
      if (!row || row.shown === html || row.latest !== row.shown) return;
      if (Date.now() - row.edited_at < this.#intervalMs) return;
      await channel.edit(chatId, row.message_id, html);
      this.#sql.exec("UPDATE run_status SET shown = ?, latest = ? WHERE run_id = ?", html, html, runId);
    });
  }

  #serial<T>(runId: string, work: () => Promise<T>): Promise<T> {
    const next = (this.#busy.get(runId) ?? Promise.resolve()).catch(() => {}).then(work);
    this.#busy.set(runId, next);
    void next
      .finally(() => {
        if (this.#busy.get(runId) === next) this.#busy.delete(runId);
      })
      .catch(() => {});
    return next;
  }

  async #update(channel: ChatChannel, chatId: number, runId: string, html: string): Promise<StatusUpdate> {
    const row = this.#row(runId);
    const now = Date.now();
    if (!row) {
      const messageId = await channel.send(chatId, html);
      this.#sql.exec(
        "INSERT OR REPLACE INTO run_status (run_id, message_id, shown, latest, edited_at) VALUES (?, ?, ?, ?, ?)",
        runId,
        messageId,
        html,
        html,
        now,
      );
      return { sent: "now" };
    }
    if (row.shown === html) {
      this.#sql.exec("UPDATE run_status SET latest = ? WHERE run_id = ?", html, runId);
      return { sent: "unchanged" };
    }
    const wait = row.edited_at + this.#intervalMs - now;
    if (wait > 0) {
      this.#sql.exec("UPDATE run_status SET latest = ? WHERE run_id = ?", html, runId);
      return { sent: "later", inMs: wait };
    }
    await this.#edit(channel, chatId, row, html);
    return { sent: "now" };
  }

  /** Sends the newest waiting text, if any. */
  flush(channel: ChatChannel, chatId: number, runId: string): Promise<void> {
    return this.#serial(runId, async () => {
      const row = this.#row(runId);
      if (row && row.latest !== row.shown) await this.#edit(channel, chatId, row, row.latest);
    });
  }

  async #edit(channel: ChatChannel, chatId: number, row: Row, html: string): Promise<void> {
    await channel.edit(chatId, row.message_id, html);
    this.#sql.exec(
      "UPDATE run_status SET shown = ?, latest = ?, edited_at = ? WHERE run_id = ?",
      html,
      html,
      Date.now(),
      row.run_id,
    );
  }

  #row(runId: string): Row | undefined {
    return this.#sql.exec<Row>("SELECT * FROM run_status WHERE run_id = ?", runId).toArray()[0];
  }
}
