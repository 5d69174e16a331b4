"""The PostgreSQL side of the harness's books: a server, its demo books (one
database each, built once by ``batchbill demo`` and reused) and the throw-away
copies the measures write into (``CREATE DATABASE ... TEMPLATE``).

A server is named by a URL, ``postgresql://user@host:port/DBNAME``: DBNAME is
the database the harness connects to for ``CREATE`` and ``DROP DATABASE`` (by
default ``postgres``); the books live in databases of their own, named by the
demo's arguments (``bb_perf_c2000_m24_s7_t20261115``; the default demo book
``bb_perf_default_s7_t20261115``). A copy is named ``bb_perf_run<pid>_<role>``
and dropped when the run ends, whatever happened.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
PREFIX = "bb_perf"


def default_server() -> str:
    return os.environ.get("BATCHBILL_PERF_PG", DEFAULT_SERVER)


def unavailable_reason(url: str) -> str | None:
    """None when the server answers, else one line saying why not."""
    try:
        import psycopg2
    except ImportError:
        return "psycopg2 is not installed"
    try:
        psycopg2.connect(url, connect_timeout=3).close()
    except Exception as exc:  # refused, unknown host, no such database...
        text = str(exc).strip()
        return f"PostgreSQL not reachable at {url}: {text.splitlines()[0] if text else type(exc).__name__}"
    return None


def _ident(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain database name: {name!r}")
    return f'"{name}"'


class Server:
    """One PostgreSQL server; an autocommit connection to its maintenance database."""

    def __init__(self, url: str, prefix: str = PREFIX):
        import psycopg2

        self.url = url
        self.prefix = prefix
        self.run_tag = f"{prefix}_run{os.getpid()}"
        self._admin = psycopg2.connect(url)
        self._admin.autocommit = True
        self.copies: set[str] = set()
        with self._admin.cursor() as cur:
            cur.execute("SHOW server_version")
            self.version = cur.fetchone()[0]

    # ----------------------------------------------------------------- naming
    def url_of(self, name: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))

    def book_name(self, customers: int | None, months: int | None, seed: int, today: dt.date) -> str:
        label = f"c{customers}_m{months}" if customers else "default"
        return f"{self.prefix}_{label}_s{seed}_t{today:%Y%m%d}"

    def copy_name(self, role: str) -> str:
        return f"{self.run_tag}_{role}"

    # ----------------------------------------------------------------- databases
    def execute(self, sql: str, args=None):
        with self._admin.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else None

    def exists(self, name: str) -> bool:
        return bool(self.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)))

    def drop(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {_ident(name)} WITH (FORCE)")
        self.copies.discard(name)

    def create(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of ``template`` when given); its URL. A copy
        is a file copy of the template (``STRATEGY FILE_COPY``: no WAL for
        every page), so the template must have no session open."""
        self.drop(name)
        if template:
            self.execute(f"CREATE DATABASE {_ident(name)} TEMPLATE {_ident(template)} STRATEGY FILE_COPY")
        else:
            self.execute(f"CREATE DATABASE {_ident(name)}")
        if name.startswith(self.run_tag):
            self.copies.add(name)
        return self.url_of(name)

    def copy(self, template: str, role: str) -> str:
        """A throw-away copy of ``template`` for this run; its name."""
        name = self.copy_name(role)
        self.create(name, template)
        return name

    def rename(self, old: str, new: str) -> None:
        self.execute(f"ALTER DATABASE {_ident(old)} RENAME TO {_ident(new)}")

    def settle(self) -> None:
        """Before a timed section (not timed): the copies' pages written out,
        so that neither side waits behind the other's write-back."""
        self.execute("CHECKPOINT")
        os.sync()

    def drop_stale(self, say) -> None:
        """Drop the copies of runs that died without cleaning up (their process is
        gone from this host: killed, or the machine restarted)."""
        pattern = re.compile(rf"{re.escape(self.prefix)}_run(\d+)_")
        for (name,) in self.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
                                    (f"{self.prefix}_run",)):
            match = pattern.match(name)
            if match and int(match.group(1)) != os.getpid() and not os.path.exists(f"/proc/{match.group(1)}"):
                say(f"dropping {name}, left by a run that ended without cleaning up")
                self.drop(name)

    def close(self) -> None:
        """Drop every copy this run made, then hang up."""
        for name in sorted(self.copies):
            with contextlib.suppress(Exception):
                self.drop(name)
        self._admin.close()

    def connect(self, name: str):
        """A plain psycopg2 connection to one of the server's databases (for the floors)."""
        import psycopg2

        return psycopg2.connect(self.url_of(name))

    # ----------------------------------------------------------------- books
    def ensure_book(self, customers: int | None, months: int | None, seed: int, today: dt.date,
                    root, say, rebuild: bool = False) -> str:
        """The cached demo book for these arguments (a database name), built with
        ``batchbill demo --db URL`` if missing (into ``NAME__building``, renamed when
        complete, so that an interrupted build is never taken for a book)."""
        name = self.book_name(customers, months, seed, today)
        if self.exists(name) and not rebuild:
            return name
        building = f"{name}__building"
        self.drop(building)
        self.create(building)
        cmd = [sys.executable, "-m", "batchbill", "demo", "--db", self.url_of(building), "--seed", str(seed),
               "--today", today.isoformat()]
        if customers:
            cmd += ["--customers", str(customers), "--months", str(months)]
        say(f"building PostgreSQL book {name} (once): {' '.join(cmd[2:])}")
        started = time.monotonic()
        try:
            subprocess.run(cmd, check=True, cwd=root, stdout=subprocess.DEVNULL)
        except BaseException:
            self.drop(building)
            raise
        self.drop(name)
        self.rename(building, name)
        say(f"built in {time.monotonic() - started:.0f} s")
        return name

    def size_of(self, name: str) -> int:
        return self.execute("SELECT pg_database_size(%s)", (name,))[0][0]


# --------------------------------------------------------------------------- COPY
def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_rows(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    """``COPY table (columns) FROM STDIN`` of these rows (text format)."""
    if not rows:
        return
    buffer = io.StringIO()
    buffer.writelines("\t".join(map(_copy_text, row)) + "\n" for row in rows)
    buffer.seek(0)
    names = ", ".join(f'"{c}"' for c in columns)
    cursor.copy_expert(f'COPY "{table}" ({names}) FROM STDIN', buffer)
