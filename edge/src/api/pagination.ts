/** Keyset pagination by ULID: stable under inserts, cheap on D1. */
import { gt, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export const afterCursor = (idColumn: SQLiteColumn, page: PageRequest): SQL | undefined =>
  page.cursor ? gt(idColumn, page.cursor) : undefined;

/** Rows were fetched with `limit + 1`; the extra row only tells that another page exists. */
export function toPage<Row extends { id: string }, Item>(
  rows: Row[],
  page: PageRequest,
  toItem: (row: Row) => Item,
): { items: Item[]; nextCursor: string | null } {
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items: items.map(toItem), nextCursor: rows.length > page.limit && last ? last.id : null };
}
