"""The one database handle. Nothing connects at import time: the entry point
opens a book (:func:`store.book.open_database`) with a path or URL and the
proxy is bound then. This module imports no other store module.

SQLite (the default, a file in the platformdirs user data directory, mode
0600, WAL, foreign keys on, a busy timeout) or PostgreSQL through any
``postgresql://user[:password]@host:port/db`` URL.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": 30000,
    "cache_size": -2000,  # 2 MB a connection: each thread worker has its own
}

ENV_VAR = "BATCHBILL_DB"


def default_database_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("batchbill", appauthor=False)) / "batchbill.sqlite3"


def resolve_target(target: str | os.PathLike | None) -> str:
    """The --db value, else $BATCHBILL_DB, else the default SQLite file."""
    if target:
        return str(target)
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    return str(default_database_path())


def is_url(target: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", target))


def redact(target: str) -> str:
    """The path or URL with any password removed, for display."""
    if not is_url(target):
        return target
    parts = urlsplit(target)
    if parts.password is None:
        return target
    netloc = parts.hostname or ""
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _make_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)


def make_database(target: str):
    """A Peewee database (not yet bound) for a path or URL."""
    if is_url(target):
        scheme = target.split("://", 1)[0].lower()
        if scheme in ("sqlite",):
            path = target.split("://", 1)[1]
            return make_database(path or ":memory:")
        if scheme in ("postgres", "postgresql"):
            from playhouse.db_url import parseresult_to_dict

            kwargs = parseresult_to_dict(urlsplit(target), unquote_password=True)
            name = kwargs.pop("database")
            return PostgresqlDatabase(name, **kwargs)
        raise ValueError(
            f"unsupported database URL scheme {scheme!r}: use a SQLite file path or postgresql://"
        )
    if target != ":memory:":
        _make_private(Path(target).expanduser())
        target = str(Path(target).expanduser())
    # Every write transaction takes the write lock when it begins: a deferred
    # one that reads first and writes later cannot wait for another writer and
    # fails at once with "database is locked" (seen with two technicians saving).
    return SqliteDatabase(target, pragmas=SQLITE_PRAGMAS, timeout=30, lock_type="IMMEDIATE")


def is_sqlite(database=None) -> bool:
    database = database or db.obj
    return isinstance(database, SqliteDatabase)


def is_postgres(database=None) -> bool:
    database = database or db.obj
    return isinstance(database, PostgresqlDatabase)


def close_database() -> None:
    if db.obj is not None and not db.obj.is_closed():
        db.obj.close()
