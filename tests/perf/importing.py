"""Import throughput (issue 16): ``batchbill import tickets`` and ``batchbill
import time-entries`` of the large book's own rows, from CSV, into a book that
holds its customers and contracts, each next to its floor, on every backend.

- **The files**: the large book's first N tickets (``--import-rows N``; a billed
  one written as closed) and every time entry of those tickets, with external
  ids made from their ids (the demo's records have none).
- **The book imported into**: a new book with the large book's customers and
  contracts (external ids ``C-<id>``, ``K-<id>``), made once a run; each run
  imports into a fresh copy of it.
- **Timed**: the import command in a process of its own (``main(["import",
  ...])``, after its modules are imported), and its peak RSS (VmHWM).
- **Floor**: in a second fresh copy, the same file read with ``csv.reader`` and
  the rows the import wrote (read back from its book) written again in one
  transaction: ``executemany`` on SQLite, ``COPY`` on PostgreSQL. The memory
  floor is a process that imports the same modules and does nothing.
"""
from __future__ import annotations

import contextlib
import csv
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.perf import bench
from tests.perf.books import ROOT, copy_book, raw_connect, remove_book, store_open

DEFAULT_ROWS = 20000
COLUMNS = {
    "tickets": ["external_id", "number", "customer_external_id", "contract_external_id", "title", "status",
                "opened_at", "closed_at"],
    "time-entries": ["external_id", "ticket_external_id", "technician", "started_at", "minutes", "billable",
                     "note"],
}
TABLES = {"tickets": "ticket", "time-entries": "time_entry"}
STORED = {  # the columns the floor writes, as the import stored them
    "ticket": ["id", "external_id", "number", "customer_id", "contract_id", "title", "status", "opened_at",
               "closed_at"],
    "time_entry": ["id", "external_id", "ticket_id", "technician", "started_at", "minutes", "billable", "note"],
}
_PROBE = bench._PEAK + """
import json, sys, time
from batchbill.cli import main
started = time.perf_counter()
status = main(["import", sys.argv[1], sys.argv[2], "--db", sys.argv[3], "--json"])
elapsed = time.perf_counter() - started
print(json.dumps({"status": status, "seconds": elapsed, "peak_kib": peak_kib()}))
"""


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def write_files(source, work: Path, rows: int) -> dict[str, tuple[Path, int]]:
    """The tickets and time entries files from the large book (``source``: a
    DB-API connection); kind -> (path, rows)."""
    cur = source.cursor()
    cur.execute("SELECT id, number, customer_id, contract_id, title, status, opened_at, closed_at "
                f"FROM ticket ORDER BY id LIMIT {int(rows)}")
    tickets = cur.fetchall()
    last = tickets[-1][0] if tickets else 0
    out = {}
    path = work / "import-tickets.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS["tickets"])
        for tid, number, customer, contract, title, status, opened, closed in tickets:
            writer.writerow([f"T-{tid}", number, f"C-{customer}", f"K-{contract}" if contract else "", title,
                             "closed" if status == "billed" else status, _text(opened), _text(closed)])
    out["tickets"] = (path, len(tickets))
    cur.execute("SELECT id, ticket_id, technician, started_at, minutes, billable, note FROM time_entry "
                f"WHERE ticket_id <= {int(last)} ORDER BY id")
    count = 0
    path = work / "import-time-entries.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS["time-entries"])
        for eid, tid, technician, started, minutes, billable, note in cur:
            writer.writerow([f"E-{eid}", f"T-{tid}", technician, _text(started), minutes,
                             "yes" if billable else "no", note or ""])
            count += 1
    out["time-entries"] = (path, count)
    return out


def make_base(source, target: str) -> None:
    """A new book at ``target`` (a path or URL) with the source's customers and
    contracts, ids kept, external ids C-<id> and K-<id>."""
    from store.db import db, is_postgres

    cur = source.cursor()
    with store_open(target):
        for table, prefix in (("customer", "C"), ("contract", "K")):
            cur.execute(f'SELECT * FROM "{table}" ORDER BY id')
            names = [d[0] for d in cur.description]
            rows = [tuple(f"{prefix}-{r[0]}" if n == "external_id" else v for n, v in zip(names, r))
                    for r in cur.fetchall()]
            marks = ", ".join([db.param] * len(names))
            with db.atomic():
                db.cursor().executemany(
                    f'INSERT INTO "{table}" ({", ".join(f"{n}" for n in names)}) VALUES ({marks})', rows)
                if is_postgres():
                    db.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f'(SELECT MAX(id) FROM "{table}"))')


def _run_import(kind: str, path: Path, target: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _PROBE, kind, str(path), target], cwd=ROOT,
                          capture_output=True, text=True, timeout=3600)
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"import {kind} failed:\n{proc.stderr[-3000:]}") from None
    if data["status"] != 0:
        raise RuntimeError(f"import {kind} failed ({data['status']}):\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}")
    return data


