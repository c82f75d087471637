/**
 * Keyset pages by ULID, stable under inserts and cheap on D1: the rows after `after`, in id order,
 * at most `limit`. The API asks for one row more than it shows, to tell that another page exists.
 *
 *   db.select().from(users).where(afterId(users.id, page)).orderBy(asc(users.id)).limit(page.limit)
 */
import { gt, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

export interface Keyset {
  /** Rows after this id, in id order. */
  after?: string | undefined;
  limit: number;
}

export const afterId = (id: SQLiteColumn, page: Keyset): SQL | undefined =>
  page.after ? gt(id, page.after) : undefined;
