"""The database module: SQLite through Python's built-in sqlite3, no dependencies."""

import os
import sqlite3
import threading


class Database:
    """The service's items: one connection for all request threads, one statement at a time."""

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        self._connection = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._connection:
            self._connection.execute(
                "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"
            )

    def list_items(self) -> list[dict]:
        with self._lock:
            rows = self._connection.execute("SELECT id, name FROM items ORDER BY id").fetchall()
        return [{"id": row[0], "name": row[1]} for row in rows]

    def add_item(self, name: str) -> dict:
        # The connection as a context manager commits the insert (or rolls it back on error).
        with self._lock, self._connection:
            cursor = self._connection.execute("INSERT INTO items (name) VALUES (?)", (name,))
        return {"id": cursor.lastrowid, "name": name}

    def close(self) -> None:
        with self._lock:
            self._connection.close()
