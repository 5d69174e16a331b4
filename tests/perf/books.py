"""The SQLite side of the harness's books: the cached demo books (built once by
``batchbill demo``, never written) and the copies the measures write into."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

SEED = 7
TODAY = dt.date(2026, 11, 15)
ROOT = Path(__file__).resolve().parents[2]


def default_book_dir() -> Path:
    env = os.environ.get("BATCHBILL_PERF_BOOKS")
    if env:
        return Path(env)
    if os.access("/work", os.W_OK):
        return Path("/work/perf-books")
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("batchbill", appauthor=False)) / "perf-books"


def ensure_book(directory: Path, customers: int | None, months: int | None, today: dt.date,
                say, rebuild: bool = False) -> Path:
    """The cached demo book for these arguments, built with ``batchbill demo`` if missing.
    ``None`` sizes mean the demo's defaults (the default demo book)."""
    directory.mkdir(parents=True, exist_ok=True)
    label = f"c{customers}-m{months}" if customers else "default"
    path = directory / f"book-{label}-s{SEED}-t{today.isoformat()}.sqlite3"
    if path.exists() and not rebuild:
        return path
    tmp = path.with_suffix(".tmp.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(str(tmp) + suffix)
    cmd = [sys.executable, "-m", "batchbill", "demo", "--db", str(tmp), "--seed", str(SEED),
           "--today", today.isoformat()]
    if customers:
        cmd += ["--customers", str(customers), "--months", str(months)]
    say(f"building {path.name} (once): {' '.join(cmd[2:])}")
    started = time.monotonic()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    with contextlib.closing(sqlite3.connect(tmp)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(tmp, path)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(str(tmp) + suffix)
    say(f"built in {time.monotonic() - started:.0f} s")
    return path


def previous_month(today: dt.date) -> str:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def copy_book(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(str(target) + suffix)
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    return target


def remove_book(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(str(path) + suffix)


@contextlib.contextmanager
def store_open(path: Path):
    from store.book import open_database
    from store.db import close_database

    close_database()
    open_database(str(path))
    try:
        yield
    finally:
        close_database()


def raw_connect(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the store's pragmas (WAL, synchronous normal)."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    for pragma in ("journal_mode = wal", "synchronous = normal", "foreign_keys = 1",
                   "cache_size = -32000", "busy_timeout = 30000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn
