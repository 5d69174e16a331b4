"""The performance harness of issues 7 and 16: what users wait for, each figure next
to its floor (the fastest way to do the same work on the same machine, measured
in the same run), as median and p95 over several runs, and the ratio.

    python -m tests.perf.bench [--customers N] [--months M] [--json PATH] [--runs K]
                               [--book PATH] [--book-dir DIR] [--rebuild]
                               [--db sqlite|PATH|postgresql://...]... [--backends sqlite,postgresql]
                               [--only plan,search,save]

It builds (once, then reuses) a book with ``batchbill demo --customers N
--months M --seed 7 --today 2026-11-15`` under ``--book-dir`` (default
``$BATCHBILL_PERF_BOOKS`` or ``/work/perf-books``), keyed by those arguments,
and the default demo book for the memory comparison. The period planned and
saved is the last complete month the demo left unbilled (2026-10). Save and
export run on copies of the book, so every run starts from the same state.
On PostgreSQL (``--db URL``, :mod:`tests.perf.pg`) the books are databases of
their own on that server and the copies ``CREATE DATABASE ... TEMPLATE``.
Several backends: one table side by side (:mod:`tests.perf.report`).

It is a tool, not a test: it asserts nothing about time. ``tests/perf/
test_bench_smoke.py`` runs it on a tiny book to check that every figure comes out.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.perf.books import (ROOT, SEED, TODAY, copy_book, default_book_dir, ensure_book,  # noqa: F401
                              previous_month, raw_connect, remove_book, store_open)

DEFAULT_CUSTOMERS = 2000
DEFAULT_MONTHS = 24
FORMATS = ("qbo-csv", "qbd-iif", "xero-csv", "csv")
SEARCH_QUERIES = 100

# The targets of issue 16 (median of at least 7 runs): ratios to the floor, or absolute.
LIMITS = {"cold start": 1.5, "search": 2.0, "search p95": 0.020, "plan": 2.0, "save": 1.5, "export": 1.6,
          "memory": 1.3, "keystroke": 0.050}
TARGETS = {
    "cold start": "<= 1.5x empty Textual app",
    "search": "p95 <= 2x the index lookup and < 20 ms",
    "plan": "<= 2x raw SQL over the same rows",
    "save": "<= 1.5x the same rows in one transaction",
    "export": "<= 1.6x csv.writer",
    "memory": "large <= 1.3x small book",
    "keystroke": "p95 < 50 ms",
    "import": "peak RSS < 200 MiB (a 50 MB customers file)",
    "import rows": "none (throughput against executemany/COPY)",
}
DEFAULT_IMPORT_MB = 50
MEASURES = ("coldstart", "search", "plan", "save", "export", "memory", "keystroke", "import", "import-rows")


# --------------------------------------------------------------------------- figures
def percentile(values: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(values: list[float]) -> dict:
    return {"runs": [round(v, 6) for v in values], "median": statistics.median(values),
            "p95": percentile(values, 95)}


def result(name: str, unit: str, values: list[float], floor: list[float] | None, *,
           basis: str = "median", limit: float | None = None, absolute: float | None = None,
           floor_label: str = "", note: str = "") -> dict:
    """One row: figures, floor, ratio (``basis`` of each) and whether the target is met."""
    out = {"name": name, "unit": unit, **summary(values), "floor_label": floor_label, "note": note}
    met = True
    if floor:
        out["floor"] = summary(floor)
        denominator = out["floor"][basis]
        out["ratio"] = out[basis] / denominator if denominator else float("inf")
        out["ratio_basis"] = basis
        if limit is not None:
            out["ratio_limit"] = limit
            met = met and out["ratio"] <= limit
    else:
        out["floor"] = None
        out["ratio"] = None
    if absolute is not None:
        out["absolute_limit"] = absolute
        met = met and out[basis] < absolute
    kind = name.split(":")[0].split(" (")[0].split(",")[0]
    out["target"] = TARGETS.get(kind, "")
    out["met"] = met
    return out


def prepare(book: Path, work: Path, period: str, name: str) -> tuple[Path, dict]:
    """A copy of the book with two drafts of the period for every customer: one
    to save, one for the editor (the demo leaves that month unbilled)."""
    from store import billing

    pristine = copy_book(book, work / f"{name}.sqlite3")
    with store_open(pristine):
        drafts = {}
        for role in ("save", "editor"):
            drafts[role] = billing.create_batch(f"bench {role} {period}", period, actor="bench").id
    with contextlib.closing(raw_connect(pristine)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return pristine, drafts


# --------------------------------------------------------------------------- 1 cold start
def _probe(args: list[str], timeout: float = 300.0) -> tuple[float, str]:
    """Start the probe, time process start to its first line; the rest of its output."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tests.perf.app_probe", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    first = proc.stdout.readline()
    elapsed = time.perf_counter() - started
    try:
        rest, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        rest, err = proc.communicate()
    if proc.returncode != 0 or not first:
        raise RuntimeError(f"app probe {args[0]} failed ({proc.returncode}):\n{err[-3000:]}")
    return elapsed, first + rest


