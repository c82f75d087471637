/**
 * A web chat's messages, kept in its chat agent's SQLite: what the browser shows, both sides of
 * the conversation. Each change (a message sent, edited or deleted) takes the next `version`, so a
 * reader that saw everything up to a version asks for what changed after it. A deleted message
 * keeps its row with its text wiped. The newest `KEPT` messages are kept.
 */
import type { ChatMessage } from "@codegen-orchestrator/shared";
import type { Keyboard } from "../channel.ts";

export type Sender = ChatMessage["from"];

/** A message as it is after a change, and the change's version. */
export interface Change {
  message: ChatMessage;
  version: number;
}

interface Row extends Record<string, SqlStorageValue> {
  id: number;
  sender: string;
  html: string;
  keyboard: string;
  sent_at: number;
  edited_at: number | null;
  deleted: number;
  version: number;
}

const KEPT = 500;
const PAGE = 200;

const messageOf = (row: Row): ChatMessage => ({
  id: row.id,
  from: row.sender === "you" ? "you" : "assistant",
  html: row.html,
  buttons: JSON.parse(row.keyboard) as Keyboard,
  sentAt: new Date(row.sent_at).toISOString(),
  editedAt: row.edited_at === null ? null : new Date(row.edited_at).toISOString(),
  deleted: row.deleted === 1,
});

export class WebChatLog {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS web_messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      sender TEXT NOT NULL,
      html TEXT NOT NULL,
      keyboard TEXT NOT NULL,
      sent_at INTEGER NOT NULL,
      edited_at INTEGER,
      deleted INTEGER NOT NULL DEFAULT 0,
      version INTEGER NOT NULL
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS web_messages_version ON web_messages (version)");
  }

  /** The message sent, and its change's version. */
  append(sender: Sender, html: string, keyboard: Keyboard = []): Change {
    const row = this.#sql
      .exec<Row>(
        "INSERT INTO web_messages (sender, html, keyboard, sent_at, version) VALUES (?, ?, ?, ?, ?) RETURNING *",
        sender,
        html,
        JSON.stringify(keyboard),
        Date.now(),
        this.version() + 1,
      )
      .one();
    if (row.id % 50 === 0) this.#sql.exec("DELETE FROM web_messages WHERE id <= ?", row.id - KEPT);
    return { message: messageOf(row), version: row.version };
  }

  /** The edited message, or null when there is no such message (or it was deleted). */
  edit(id: number, html: string, keyboard: Keyboard = []): Change | null {
    return this.#change(
      "UPDATE web_messages SET html = ?, keyboard = ?, edited_at = ?, version = ? WHERE id = ? AND deleted = 0 RETURNING *",
      html,
      JSON.stringify(keyboard),
      Date.now(),
      this.version() + 1,
      id,
    );
  }

  /** The deleted message (its text wiped), or null when there was none to delete. */
  delete(id: number): Change | null {
    return this.#change(
      "UPDATE web_messages SET html = '', keyboard = '[]', deleted = 1, version = ? WHERE id = ? AND deleted = 0 RETURNING *",
      this.version() + 1,
      id,
    );
  }

  /**
   * Messages changed after `version`, in the order they changed (at most a page), and the version
   * to ask after next.
   */
  changedAfter(version: number): { items: ChatMessage[]; cursor: number } {
    const rows = this.#sql
      .exec<Row>("SELECT * FROM web_messages WHERE version > ? ORDER BY version LIMIT ?", version, PAGE)
      .toArray();
    return { items: rows.map(messageOf), cursor: rows.at(-1)?.version ?? Math.min(version, this.version()) };
  }

  /** The newest change's version (0: none yet). */
  version(): number {
    return this.#sql.exec<{ v: number }>("SELECT coalesce(max(version), 0) AS v FROM web_messages").one().v;
  }

  /** Whether the message shows a button that sends `data` (a press must be of a real button). */
  hasButton(id: number, data: string): boolean {
    const row = this.#sql
      .exec<Row>("SELECT * FROM web_messages WHERE id = ? AND deleted = 0", id)
      .toArray()[0];
    return row !== undefined && messageOf(row).buttons.some((line) => line.some((b) => b.data === data));
  }

  #change(query: string, ...bindings: SqlStorageValue[]): Change | null {
    const row = this.#sql.exec<Row>(query, ...bindings).toArray()[0];
    return row ? { message: messageOf(row), version: row.version } : null;
  }
}
