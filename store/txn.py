"""Write transactions whose failure says what really happened.

When the connection dies or the disk fills during a transaction, the rollback
itself fails too ("connection already closed", "cannot rollback - no transaction
is active"), and that second error hid the first. :func:`write_transaction`
raises :class:`StorageError` naming the real cause instead (the database rolled
the transaction back itself: nothing of it was written).
"""
from __future__ import annotations

import contextlib

from store.db import db
from store.errors import BatchbillError, StorageError

_LOST = ("connection already closed", "server closed the connection", "terminating connection",
         "connection not open", "could not receive data", "could not send data", "ssl connection has been closed",
         "connection to server", "admin_shutdown", "no connection to the server")
_FULL = ("database or disk is full", "no space left", "file too large", "disk full")
_READONLY = ("readonly database", "read-only", "read only")
_IO = ("disk i/o error",)


def describe(exc: BaseException) -> str | None:
    """The one-line cause of a storage failure, from ``exc`` and what it hid; None
    when it is not one (a constraint, a user's mistake...)."""
    chain, seen = [], set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        chain.append(e)
        e = e.__cause__ or e.__context__
    texts = [str(x).strip().lower() for x in chain]
    for words, what in ((_FULL, "the disk is full (or the file reached its size limit)"),
                        (_READONLY, "the database file is read-only"),
                        (_LOST, "the connection to the database was lost"),
                        (_IO, "the database file could not be written (a full disk, a file size "
                               "limit or a failing device)")):
        for x, text in zip(chain, texts):
            if any(w in text for w in words):
                first = str(x).strip().splitlines()[0] if str(x).strip() else type(x).__name__
                return f"{what} ({first})"
    for x in chain:
        if isinstance(x, OSError) and x.errno is not None:
            return f"{x.strerror or x}"
    return None


@contextlib.contextmanager
def write_transaction(what: str):
    """``db.atomic()`` for one write; a storage failure becomes one line:
    '<what> failed: <cause>; nothing was written'."""
    import peewee

    try:
        with db.atomic() as tx:
            yield tx
    except BatchbillError:
        raise
    except (peewee.IntegrityError, peewee.DatabaseError, peewee.InterfaceError, OSError) as exc:
        if isinstance(exc, peewee.IntegrityError) and describe(exc) is None:
            raise
        cause = describe(exc)
        if cause is None:
            raise
        _forget_broken_connection()
        raise StorageError(f"{what} failed: {cause}; nothing was written (the database rolled "
                           "the transaction back): fix the cause and run it again") from exc


def _forget_broken_connection() -> None:
    """Close a connection that died, so the next use opens a new one."""
    database = db.obj
    try:
        database.close()
    except Exception:  # noqa: BLE001 - it is broken already
        pass