def _compile_project() -> None:
    """Write the project's byte code, as an installed or once-run app has it. The probes run
    with PYTHONDONTWRITEBYTECODE, so without this a module edited since its last .pyc was
    written would be compiled again in every start (20-30 ms for a large one)."""
    import compileall

    for package in ("store", "tui", "exporters", "batchbill", "tests/perf"):
        compileall.compile_dir(str(ROOT / package), quiet=2)


def _drop_cached_summary(db: Path) -> None:
    """Forget the dashboard's kept benchmark summary: the next start computes it."""
    with contextlib.closing(sqlite3.connect(str(db))) as conn:
        with conn:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'derived_cache'").fetchone():
                conn.execute("DELETE FROM derived_cache")


def bench_cold_start(db: Path, runs: int, say) -> list[dict]:
    """Two rows: the usual start (the benchmark summary kept in the book by an earlier
    start: the change token has not moved) and the start after a change (not kept: computed)."""
    _compile_project()
    warm, cold, floor = [], [], []
    _probe(["empty"])  # warm the OS file cache for both
    _probe(["coldstart", str(db), TODAY.isoformat()])  # also keeps the summary in the book
    for _ in range(runs):
        floor.append(_probe(["empty"])[0])
        warm.append(_probe(["coldstart", str(db), TODAY.isoformat()])[0])
        _drop_cached_summary(db)
        cold.append(_probe(["coldstart", str(db), TODAY.isoformat()])[0])
    say(f"cold start: {statistics.median(warm):.3f} s (summary kept), {statistics.median(cold):.3f} s "
        f"(computed) vs {statistics.median(floor):.3f} s")
    return [
        result("cold start", "s", warm, floor, limit=LIMITS["cold start"], floor_label="empty Textual app",
               note="process start to all three dashboard panels filled, headless run_test at 120x36; "
                    "the benchmark summary read back from the book (kept by an earlier start, data unchanged)"),
        result("cold start, summary computed", "s", cold, floor, limit=LIMITS["cold start"], floor_label="empty Textual app",
               note="the same, after a change to the book (the kept summary is stale): the dashboard "
                    "computes the benchmark summary and keeps it"),
    ]


def _probe_json(output: str) -> dict:
    for line in output.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"no RESULT line in probe output:\n{output[-2000:]}")


# --------------------------------------------------------------------------- 2 search
def search_queries(conn: sqlite3.Connection, count: int = SEARCH_QUERIES) -> list[str]:
    """Realistic queries: invoice numbers (whole and partial), customer names
    (whole and first words) and words of line text."""
    rng = random.Random(SEED)
    numbers = [r[0] for r in conn.execute("SELECT number FROM invoice ORDER BY id")]
    names = [r[0] for r in conn.execute("SELECT name FROM customer ORDER BY id")]
    lines = [r[0] for r in conn.execute(
        "SELECT DISTINCT description FROM invoice_line ORDER BY description LIMIT 2000")]
    words = sorted({w for text in lines for w in re.findall(r"[^\W\d_]{4,}", text)})
    queries = []
    third = count // 3
    for _ in range(third):
        number = rng.choice(numbers)
        queries.append(number if rng.random() < 0.7 else number[: max(4, len(number) - 2)])
    for _ in range(third):
        name = rng.choice(names)
        parts = name.split()
        queries.append(name if rng.random() < 0.4 else " ".join(parts[: rng.randint(1, 2)]))
    while len(queries) < count:
        n = rng.choice((1, 1, 2))
        queries.append(" ".join(rng.sample(words, n)) if words else "support")
    rng.shuffle(queries)
    return queries


def fts_floor_expression(query: str) -> str:
    """The query as a user would type it into FTS5: each word a prefix phrase."""
    parts = []
    for word in query.replace(",", "").split():
        tokens = re.findall(r"\w+", word)
        if tokens:
            parts.append('"' + " ".join(tokens) + '"*')
    return " ".join(parts)


