"""Opening a book: bind the one database handle to a path or URL, connect,
then bring the schema up to date. It sits above :mod:`store.db` (the handle),
:mod:`store.models` and :mod:`store.migrations`, so none of them needs it.
"""
from __future__ import annotations

import os
from pathlib import Path

from peewee import SqliteDatabase

from store.db import db, make_database, redact, resolve_target
from store.migrations import migrate


def open_database(target: str | os.PathLike | None = None):
    """Bind the proxy to the path or URL (else $BATCHBILL_DB, else the default
    file), connect, and migrate the schema; the database."""
    resolved = resolve_target(target)
    database = make_database(resolved)
    db.initialize(database)
    db.connect(reuse_if_open=True)
    if isinstance(database, SqliteDatabase) and database.database != ":memory:":
        for suffix in ("-wal", "-shm"):
            side = Path(database.database + suffix)
            if side.exists():
                os.chmod(side, 0o600)
    migrate(database)
    database.batchbill_target = redact(resolved)
    return database
