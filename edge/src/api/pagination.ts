/**
 * Pages of API listings: the domain reads keyset pages by ULID (`domain/keyset.ts`) one row longer
 * than the page, and `toPage` turns them into `{ items, nextCursor }`.
 */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

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