def bench_search(db: Path, runs: int, say) -> dict:
    from store.search import PAGE_SIZE, search

    app, floor = [], []
    slowest: list[tuple[float, str]] = []
    with contextlib.closing(raw_connect(db)) as conn, store_open(db):
        queries = search_queries(conn)
        for q in queries:  # warm both paths
            search(q)
            conn.execute("SELECT rowid FROM invoice_fts WHERE invoice_fts MATCH ? "
                         "ORDER BY rowid DESC LIMIT ?", (fts_floor_expression(q), PAGE_SIZE)).fetchall()
        for _ in range(runs):
            for q in queries:
                t0 = time.perf_counter()
                conn.execute("SELECT rowid FROM invoice_fts WHERE invoice_fts MATCH ? "
                             "ORDER BY rowid DESC LIMIT ?", (fts_floor_expression(q), PAGE_SIZE)).fetchall()
                t1 = time.perf_counter()
                search(q)
                t2 = time.perf_counter()
                floor.append(t1 - t0)
                app.append(t2 - t1)
                slowest.append((t2 - t1, q))
    slowest.sort(reverse=True)
    say(f"search: p95 {percentile(app, 95) * 1000:.1f} ms vs {percentile(floor, 95) * 1000:.1f} ms")
    row = result("search", "s", app, floor, basis="p95", limit=LIMITS["search"], absolute=LIMITS["search p95"],
                 floor_label="FTS5 MATCH via sqlite3",
                 note=f"{len(queries)} queries x {runs} runs, first page ({PAGE_SIZE} hits)")
    row["slowest_queries"] = [{"query": q, "s": round(s, 6)} for s, q in slowest[:5]]
    return row


# --------------------------------------------------------------------------- 3 plan
PLAN_FLOOR_SQL = """
SELECT 'ticket', t.contract_id, t.id, t.number, t.title, t.closed_at,
       SUM(CASE WHEN te.billable THEN te.minutes ELSE 0 END), SUM(te.minutes)
FROM ticket t
JOIN contract c ON c.id = t.contract_id
LEFT JOIN time_entry te ON te.ticket_id = t.id
WHERE t.status = 'closed' AND t.closed_at < :horizon
  AND c.active AND c.start_date < :end AND (c.end_date IS NULL OR c.end_date >= :start)
GROUP BY t.id
UNION ALL
SELECT 'service_item', s.contract_id, s.id, NULL, s.description, NULL, s.quantity, s.unit_price
FROM service_item s JOIN contract c ON c.id = s.contract_id
WHERE s.active AND c.active AND c.type = 'retainer' AND c.start_date < :end
  AND (c.end_date IS NULL OR c.end_date >= :start)
  AND NOT EXISTS (SELECT 1 FROM billed_ledger l WHERE l.source_kind = 'service_item'
                  AND l.source_id = s.id AND l.month = :period)
UNION ALL
SELECT 'expense', e.contract_id, e.id, NULL, e.description, e.date, e.amount, NULL
FROM expense e JOIN contract c ON c.id = e.contract_id
WHERE e.billable AND e.date < :horizon AND c.active AND c.start_date < :end
  AND (c.end_date IS NULL OR c.end_date >= :start)
  AND NOT EXISTS (SELECT 1 FROM billed_ledger l WHERE l.source_kind = 'expense' AND l.source_id = e.id)
UNION ALL
SELECT 'contract:' || c.type, c.customer_id, c.id, cu.name, c.name, cu.currency,
       c.device_count * c.device_rate, c.block_fee + c.fixed_fee
FROM contract c JOIN customer cu ON cu.id = c.customer_id
WHERE c.active AND c.start_date < :end AND (c.end_date IS NULL OR c.end_date >= :start)
"""


def bench_plan(db: Path, period: str, runs: int, say) -> tuple[dict, dict]:
    from store import billing
    from store.periods import parse_period

    span = parse_period(period)
    horizon = dt.date(span.end.year + (span.end.month > 1), 1, 1)  # a yearly contract's end
    params = {"start": span.start.isoformat(), "end": span.end.isoformat(), "period": period,
              "horizon": horizon.isoformat()}
    app, floor = [], []
    with contextlib.closing(raw_connect(db)) as conn, store_open(db):
        p = billing.plan(period, today=TODAY)
        conn.execute(PLAN_FLOOR_SQL, params).fetchall()
        for _ in range(runs):
            floor_rows = p = None  # freeing the previous run's rows is not this run's work
            t0 = time.perf_counter()
            floor_rows = conn.execute(PLAN_FLOOR_SQL, params).fetchall()
            t1 = time.perf_counter()
            p = billing.plan(period, today=TODAY)
            t2 = time.perf_counter()
            floor.append(t1 - t0)
            app.append(t2 - t1)
    items = sum(len(pe.items) for cu in p.customers for co in cu.contracts for pe in co.periods)
    shape = {"customers": len(p.customers), "items": items, "floor_rows": len(floor_rows)}
    say(f"plan: {statistics.median(app):.3f} s vs {statistics.median(floor):.3f} s ({shape})")
    return result("plan", "s", app, floor, limit=LIMITS["plan"], floor_label="one raw SQL statement over the same rows",
                  note=f"period {period}, all customers: {shape['customers']} customers, {items} items"), shape


