"""What an import has seen so far, kept in a temporary table of the database
instead of in memory: the keys (external ids, customer names, contract names,
ticket numbers) of the rows already read, with their line, so that a key used
twice in a file is found however far apart the two rows are, in memory
bounded by one batch of rows."""
from __future__ import annotations

import itertools

from peewee import chunked

from store.db import db, is_postgres
from store.pgcopy import copy_rows

_COUNTER = itertools.count(1)
_CHUNK = 400  # keys per statement


class Seen:
    """A temporary table ``(k, line, rec, label)``: ``k`` a namespaced key
    (``ext:C-1``, ``name:acme``), ``line`` the file line that used it (None for a
    record already in the book), ``rec`` the record id, ``label`` text for messages."""

    def __init__(self):
        self.table = f"batchbill_import_seen_{next(_COUNTER)}"
        suffix = " ON COMMIT DROP" if is_postgres() else ""
        db.execute_sql(f'CREATE TEMPORARY TABLE "{self.table}" (k TEXT NOT NULL, line INTEGER, rec BIGINT, '
                       f"label TEXT){suffix}")
        db.execute_sql(f'CREATE INDEX "{self.table}_k" ON "{self.table}" (k)')
        self._p = "%s" if is_postgres() else "?"
        self.rows = 0
        self.analyzed = 0  # rows when the planner's statistics were last collected (PostgreSQL)

    def add(self, entries) -> None:
        """Remember ``(key, line, record id, label)`` tuples."""
        entries = list(entries)
        if not entries:
            return
        self.rows += len(entries)
        if is_postgres():
            # COPY: psycopg2's executemany sends a statement a row
            copy_rows(db.cursor(), self.table, ["k", "line", "rec", "label"], entries)
            if self.rows >= max(1000, 4 * self.analyzed):
                # Autovacuum never analyzes a temporary table: without statistics the
                # planner guessed its size, and a look-up of 400 keys could read it all.
                db.execute_sql(f'ANALYZE "{self.table}"')
                self.analyzed = self.rows
            return
        sql = f'INSERT INTO "{self.table}" (k, line, rec, label) VALUES ({", ".join([self._p] * 4)})'
        for chunk in chunked(entries, _CHUNK):
            cursor = db.cursor()
            cursor.executemany(sql, chunk)

    def find(self, keys) -> dict[str, list[tuple]]:
        """For each of these keys seen before: its ``(line, rec, label)`` entries, first line first."""
        found: dict[str, list[tuple]] = {}
        if is_postgres():
            wanted = sorted(set(keys))
            if wanted and self.rows:
                cursor = db.execute_sql(f'SELECT k, line, rec, label FROM "{self.table}" WHERE k = ANY(%s) '
                                        "ORDER BY line IS NULL, line", (wanted,))
                for k, line, rec, label in cursor.fetchall():
                    found.setdefault(k, []).append((line, rec, label))
            return found
        for chunk in chunked(sorted(set(keys)), _CHUNK):
            marks = ", ".join([self._p] * len(chunk))
            cursor = db.execute_sql(
                f'SELECT k, line, rec, label FROM "{self.table}" WHERE k IN ({marks}) '
                "ORDER BY line IS NULL, line", chunk)
            for k, line, rec, label in cursor.fetchall():
                found.setdefault(k, []).append((line, rec, label))
        return found

    def drop(self) -> None:
        try:
            db.execute_sql(f'DROP TABLE IF EXISTS "{self.table}"')
        except Exception:  # noqa: BLE001 - gone with the rolled-back transaction (PostgreSQL)
            pass
