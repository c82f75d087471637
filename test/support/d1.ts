/** Reads the local D1 database of a `wrangler dev` state directory (read-only), for assertions. */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** The rows of one query against the D1 database under `dir`. */
export async function queryD1<Row>(dir: string, sql: string, ...params: (string | number)[]): Promise<Row[]> {
  const file = (await filesUnder(dir)).find(
    (name) => name.includes("D1DatabaseObject") && name.endsWith(".sqlite"),
  );
  if (!file) throw new Error(`no local D1 database under ${dir}`);
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare(sql).all(...params) as Row[];
  } finally {
    db.close();
  }
}