# --------------------------------------------------------------------------- 4 save
def _written_rows(path: Path, batch_id: int) -> dict:
    """What save_batch wrote, read back, for the floor to write again: every
    ledger row of the batch, so one per calendar month a recurring charge covers
    (the month-keyed ledger, schema v6) and one per time entry left out."""
    with contextlib.closing(sqlite3.connect(str(path))) as conn:
        def rows(sql, *args):
            cur = conn.execute(sql, args)
            return [d[0] for d in cur.description], cur.fetchall()

        inv_cols, invoices = rows("SELECT * FROM invoice WHERE batch_id = ? ORDER BY id", batch_id)
        ids = [r[0] for r in invoices]
        low, high = (min(ids), max(ids)) if ids else (0, -1)
        line_cols, lines = rows("SELECT * FROM invoice_line WHERE invoice_id BETWEEN ? AND ? ORDER BY id",
                                low, high)
        ledger_cols, ledger = rows("SELECT * FROM billed_ledger WHERE batch_id = ? ORDER BY id", batch_id)
        _, fts = rows("SELECT rowid, number, customer, batch, body, amounts FROM invoice_fts "
                      "WHERE rowid BETWEEN ? AND ?", low, high)
        tickets = [(r[0],) for r in conn.execute(
            "SELECT source_id FROM billed_ledger WHERE batch_id = ? AND source_kind = 'ticket'", (batch_id,))]
    return {"invoice": (inv_cols, invoices), "invoice_line": (line_cols, lines),
            "billed_ledger": (ledger_cols, ledger), "fts": fts, "tickets": tickets}


# Tables the save keeps up to date besides its invoices (the benchmark's facts and
# kept sums, schema v5): the floor writes the rows the save added or changed there too.
DERIVED_TABLES = ("benchmark_fact", "benchmark_pair", "benchmark_month", "benchmark_period", "benchmark_state")


def _derived_changes(before: Path, after: Path) -> dict:
    """table -> (columns, rows in ``after`` that ``before`` does not have as they are)."""
    out = {}
    with contextlib.closing(sqlite3.connect(str(before))) as old, \
            contextlib.closing(sqlite3.connect(str(after))) as new:
        for table in DERIVED_TABLES:
            if not new.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (table,)).fetchone():
                continue
            kept = set(old.execute(f'SELECT * FROM "{table}"'))
            cur = new.execute(f'SELECT * FROM "{table}"')
            cols = [d[0] for d in cur.description]
            out[table] = (cols, [r for r in cur if r not in kept])
    return out


def _floor_save(path: Path, rows: dict, batch_id: int) -> float:
    with contextlib.closing(raw_connect(path)) as conn:
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table in ("invoice", "invoice_line", "billed_ledger"):
            cols, data = rows[table]
            marks = ", ".join("?" * len(cols))
            names = ", ".join(f'"{c}"' for c in cols)
            conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', data)
        conn.executemany("UPDATE ticket SET status = 'billed' WHERE id = ?", rows["tickets"])
        conn.executemany("INSERT INTO invoice_fts (rowid, number, customer, batch, body, amounts) "
                         "VALUES (?, ?, ?, ?, ?, ?)", rows["fts"])
        for table, (cols, data) in rows.get("derived", {}).items():
            marks = ", ".join("?" * len(cols))
            names = ", ".join(f'"{c}"' for c in cols)
            conn.executemany(f'INSERT OR REPLACE INTO "{table}" ({names}) VALUES ({marks})', data)
        conn.execute("UPDATE batch SET status = 'saved' WHERE id = ?", (batch_id,))
        conn.execute("COMMIT")
        return time.perf_counter() - t0