def _baseline_kib() -> float:
    base = subprocess.run([sys.executable, "-c", bench._BASELINE_PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    return json.loads(base.stdout.strip().splitlines()[-1])["peak_kib"]


class SqliteSide:
    """Books as files: copies by file copy, floors through sqlite3 (executemany)."""

    name = "sqlite"

    def __init__(self, work: Path):
        self.work = work

    def create(self, role: str, template: str | None = None) -> str:
        path = self.work / f"import-{role}.sqlite3"
        remove_book(path)
        if template:
            copy_book(Path(template), path)
        return str(path)

    def drop(self, target: str) -> None:
        remove_book(Path(target))

    def connect(self, target: str):
        return contextlib.closing(raw_connect(Path(target)))

    def stored(self, target: str, table: str) -> list[tuple]:
        with self.connect(target) as conn:
            return conn.execute(f'SELECT {", ".join(STORED[table])} FROM "{table}" ORDER BY id').fetchall()

    def write(self, conn, table: str, rows: list[tuple]) -> None:
        marks = ", ".join("?" * len(STORED[table]))
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f'INSERT INTO "{table}" ({", ".join(STORED[table])}) VALUES ({marks})', rows)
        conn.execute("COMMIT")


class PostgresSide:
    """Books as databases on the server: copies by CREATE DATABASE ... TEMPLATE,
    floors through psycopg2 (COPY)."""

    name = "postgresql"

    def __init__(self, server):
        self.server = server

    def create(self, role: str, template: str | None = None) -> str:
        name = self.server.copy_name(f"import_{role}")
        self.server.create(name, template and template.rsplit("/", 1)[1])
        return self.server.url_of(name)

    def drop(self, target: str) -> None:
        self.server.drop(target.rsplit("/", 1)[1])

    def connect(self, target: str):
        return contextlib.closing(self.server.connect(target.rsplit("/", 1)[1]))

    def stored(self, target: str, table: str) -> list[tuple]:
        with self.connect(target) as conn, conn.cursor() as cur:
            cur.execute(f'SELECT {", ".join(STORED[table])} FROM "{table}" ORDER BY id')
            return cur.fetchall()

    def write(self, conn, table: str, rows: list[tuple]) -> None:
        from tests.perf.pgserver import copy_rows

        with conn.cursor() as cur:
            copy_rows(cur, table, STORED[table], rows)
        conn.commit()


def _floor(side, base: str, path: Path, table: str, rows: list[tuple], before: list[tuple] | None) -> float:
    """Read the file with csv.reader and write the stored rows in one transaction,
    into a fresh copy of the base (holding ``before``'s tickets, not timed)."""
    target = side.create("floor", base)
    try:
        with side.connect(target) as conn:
            if before is not None:
                side.write(conn, "ticket", before)
            t0 = time.perf_counter()
            with open(path, newline="", encoding="utf-8") as handle:
                read = sum(1 for _ in csv.reader(handle)) - 1
            side.write(conn, table, rows)
            elapsed = time.perf_counter() - t0
        assert read == len(rows), (read, len(rows))
        return elapsed
    finally:
        side.drop(target)


def bench_import_rows(side, source, work: Path, rows: int, runs: int, say) -> list[dict]:
    """Two rows (tickets, time entries): the import's time and peak against the floor."""
    files = write_files(source, work, rows)
    base = side.create("base")
    make_base(source, base)
    times = {kind: [] for kind in files}
    floors = {kind: [] for kind in files}
    peaks = {kind: [] for kind in files}
    baseline = []
    try:
        for _ in range(runs):
            target = side.create("app", base)
            try:
                for kind, (path, count) in files.items():
                    data = _run_import(kind, path, target)
                    times[kind].append(data["seconds"])
                    peaks[kind].append(data["peak_kib"] / 1024)
                stored = {table: side.stored(target, table) for table in TABLES.values()}
            finally:
                side.drop(target)
            assert len(stored["ticket"]) == files["tickets"][1] and len(stored["time_entry"]) == files["time-entries"][1]
            floors["tickets"].append(_floor(side, base, files["tickets"][0], "ticket", stored["ticket"], None))
            floors["time-entries"].append(_floor(side, base, files["time-entries"][0], "time_entry",
                                                 stored["time_entry"], stored["ticket"]))
            baseline.append(_baseline_kib() / 1024)
    finally:
        side.drop(base)
    out = []
    floor_label = ("csv.reader + executemany of the stored rows, one transaction" if side.name == "sqlite"
                   else "csv.reader + COPY of the stored rows, one transaction")
    for kind, (path, count) in files.items():
        median = statistics.median(times[kind])
        say(f"{'pg ' if side.name != 'sqlite' else ''}import {kind}: {count} rows in {median:.2f} s "
            f"({count / median:.0f} rows/s) vs {statistics.median(floors[kind]):.2f} s; "
            f"peak {statistics.median(peaks[kind]):.0f} MiB")
        row = bench.result(f"import rows: {kind}", "s", times[kind], floors[kind], floor_label=floor_label,
                           note=f"batchbill import {kind}, {count} rows ({path.stat().st_size / 1e6:.1f} MB) "
                                "of the large book into a book with its customers and contracts")
        row.update(rows=count, rows_per_s=round(count / median), peak_mib=bench.summary(peaks[kind]),
                   peak_floor_mib=bench.summary(baseline),
                   peak_ratio=statistics.median(peaks[kind]) / statistics.median(baseline))
        out.append(row)
    return out
