/**
 * The PO conversation as the Messages API sees it, kept in the chat's Durable Object SQLite.
 * When it grows past a size, the older part is replaced by a summary (see `compact`), cut only
 * where a user's own words begin, so no tool call is ever separated from its result.
 */
import type Anthropic from "@anthropic-ai/sdk";

type MessageParam = Anthropic.MessageParam;

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  role: string;
  content: string;
  chars: number;
}

export class History {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS po_history (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      role TEXT NOT NULL,
      content TEXT NOT NULL,
      chars INTEGER NOT NULL
    )`);
  }

  append(message: MessageParam): void {
    const content = JSON.stringify(message.content);
    this.#sql.exec(
      "INSERT INTO po_history (role, content, chars) VALUES (?, ?, ?)",
      message.role,
      content,
      content.length,
    );
  }

  messages(): MessageParam[] {
    return this.#rows().map(toMessage);
  }

  size(): number {
    const [row] = this.#sql
      .exec<{ total: number | null }>("SELECT SUM(chars) AS total FROM po_history")
      .toArray();
    return row?.total ?? 0;
  }

  clear(): void {
    this.#sql.exec("DELETE FROM po_history");
  }

  /**
   * Where to cut so that the kept tail is at most `keepChars` and starts with the user's own
   * words: the seq of that first kept message, or null when there is no such place.
   */
  cutPoint(keepChars: number): number | null {
    const rows = this.#rows();
    let kept = 0;
    let cut: number | null = null;
    for (let i = rows.length - 1; i > 0; i--) {
      const row = rows[i] as Row;
      kept += row.chars;
      if (kept > keepChars) break;
      if (row.role === "user" && isUserWords(row.content)) cut = row.seq;
    }
    return cut;
  }

  /** The messages before `seq`. */
  before(seq: number): MessageParam[] {
    return this.#rows()
      .filter((row) => row.seq < seq)
      .map(toMessage);
  }

  /** Replaces everything before `seq` by one user message holding the summary. */
  replaceBefore(seq: number, summary: string): void {
    this.#sql.exec("DELETE FROM po_history WHERE seq < ?", seq);
    const content = JSON.stringify(`(Summary of the earlier conversation)\n${summary}`);
    // Seq 0 sorts before every kept row; AUTOINCREMENT never hands it out.
    this.#sql.exec(
      "INSERT OR REPLACE INTO po_history (seq, role, content, chars) VALUES (0, 'user', ?, ?)",
      content,
      content.length,
    );
  }

  #rows(): Row[] {
    return this.#sql.exec<Row>("SELECT seq, role, content, chars FROM po_history ORDER BY seq").toArray();
  }
}

const toMessage = (row: Row): MessageParam =>
  ({ role: row.role, content: JSON.parse(row.content) }) as MessageParam;

/** A user message that is the user's words (a string, or blocks without tool results). */
function isUserWords(content: string): boolean {
  const parsed = JSON.parse(content) as MessageParam["content"];
  return typeof parsed === "string" || parsed.every((block) => block.type !== "tool_result");
}