def bench_save(pristine: Path, work: Path, period: str, batch_id: int, runs: int, say) -> tuple[dict, Path, dict]:
    from store import billing

    app, floor = [], []
    saved = None
    shape = {}
    for run in range(runs):
        target = copy_book(pristine, work / "save.sqlite3")
        with store_open(target):
            p = billing.plan(period, today=TODAY)  # the plan the user reviewed in the editor,
            billing.selection_totals(p, frozenset())  # which showed its totals
            t0 = time.perf_counter()
            res = billing.save_batch(batch_id, actor="bench", today=TODAY, issue_date=TODAY, reviewed=p)
            app.append(time.perf_counter() - t0)
        rows = _written_rows(target, batch_id)
        rows["derived"] = _derived_changes(pristine, target)
        shape = {"invoices": len(rows["invoice"][1]), "lines": len(rows["invoice_line"][1]),
                 "ledger": len(rows["billed_ledger"][1]), "tickets": len(rows["tickets"]),
                 "benchmark_rows": sum(len(data) for _, data in rows["derived"].values())}
        assert shape["invoices"] == len(res.invoice_numbers)
        floor_path = copy_book(pristine, work / "save-floor.sqlite3")
        floor.append(_floor_save(floor_path, rows, batch_id))
        remove_book(floor_path)
        if run == runs - 1:
            saved = work / "saved.sqlite3"
            remove_book(saved)
            os.replace(target, saved)
        else:
            remove_book(target)
    say(f"save: {statistics.median(app):.3f} s vs {statistics.median(floor):.3f} s ({shape})")
    return (result("save", "s", app, floor, limit=LIMITS["save"], floor_label="executemany of the same rows",
                   note=f"{shape['invoices']} invoices, {shape['lines']} lines, {shape['ledger']} ledger rows, "
                        f"{shape['benchmark_rows']} benchmark facts and kept sums added or changed, "
                        "reviewed plan given (as the editor does), fresh copy per run"),
            saved, shape)


# --------------------------------------------------------------------------- 5 export
EXPORT_FLOOR_SQL = """
SELECT i.number, b.name, cu.name, i.currency, i.issue_date, i.due_date, l.kind, co.name, l.period,
       l.description, l.quantity, l.unit_price, l.amount, l.taxable, i.tax, i.total
FROM invoice i
JOIN batch b ON b.id = i.batch_id
JOIN customer cu ON cu.id = i.customer_id
JOIN invoice_line l ON l.invoice_id = i.id
LEFT JOIN contract co ON co.id = l.contract_id
WHERE i.batch_id = ? AND i.status != 'void'
ORDER BY i.sequence, l.position
"""


