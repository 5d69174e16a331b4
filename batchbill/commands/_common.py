"""What every subcommand shares: the database option, opening the store,
turning a user's mistake into a one-line message and a non-zero exit."""
from __future__ import annotations

import json
import sys
from decimal import Decimal

EXIT_USER_ERROR = 2


def add_db_option(parser) -> None:
    parser.add_argument(
        "--db", dest="sub_db", metavar="PATH_OR_URL",
        help="SQLite file path or postgresql:// URL (default: $BATCHBILL_DB or the user data dir)",
    )


def database_target(args) -> str:
    from store.db import resolve_target

    return resolve_target(getattr(args, "sub_db", None) or getattr(args, "db", None))


def open_store(args, create: bool = False):
    """Open the database the command names. Only commands that fill a book
    (demo, import) create a missing SQLite file: a mistyped --db must not
    quietly answer from a new, empty database."""
    from store.book import open_database

    target = database_target(args)
    require_existing(target, create)
    return open_database(target)


def require_existing(target: str, create: bool = False) -> None:
    from pathlib import Path

    from store.db import is_url
    from store.errors import BatchbillError

    if create or is_url(target) or target == ":memory:" or Path(target).expanduser().exists():
        return
    raise BatchbillError(
        f"no database at {target}: create one with `batchbill demo --db {target}` "
        "or load yours with `batchbill import KIND FILE --db ...`")


def _default(obj):
    import datetime as dt

    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, default=_default, ensure_ascii=False)
    sys.stdout.write("\n")


def fail(message: str, status: int = EXIT_USER_ERROR) -> int:
    from store.db import scrub

    print(f"batchbill: {scrub(message)}", file=sys.stderr)
    return status


class _Escaping:
    """A text stream that writes control characters (other than tab and line
    feed) as ``\\x1b``: what the book holds can never drive the terminal."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        from store.text import escape_controls

        return self._stream.write(escape_controls(text))

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def run_handler(handler, args, *, escape: bool = True) -> int:
    """Run a subcommand; a user's mistake prints one line (or its list of
    problems) on stderr and returns non-zero, never a traceback. Everything it
    prints has its control characters escaped (``escape``; not for the app)."""
    if not escape:
        return _run(handler, args)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Escaping(sys.stdout), _Escaping(sys.stderr)
    try:
        return _run(handler, args)
    finally:
        sys.stdout, sys.stderr = saved


def _run(handler, args) -> int:
    from store.errors import BatchbillError, ImportFileError

    try:
        return int(handler(args) or 0)
    except ImportFileError as exc:
        from store.db import scrub

        for problem in exc.problems:
            print(scrub(problem), file=sys.stderr)
        print(f"batchbill: nothing imported: {len(exc.problems)} problem(s)", file=sys.stderr)
        return EXIT_USER_ERROR
    except BatchbillError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, as cat does.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # database unreachable, unreadable file...
        kind = _classify(exc)
        if kind is None:
            raise
        return fail(kind)


def _classify(exc: Exception) -> str | None:
    import peewee

    from store.guards import guard_message
    from store.txn import describe

    guarded = guard_message(exc)
    if guarded is not None:  # a rule the database holds (store/guards.py)
        return f"refused: {guarded}"
    if isinstance(exc, (peewee.DatabaseError, peewee.InterfaceError)) and describe(exc):
        return f"database error: {describe(exc)}; nothing was written"

    if isinstance(exc, peewee.OperationalError):
        return f"database error: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}"
    if isinstance(exc, peewee.DatabaseError):
        return f"database error: {exc}"
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
        return f"{exc.strerror}: {exc.filename}"
    if isinstance(exc, ValueError) and "database URL" in str(exc):
        return str(exc)
    return None
