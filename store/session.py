"""The tui's way into the store: open the database named on the command line
without the tui importing :mod:`store.db` itself (the layer contract forbids it).

Peewee keeps one connection per thread, so the tui's thread workers each get
their own connection to the same SQLite file or PostgreSQL server.
"""
from __future__ import annotations

from store.book import open_database
from store.db import close_database, redact, resolve_target


def open(target: str | None) -> str:  # noqa: A001 - the natural name for the entry point
    """Open (and migrate) the database at ``target``; return it for display, password removed."""
    resolved = resolve_target(target)
    open_database(resolved)
    return redact(resolved)


def describe(target: str | None) -> str:
    """The database ``open`` would use, password removed (for messages)."""
    return redact(resolve_target(target))


def release() -> None:
    """Close this thread's connection (the app calls it on exit)."""
    close_database()