def _floor_export(path: Path, batch_id: int, out: Path, rows_wanted: int) -> float:
    with contextlib.closing(sqlite3.connect(str(path))) as conn:
        t0 = time.perf_counter()
        data = conn.execute(EXPORT_FLOOR_SQL, (batch_id,)).fetchall()
        if data:
            while len(data) < rows_wanted:  # formats that add rows (IIF's TRNS/ENDTRNS) write as many
                data.extend(data[: rows_wanted - len(data)])
        with open(out, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerows(data[:rows_wanted])
            handle.flush()
            os.fsync(handle.fileno())
        return time.perf_counter() - t0


def bench_export(saved: Path, work: Path, batch_id: int, runs: int, say) -> list[dict]:
    from store.exports import export_invoices

    rows_out = []
    out_dir = work / "exports"
    out_dir.mkdir(exist_ok=True)
    with store_open(saved):
        for fmt in FORMATS:
            app, floor = [], []
            first = export_invoices(fmt=fmt, batch=batch_id, directory=out_dir, actor="bench")  # warm
            for _ in range(runs):
                # The harness's own copies of the 190 MB book (save runs) leave dirty pages that
                # the kernel writes back meanwhile: an fsync would wait behind them, and the
                # export (one fsync a file, up to 23) more than its floor (one). Not timed.
                os.sync()
                floor.append(_floor_export(saved, batch_id, out_dir / "floor.csv", first.rows))
                t0 = time.perf_counter()
                res = export_invoices(fmt=fmt, batch=batch_id, directory=out_dir, actor="bench")
                app.append(time.perf_counter() - t0)
            say(f"export {fmt}: {statistics.median(app):.3f} s vs {statistics.median(floor):.3f} s "
                f"({res.rows} rows, {len(res.files)} files)")
            rows_out.append(result(f"export: {fmt}", "s", app, floor, limit=LIMITS["export"],
                                   floor_label="one SQL read + csv.writer, same rows, fsync",
                                   note=f"{res.invoices} invoices, {res.rows} rows, {len(res.files)} file(s)"))
    return rows_out


# --------------------------------------------------------------------------- 6 memory
def bench_memory(large: tuple[Path, int], small: tuple[Path, int], runs: int, say) -> dict:
    peaks = {"large": [], "small": []}
    screens = {}
    for _ in range(runs):
        for key, (db, batch_id) in (("small", small), ("large", large)):
            data = _probe_json(_probe(["memory", str(db), TODAY.isoformat(), str(batch_id)])[1])
            peaks[key].append(data["rss_kib"]["peak"] / 1024)
            screens[key] = {k: round(v / 1024, 1) for k, v in data["rss_kib"].items()}
    say(f"memory: peak {statistics.median(peaks['large']):.0f} MiB vs {statistics.median(peaks['small']):.0f} MiB")
    row = result("memory", "MiB", peaks["large"], peaks["small"], limit=LIMITS["memory"],
                 floor_label="default demo book (30 customers, 12 months)",
                 note="peak RSS after dashboard, batches, invoices, search, invoice detail, batch editor")
    row["screens_mib"] = screens
    return row


# --------------------------------------------------------------------------- 7 keystroke
def bench_keystroke(pristine: Path, work: Path, batch_id: int, presses: int, say) -> dict:
    target = copy_book(pristine, work / "editor.sqlite3")
    data = _probe_json(_probe(["keystroke", str(target), TODAY.isoformat(), str(batch_id), str(presses)])[1])
    remove_book(target)
    paint = data["to_paint"]
    say(f"keystroke: p95 {percentile(paint, 95) * 1000:.1f} ms over {len(paint)} presses "
        f"({data['customers']} customers)")
    row = result("keystroke", "s", paint, None, basis="p95", absolute=LIMITS["keystroke"],
                 note=f"space on a customer node in the batch editor (Pilot, headless), "
                      f"{data['customers']} customers; key event to totals updated and painted")
    row["to_totals"] = summary(data["to_totals"])
    row["customers"] = data["customers"]
    return row


# --------------------------------------------------------------------------- 8 import
# The peak is this process's own high-water mark (VmHWM), not getrusage's ru_maxrss:
# Linux keeps ru_maxrss across exec, so a child of the harness (itself well over 200
# MiB after the large book's measures) would report the harness's peak as its own.
_PEAK = """
def peak_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
_IMPORT_PROBE = _PEAK + """
import json, sys, time
from batchbill.cli import main
started = time.perf_counter()
status = main(["import", "customers", sys.argv[1], "--db", sys.argv[2], "--json"])
elapsed = time.perf_counter() - started
print(json.dumps({"status": status, "seconds": elapsed, "peak_kib": peak_kib()}))
"""
_BASELINE_PROBE = _PEAK + """
import json
import batchbill.cli, store.importing, store.book
print(json.dumps({"peak_kib": peak_kib()}))
"""


def write_customers_csv(path: Path, megabytes: float) -> int:
    """A customers file of about ``megabytes`` MB (one row ~130 bytes, like an export
    from a PSA: names, e-mail, a two-line address, a rate); returns its rows."""
    rng = random.Random(SEED)
    regions = [("US", "USD", "8.25%"), ("DE", "EUR", "19%"), ("UK", "GBP", "20%"), ("JP", "JPY", "10%")]
    target = int(megabytes * 1_000_000)
    written = rows = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["external_id", "name", "region", "currency", "email", "address", "tax_rate", "active"])
        while written < target:
            region, currency, rate = regions[rows % len(regions)]
            name = f"Customer {rows:07d} {rng.choice(['Holdings', 'GmbH', 'LLC', 'Ltd', 'K.K.'])}"
            row = [f"CUS-{rows:07d}", name, region, currency, f"billing{rows}@example.test",
                   f"{rng.randint(1, 999)} Main Street, Suite {rng.randint(1, 99)}\nSpringfield, {region} "
                   f"{rng.randint(10000, 99999)}", rate, "yes"]
            w.writerow(row)
            written += sum(len(c) for c in row) + 12
            rows += 1
    return rows


def bench_import(work: Path, megabytes: float, runs: int, say) -> dict:
    """Peak RSS and time of `batchbill import customers` of a large file into a new
    book, against the floor of the same process doing nothing but import the
    modules (the memory an import needs beyond that is the batch, not the file)."""
    source = work / "customers-import.csv"
    rows = write_customers_csv(source, megabytes)
    size_mb = source.stat().st_size / 1_000_000
    peaks, floors, seconds = [], [], []
    for run_no in range(runs):
        db = work / f"import-{run_no}.sqlite3"
        proc = subprocess.run([sys.executable, "-c", _IMPORT_PROBE, str(source), str(db)], cwd=ROOT,
                              capture_output=True, text=True, timeout=1800)
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        if data["status"] != 0:
            raise RuntimeError(f"import failed ({data['status']}):\n{proc.stderr[-3000:]}")
        peaks.append(data["peak_kib"] / 1024)
        seconds.append(data["seconds"])
        remove_book(db)
        base = subprocess.run([sys.executable, "-c", _BASELINE_PROBE], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
        floors.append(json.loads(base.stdout.strip().splitlines()[-1])["peak_kib"] / 1024)
    say(f"import: {size_mb:.1f} MB, {rows} customers in {statistics.median(seconds):.1f} s, "
        f"peak {statistics.median(peaks):.0f} MiB")
    row = result("import", "MiB", peaks, floors, basis="median", absolute=200.0,
                 floor_label="the same process importing the modules only",
                 note=f"batchbill import customers, {size_mb:.1f} MB file, {rows} rows, into a new book")
    row["seconds"] = summary(seconds)
    row["file_mb"] = round(size_mb, 2)
    row["rows"] = rows
    return row


# --------------------------------------------------------------------------- run
def run_sqlite(args, work: Path, say) -> dict:
    """Every measure on the SQLite book; the backend's report."""
    started = time.monotonic()
    book_dir = Path(args.book_dir) if args.book_dir else default_book_dir()
    if args.book:
        book = Path(args.book)
    else:
        book = ensure_book(book_dir, args.customers, args.months, TODAY, say, args.rebuild)
    small = ensure_book(book_dir, None, None, TODAY, say, args.rebuild)
    period = previous_month(TODAY)
    pristine, drafts = prepare(book, work, period, "large")
    small_pristine, small_drafts = prepare(small, work, period, "small")
    want = wanted(args)
    results, plan_shape, save_shape, saved = [], {}, {}, None
    if want("coldstart"):
        results.extend(bench_cold_start(pristine, args.runs, say))
    if want("search"):
        results.append(bench_search(pristine, args.runs, say))
    if want("plan"):
        plan_row, plan_shape = bench_plan(pristine, period, args.runs, say)
        results.append(plan_row)
    if want("save") or want("export"):
        save_row, saved, save_shape = bench_save(pristine, work, period, drafts["save"], args.runs, say)
        if want("save"):
            results.append(save_row)
    if want("export"):
        results.extend(bench_export(saved, work, drafts["save"], args.runs, say))
    if want("memory"):
        results.append(bench_memory((pristine, drafts["editor"]), (small_pristine, small_drafts["editor"]),
                                    max(1, min(args.runs, 3)), say))
    if want("keystroke"):
        results.append(bench_keystroke(pristine, work, drafts["editor"], max(5, 4 * args.runs), say))
    if want("import"):
        results.append(bench_import(work, args.import_mb, max(1, min(args.runs, 3)), say))
    if want("import-rows"):
        from tests.perf.importing import SqliteSide, bench_import_rows

        with contextlib.closing(raw_connect(book)) as source:
            results.extend(bench_import_rows(SqliteSide(work), source, work, args.import_rows,
                                             max(1, min(args.runs, 3)), say))
    for path in (pristine, small_pristine, saved):
        if path:
            remove_book(path)
    return {
        "backend": "sqlite",
        "book": {"path": str(book), "customers": args.customers, "months": args.months, "seed": SEED,
                 "today": TODAY.isoformat(), "period": period, "small_book": str(small),
                 "bytes": book.stat().st_size, "plan": plan_shape, "save": save_shape},
        "runs": args.runs,
        "machine": {"python": sys.version.split()[0], "cpus": os.cpu_count(),
                    "sqlite": sqlite3.sqlite_version, "when": dt.datetime.now().isoformat(timespec="seconds")},
        "seconds": round(time.monotonic() - started, 1),
        "results": results,
        "all_met": all(r["met"] for r in results),
    }


def wanted(args):
    """Whether a measure (a name of MEASURES) is to run: all of them unless ``--only``."""
    only = set(args.only.split(",")) if getattr(args, "only", None) else set(MEASURES)
    return only.__contains__


def backends(args) -> list[tuple[str, str | None]]:
    """(backend, PostgreSQL server URL or None) in the order asked: ``--db`` values
    (``sqlite``, a SQLite book's path, or a ``postgresql://`` server URL), then
    ``--backends``; SQLite alone when neither is given."""
    chosen: list[tuple[str, str | None]] = []
    for target in args.db or []:
        if target.split("://", 1)[0].lower() in ("postgresql", "postgres"):
            chosen.append(("postgresql", target))
        else:
            if target != "sqlite":
                args.book = target
            chosen.append(("sqlite", None))
    for name in filter(None, (args.backends or "").split(",")):
        name = {"pg": "postgresql", "postgres": "postgresql"}.get(name.strip(), name.strip())
        if name not in ("sqlite", "postgresql"):
            raise SystemExit(f"bench: unknown backend {name!r} (sqlite, postgresql)")
        if not any(b == name for b, _ in chosen):
            from tests.perf.pgserver import default_server

            chosen.append((name, default_server() if name == "postgresql" else None))
    return chosen or [("sqlite", None)]


def _terminated(signum, frame):
    raise SystemExit(f"bench: terminated by signal {signum}")


def run(args) -> dict:
    """Every measure on each backend asked for. The report is the first backend's
    (``results``, ``book``...), with every backend's under ``backends``."""
    say = (lambda m: print(f"bench: {m}", file=sys.stderr, flush=True))
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _terminated)  # a kill cleans up as Ctrl-C does (copies dropped)
    reports: dict[str, dict] = {}
    work = Path(tempfile.mkdtemp(prefix="batchbill-bench-"))
    try:
        for backend, url in backends(args):
            if backend == "sqlite":
                reports["sqlite"] = run_sqlite(args, work, say)
            else:
                from tests.perf.pg import run_postgresql

                reports["postgresql"] = run_postgresql(args, url, work, say)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = dict(next(iter(reports.values())))
    report.update(backends=reports, seconds=round(time.monotonic() - started, 1),
                  all_met=all(r["all_met"] for r in reports.values()))
    return report


