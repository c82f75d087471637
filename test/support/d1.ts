/**
 * Reads the local storage of a `wrangler dev` state directory (read-only), for assertions: its D1
 * database, or the SQLite storage of a Durable Object class's objects.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

/**
 * Every file under `dir`. A directory that goes away during the walk (an executor removing a
 * finished job's workdir under the same tree) is skipped, not an error: Node's recursive readdir
 * fails the whole walk on it.
 */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") return [];
    throw error;
  });
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

function query<Row>(file: string, sql: string, params: (string | number)[]): Row[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare(sql).all(...params) as Row[];
  } finally {
    db.close();
  }
}

/** The rows of one query against the D1 database under `dir`. */
export async function queryD1<Row>(dir: string, sql: string, ...params: (string | number)[]): Promise<Row[]> {
  const file = (await filesUnder(dir)).find(
    (name) => name.includes("D1DatabaseObject") && name.endsWith(".sqlite"),
  );
  if (!file) throw new Error(`no local D1 database under ${dir}`);
  return query<Row>(file, sql, params);
}

/** The rows of one query against every object of the Durable Object class `className` under `dir`. */
export async function queryObjects<Row>(
  dir: string,
  className: string,
  sql: string,
  ...params: (string | number)[]
): Promise<Row[]> {
  const files = (await filesUnder(dir)).filter(
    (name) =>
      name.includes(`-${className}${path.sep}`) &&
      name.endsWith(".sqlite") &&
      !name.endsWith("metadata.sqlite"),
  );
  if (files.length === 0) throw new Error(`no ${className} storage under ${dir}`);
  return files.flatMap((file) => query<Row>(file, sql, params));
}
