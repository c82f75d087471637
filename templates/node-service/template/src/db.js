// The database module: SQLite through Node's built-in node:sqlite, no dependencies.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";

export function openDatabase(path) {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  return {
    listItems: () => db.prepare("SELECT id, name FROM items ORDER BY id").all(),
    addItem: (name) => {
      const { lastInsertRowid } = db.prepare("INSERT INTO items (name) VALUES (?)").run(name);
      return { id: Number(lastInsertRowid), name };
    },
  };
}