def main(argv: list[str] | None = None) -> int:
    from tests.perf.pgserver import PREFIX
    from tests.perf.report import side_by_side, table

    parser = argparse.ArgumentParser(prog="python -m tests.perf.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--months", type=int, default=DEFAULT_MONTHS)
    parser.add_argument("--runs", type=int, default=5, help="runs per measure (default 5)")
    parser.add_argument("--json", metavar="PATH", help="write every figure to this JSON file")
    parser.add_argument("--book", metavar="PATH", help="use this SQLite demo book instead of building one")
    parser.add_argument("--book-dir", metavar="DIR", help="where SQLite books are cached")
    parser.add_argument("--db", metavar="TARGET", action="append",
                        help="a backend to measure, repeatable, in this order: 'sqlite' (the cached book), "
                             "a SQLite book's path, or a PostgreSQL server URL "
                             "(postgresql://user@host:port/DBNAME; DBNAME is where the harness connects "
                             "to create and drop its own databases)")
    parser.add_argument("--backends", metavar="LIST",
                        help="comma-separated: sqlite, postgresql (the server $BATCHBILL_PERF_PG, "
                             "else postgresql://postgres@127.0.0.1:5432/postgres)")
    parser.add_argument("--pg-prefix", default=PREFIX,
                        help=f"name prefix of the PostgreSQL books and copies (default {PREFIX})")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached books")
    parser.add_argument("--import-mb", type=float, default=DEFAULT_IMPORT_MB,
                        help=f"size of the customers file the import measure reads (default {DEFAULT_IMPORT_MB})")
    parser.add_argument("--import-rows", type=int, default=20000, metavar="N",
                        help="tickets the import-rows measure imports (with their time entries; default 20000)")
    parser.add_argument("--only", metavar="LIST",
                        help=f"comma-separated measures to run (default all: {','.join(MEASURES)}); "
                             "export runs the save first, on whose saved copy it exports")
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(MEASURES) if args.only else set()
    if unknown:
        parser.error(f"--only: unknown measure(s) {', '.join(sorted(unknown))}; known: {', '.join(MEASURES)}")
    report = run(args)
    reports = report["backends"]
    for backend, rep in reports.items():
        where = rep["book"].get("path") or f"{rep['book']['database']} on {rep['book']['server']}"
        print(f"{backend}: {where} (period {rep['book']['period']}); {rep['runs']} runs; "
              f"{rep['seconds']} s; all targets met: {rep['all_met']}")
    print()
    print(side_by_side(reports) if len(reports) > 1 else table(report["results"]))
    print(f"\n{report['seconds']} s; all targets met: {report['all_met']}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
