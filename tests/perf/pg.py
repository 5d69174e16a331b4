"""The harness's measures on PostgreSQL (issue 16), each next to a floor measured
on the same server in the same run:

- cold start (both rows): the same probes as SQLite (the app started on the
  book's URL), floor the empty Textual app;
- search: ``store.search.search`` against the same ``tsvector``/GIN lookups the
  product sends (``invoice_search.tsv @@ to_tsquery('simple', ...)``), raw
  through psycopg2;
- plan: ``billing.plan`` against the SQLite floor's statement in PostgreSQL's
  dialect, through psycopg2;
- save: ``billing.save_batch`` on a fresh copy of the book against the rows it
  wrote, read back, written again with ``COPY`` in one transaction into another
  fresh copy (invoices, lines, ledger, search rows with their ``tsvector``, the
  tickets' status, the benchmark's facts and kept sums the save added, changed
  or removed, the batch's status);
- export: ``store.exports.export_invoices`` against one SQL read of the batch's
  lines, ``csv.writer`` and fsync;
- memory: the app's peak RSS on the large book against the default demo book,
  both on this server; keystroke: as on SQLite, on a copy of the book;
- import: ``batchbill import customers`` into an empty database of its own.

Every copy is a ``CREATE DATABASE ... TEMPLATE`` of a pristine database (the
cached demo book plus the two drafts the measures need), dropped afterwards.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import time

from tests.perf import bench
from tests.perf.bench import FORMATS, ROOT, SEED, TODAY, percentile, result
from tests.perf.pgserver import Server, copy_rows


class _Exec:
    """A psycopg2 connection that answers ``execute`` as sqlite3's does (for
    :func:`bench.search_queries`)."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql: str, args=()):
        cur = self.conn.cursor()
        cur.execute(sql, args or None)
        return cur


def pg_sql(sql: str) -> str:
    """The SQLite floor's statement in psycopg2's parameter style."""
    return re.sub(r":(\w+)", r"%(\1)s", sql.replace("?", "%s"))


def prepare(server: Server, book: str, period: str, role: str) -> tuple[str, dict]:
    """A pristine copy of the book with two drafts of the period for every
    customer (one to save, one for the editor); its database name."""
    from store import billing

    name = server.copy(book, role)
    with bench.store_open(server.url_of(name)):
        drafts = {r: billing.create_batch(f"bench {r} {period}", period, actor="bench").id
                  for r in ("save", "editor")}
    # The search index as the product leaves it since issue 16: a save of 500 rows or
    # more merges the GIN pending list (store/stats.py). Books built before that hold
    # months of unmerged rows, which every search (and the first save) would pay for.
    with contextlib.closing(server.connect(name)) as conn, conn, conn.cursor() as cur:
        cur.execute("SELECT gin_clean_pending_list(to_regclass('invoice_search_tsv'))")
    return name, drafts


# --------------------------------------------------------------------------- 1 cold start
def _drop_cached_summary(server: Server, name: str) -> None:
    with contextlib.closing(server.connect(name)) as conn, conn, conn.cursor() as cur:
        cur.execute("DELETE FROM derived_cache")


def bench_cold_start(server: Server, pristine: str, runs: int, say) -> list[dict]:
    bench._compile_project()
    url = server.url_of(pristine)
    warm, cold, floor = [], [], []
    bench._probe(["empty"])
    bench._probe(["coldstart", url, TODAY.isoformat()])  # also keeps the summary in the book
    for _ in range(runs):
        floor.append(bench._probe(["empty"])[0])
        warm.append(bench._probe(["coldstart", url, TODAY.isoformat()])[0])
        _drop_cached_summary(server, pristine)
        cold.append(bench._probe(["coldstart", url, TODAY.isoformat()])[0])
    say(f"pg cold start: {statistics.median(warm):.3f} s (summary kept), {statistics.median(cold):.3f} s "
        f"(computed) vs {statistics.median(floor):.3f} s")
    note = "process start to all three dashboard panels filled, headless run_test at 120x36, book on PostgreSQL"
    return [
        result("cold start", "s", warm, floor, limit=bench.LIMITS["cold start"], floor_label="empty Textual app",
               note=note + "; the benchmark summary kept by an earlier start"),
        result("cold start, summary computed", "s", cold, floor, limit=bench.LIMITS["cold start"],
               floor_label="empty Textual app", note=note + "; the kept summary deleted first: computed"),
    ]


# --------------------------------------------------------------------------- 2 search
SEARCH_FLOOR_SQL = ("SELECT invoice_id FROM invoice_search WHERE tsv @@ to_tsquery('simple', %s) "
                    "ORDER BY invoice_id DESC LIMIT %s")
# For a query with a rare word (an invoice number's digits: store.search.rare_word)
# the fastest lookup reads the GIN index for that word alone and checks its few rows
# against every word; the plain form reads the posting list of the number's prefix
# (ns:*), which every invoice holds, and on a large book the planner walks the
# primary key instead. The floor takes the fastest form, as the product does.
SEARCH_FLOOR_RARE_SQL = ("WITH hit AS MATERIALIZED (SELECT invoice_id, tsv FROM invoice_search "
                         "WHERE tsv @@ to_tsquery('simple', %s)) "
                         "SELECT invoice_id FROM hit WHERE tsv @@ to_tsquery('simple', %s) "
                         "ORDER BY invoice_id DESC LIMIT %s")


def search_floor(query: str, limit: int) -> tuple[str, tuple] | None:
    """The floor's statement and parameters for one query (None: no word to look up)."""
    from store.search import _TOKEN, fold, rare_word

    words = _TOKEN.findall(fold(query.replace(",", "")))
    if not words:
        return None
    every = " & ".join(f"{t}:*" for t in words)
    rare = [t for t in words if rare_word(t)]
    if rare:
        return SEARCH_FLOOR_RARE_SQL, (" & ".join(f"{t}:*" for t in rare), every, limit)
    return SEARCH_FLOOR_SQL, (every, limit)


def bench_search(server: Server, pristine: str, runs: int, say) -> dict:
    from store.search import PAGE_SIZE, search

    app, floor, slowest = [], [], []
    with contextlib.closing(server.connect(pristine)) as conn, bench.store_open(server.url_of(pristine)):
        conn.autocommit = True
        queries = bench.search_queries(_Exec(conn))
        cur = conn.cursor()
        floors = [search_floor(q, PAGE_SIZE) for q in queries]
        for q, statement in zip(queries, floors):  # warm both paths
            search(q)
            if statement:
                cur.execute(*statement)
                cur.fetchall()
        for _ in range(runs):
            for q, statement in zip(queries, floors):
                t0 = time.perf_counter()
                if statement:
                    cur.execute(*statement)
                    cur.fetchall()
                t1 = time.perf_counter()
                search(q)
                t2 = time.perf_counter()
                floor.append(t1 - t0)
                app.append(t2 - t1)
                slowest.append((t2 - t1, q))
    slowest.sort(reverse=True)
    say(f"pg search: p95 {percentile(app, 95) * 1000:.1f} ms vs {percentile(floor, 95) * 1000:.1f} ms")
    row = result("search", "s", app, floor, basis="p95", limit=bench.LIMITS["search"],
                 absolute=bench.LIMITS["search p95"],
                 floor_label="tsvector @@ tsquery (GIN; a number's digits first) via psycopg2",
                 note=f"{len(queries)} queries x {runs} runs, first page ({PAGE_SIZE} hits)")
    row["slowest_queries"] = [{"query": q, "s": round(s, 6)} for s, q in slowest[:5]]
    return row


# --------------------------------------------------------------------------- 3 plan
def plan_floor_sql() -> str:
    """bench.PLAN_FLOOR_SQL in PostgreSQL's dialect: the union's columns of
    different types made one (a ticket's close time, an expense's date and a
    customer's currency as text; a service item's quantity as a number)."""
    sql = pg_sql(bench.PLAN_FLOOR_SQL)
    for old, new in (("t.closed_at,\n", "t.closed_at::text,\n"), ("e.date, e.amount", "e.date::text, e.amount"),
                     ("cu.currency,", "cu.currency::text,"), ("s.quantity, s.unit_price", "s.quantity::numeric, s.unit_price")):
        assert old in sql, old
        sql = sql.replace(old, new)
    return sql


def bench_plan(server: Server, pristine: str, period: str, runs: int, say) -> tuple[dict, dict]:
    from store import billing
    from store.periods import parse_period

    span = parse_period(period)
    horizon = dt.date(span.end.year + (span.end.month > 1), 1, 1)
    params = {"start": span.start.isoformat(), "end": span.end.isoformat(), "period": period,
              "horizon": horizon.isoformat()}
    sql = plan_floor_sql()
    app, floor = [], []
    with contextlib.closing(server.connect(pristine)) as conn, bench.store_open(server.url_of(pristine)):
        conn.autocommit = True
        cur = conn.cursor()
        p = billing.plan(period, today=TODAY)
        cur.execute(sql, params)
        cur.fetchall()
        for _ in range(runs):
            floor_rows = p = None
            t0 = time.perf_counter()
            cur.execute(sql, params)
            floor_rows = cur.fetchall()
            t1 = time.perf_counter()
            p = billing.plan(period, today=TODAY)
            t2 = time.perf_counter()
            floor.append(t1 - t0)
            app.append(t2 - t1)
    items = sum(len(pe.items) for cu in p.customers for co in cu.contracts for pe in co.periods)
    shape = {"customers": len(p.customers), "items": items, "floor_rows": len(floor_rows)}
    say(f"pg plan: {statistics.median(app):.3f} s vs {statistics.median(floor):.3f} s ({shape})")
    return result("plan", "s", app, floor, limit=bench.LIMITS["plan"],
                  floor_label="one raw SQL statement over the same rows (psycopg2)",
                  note=f"period {period}, all customers: {shape['customers']} customers, {items} items"), shape


# --------------------------------------------------------------------------- 4 save
def _rows(cur, sql: str, *args) -> tuple[list[str], list[tuple]]:
    cur.execute(sql, args or None)
    return [d[0] for d in cur.description], cur.fetchall()


def _written_rows(server: Server, name: str, batch_id: int) -> dict:
    """What save_batch wrote, read back (as bench._written_rows does on SQLite)."""
    with contextlib.closing(server.connect(name)) as conn, conn.cursor() as cur:
        invoices = _rows(cur, "SELECT * FROM invoice WHERE batch_id = %s ORDER BY id", batch_id)
        ids = [r[0] for r in invoices[1]]
        lines = _rows(cur, "SELECT * FROM invoice_line WHERE invoice_id = ANY(%s) ORDER BY id", ids)
        ledger = _rows(cur, "SELECT * FROM billed_ledger WHERE batch_id = %s ORDER BY id", batch_id)
        search_rows = _rows(cur, "SELECT invoice_id, document, tsv::text AS tsv FROM invoice_search "
                                 "WHERE invoice_id = ANY(%s) ORDER BY invoice_id", ids)
        cur.execute("SELECT source_id FROM billed_ledger WHERE batch_id = %s AND source_kind = 'ticket'",
                    (batch_id,))
        tickets = [r[0] for r in cur.fetchall()]
    return {"invoice": invoices, "invoice_line": lines, "billed_ledger": ledger,
            "invoice_search": search_rows, "tickets": tickets}


def _table_rows(server: Server, name: str) -> dict:
    """table -> (columns, primary key column, set of rows) of the derived tables."""
    out = {}
    with contextlib.closing(server.connect(name)) as conn, conn.cursor() as cur:
        for table in bench.DERIVED_TABLES:
            cur.execute("SELECT to_regclass(%s)", (table,))
            if cur.fetchone()[0] is None:
                continue
            cur.execute("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
                        (table,))
            key = [r[0] for r in cur.fetchall()]
            cols, rows = _rows(cur, f'SELECT * FROM "{table}"')
            out[table] = (cols, key[0], set(rows))
    return out


def _derived_changes(before: dict, after: dict) -> dict:
    """table -> (columns, primary key, keys of rows removed or changed, rows added or changed)."""
    out = {}
    for table, (cols, key, rows) in after.items():
        old = before.get(table, (cols, key, set()))[2]
        at = cols.index(key)
        out[table] = (cols, key, [r[at] for r in old - rows], sorted(rows - old, key=lambda r: r[at]))
    return out


def _floor_save(server: Server, name: str, rows: dict, batch_id: int) -> float:
    with contextlib.closing(server.connect(name)) as conn:
        cur = conn.cursor()
        t0 = time.perf_counter()
        for table in ("invoice", "invoice_line", "billed_ledger", "invoice_search"):
            cols, data = rows[table]
            copy_rows(cur, table, cols, data)
        cur.execute("UPDATE ticket SET status = 'billed' WHERE id = ANY(%s)", (rows["tickets"],))
        for table, (cols, key, gone, data) in rows["derived"].items():
            if gone:
                cur.execute(f'DELETE FROM "{table}" WHERE "{key}" = ANY(%s)', (gone,))
            copy_rows(cur, table, cols, data)
        cur.execute("UPDATE batch SET status = 'saved' WHERE id = %s", (batch_id,))
        conn.commit()
        return time.perf_counter() - t0


def bench_save(server: Server, pristine: str, period: str, batch_id: int, runs: int,
               say) -> tuple[dict, str, dict]:
    from store import billing

    app, floor = [], []
    before = _table_rows(server, pristine)
    saved = shape = None
    for run in range(runs):
        target = server.copy(pristine, "save")
        server.settle()
        with bench.store_open(server.url_of(target)):
            p = billing.plan(period, today=TODAY)
            billing.selection_totals(p, frozenset())
            t0 = time.perf_counter()
            res = billing.save_batch(batch_id, actor="bench", today=TODAY, issue_date=TODAY, reviewed=p)
            app.append(time.perf_counter() - t0)
        rows = _written_rows(server, target, batch_id)
        rows["derived"] = _derived_changes(before, _table_rows(server, target))
        shape = {"invoices": len(rows["invoice"][1]), "lines": len(rows["invoice_line"][1]),
                 "ledger": len(rows["billed_ledger"][1]), "tickets": len(rows["tickets"]),
                 "benchmark_rows": sum(len(d[3]) for d in rows["derived"].values()),
                 "benchmark_rows_removed": sum(len(d[2]) for d in rows["derived"].values())}
        assert shape["invoices"] == len(res.invoice_numbers)
        floor_db = server.copy(pristine, "save_floor")
        server.settle()
        floor.append(_floor_save(server, floor_db, rows, batch_id))
        server.drop(floor_db)
        if run == runs - 1:
            saved = server.copy_name("saved")
            server.drop(saved)
            server.rename(target, saved)
            server.copies.discard(target)
            server.copies.add(saved)
        else:
            server.drop(target)
    say(f"pg save: {statistics.median(app):.3f} s vs {statistics.median(floor):.3f} s ({shape})")
    return (result("save", "s", app, floor, limit=bench.LIMITS["save"],
                   floor_label="COPY of the same rows, one transaction",
                   note=f"{shape['invoices']} invoices, {shape['lines']} lines, {shape['ledger']} ledger rows, "
                        f"{shape['benchmark_rows']} benchmark facts and kept sums added or changed, "
                        "reviewed plan given, fresh copy (CREATE DATABASE ... TEMPLATE) per run"),
            saved, shape)


# --------------------------------------------------------------------------- 5 export
def _floor_export(conn, batch_id: int, out, rows_wanted: int) -> float:
    cur = conn.cursor()
    t0 = time.perf_counter()
    cur.execute(pg_sql(bench.EXPORT_FLOOR_SQL), (batch_id,))
    data = cur.fetchall()
    if data:
        while len(data) < rows_wanted:
            data.extend(data[: rows_wanted - len(data)])
    with open(out, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(data[:rows_wanted])
        handle.flush()
        os.fsync(handle.fileno())
    return time.perf_counter() - t0


def bench_export(server: Server, saved: str, work, batch_id: int, runs: int, say) -> list[dict]:
    from store.exports import export_invoices

    out_rows = []
    out_dir = work / "exports-pg"
    out_dir.mkdir(exist_ok=True)
    with contextlib.closing(server.connect(saved)) as conn, bench.store_open(server.url_of(saved)):
        conn.autocommit = True
        for fmt in FORMATS:
            app, floor = [], []
            first = export_invoices(fmt=fmt, batch=batch_id, directory=out_dir, actor="bench")
            for _ in range(runs):
                os.sync()
                floor.append(_floor_export(conn, batch_id, out_dir / "floor.csv", first.rows))
                t0 = time.perf_counter()
                res = export_invoices(fmt=fmt, batch=batch_id, directory=out_dir, actor="bench")
                app.append(time.perf_counter() - t0)
            say(f"pg export {fmt}: {statistics.median(app):.3f} s vs {statistics.median(floor):.3f} s "
                f"({res.rows} rows, {len(res.files)} files)")
            out_rows.append(result(f"export: {fmt}", "s", app, floor, limit=bench.LIMITS["export"],
                                   floor_label="one SQL read (psycopg2) + csv.writer, same rows, fsync",
                                   note=f"{res.invoices} invoices, {res.rows} rows, {len(res.files)} file(s)"))
    return out_rows


# --------------------------------------------------------------------------- 6 memory, 7 keystroke
def bench_memory(server: Server, large: tuple[str, int], small: tuple[str, int], runs: int, say) -> dict:
    peaks = {"large": [], "small": []}
    screens = {}
    for _ in range(runs):
        for key, (name, batch_id) in (("small", small), ("large", large)):
            data = bench._probe_json(bench._probe(["memory", server.url_of(name), TODAY.isoformat(),
                                                   str(batch_id)])[1])
            peaks[key].append(data["rss_kib"]["peak"] / 1024)
            screens[key] = {k: round(v / 1024, 1) for k, v in data["rss_kib"].items()}
    say(f"pg memory: peak {statistics.median(peaks['large']):.0f} MiB vs {statistics.median(peaks['small']):.0f} MiB")
    row = result("memory", "MiB", peaks["large"], peaks["small"], limit=bench.LIMITS["memory"],
                 floor_label="default demo book (30 customers, 12 months) on the same server",
                 note="peak RSS after dashboard, batches, invoices, search, invoice detail, batch editor")
    row["screens_mib"] = screens
    return row


def bench_keystroke(server: Server, pristine: str, batch_id: int, presses: int, say) -> dict:
    target = server.copy(pristine, "editor")
    try:
        data = bench._probe_json(bench._probe(["keystroke", server.url_of(target), TODAY.isoformat(),
                                               str(batch_id), str(presses)])[1])
    finally:
        server.drop(target)
    paint = data["to_paint"]
    say(f"pg keystroke: p95 {percentile(paint, 95) * 1000:.1f} ms over {len(paint)} presses")
    row = result("keystroke", "s", paint, None, basis="p95", absolute=bench.LIMITS["keystroke"],
                 note=f"space on a customer node in the batch editor (Pilot, headless), "
                      f"{data['customers']} customers, book on PostgreSQL; key event to totals painted")
    row["to_totals"] = bench.summary(data["to_totals"])
    row["customers"] = data["customers"]
    return row


# --------------------------------------------------------------------------- 8 import
def bench_import(server: Server, work, megabytes: float, runs: int, say) -> dict:
    """bench.bench_import's measure with the book an empty database on the server."""
    source = work / "customers-import-pg.csv"
    rows = bench.write_customers_csv(source, megabytes)
    size_mb = source.stat().st_size / 1_000_000
    peaks, floors, seconds = [], [], []
    for _ in range(runs):
        target = server.create(server.copy_name("import"))
        try:
            proc = subprocess.run([sys.executable, "-c", bench._IMPORT_PROBE, str(source), target], cwd=ROOT,
                                  capture_output=True, text=True, timeout=1800)
        finally:
            server.drop(server.copy_name("import"))
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        if data["status"] != 0:
            raise RuntimeError(f"import failed ({data['status']}):\n{proc.stderr[-3000:]}")
        peaks.append(data["peak_kib"] / 1024)
        seconds.append(data["seconds"])
        base = subprocess.run([sys.executable, "-c", bench._BASELINE_PROBE], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
        floors.append(json.loads(base.stdout.strip().splitlines()[-1])["peak_kib"] / 1024)
    say(f"pg import: {size_mb:.1f} MB, {rows} customers in {statistics.median(seconds):.1f} s, "
        f"peak {statistics.median(peaks):.0f} MiB")
    row = result("import", "MiB", peaks, floors, absolute=200.0,
                 floor_label="the same process importing the modules only",
                 note=f"batchbill import customers, {size_mb:.1f} MB file, {rows} rows, into an empty database")
    row.update(seconds=bench.summary(seconds), file_mb=round(size_mb, 2), rows=rows)
    return row


# --------------------------------------------------------------------------- run
def run_postgresql(args, url: str, work, say) -> dict:
    """Every measure on the PostgreSQL server at ``url``; the backend's report."""
    started = time.monotonic()
    server = Server(url, prefix=args.pg_prefix)
    server.drop_stale(say)
    period = bench.previous_month(TODAY)
    try:
        book = server.ensure_book(args.customers, args.months, SEED, TODAY, ROOT, say, args.rebuild)
        small = server.ensure_book(None, None, SEED, TODAY, ROOT, say, args.rebuild)
        pristine, drafts = prepare(server, book, period, "large")
        small_pristine, small_drafts = prepare(server, small, period, "small")
        want = bench.wanted(args)
        results, plan_shape, save_shape = [], {}, {}
        if want("coldstart"):
            results.extend(bench_cold_start(server, pristine, args.runs, say))
        if want("search"):
            results.append(bench_search(server, pristine, args.runs, say))
        if want("plan"):
            plan_row, plan_shape = bench_plan(server, pristine, period, args.runs, say)
            results.append(plan_row)
        if want("save") or want("export"):
            save_row, saved, save_shape = bench_save(server, pristine, period, drafts["save"], args.runs, say)
            if want("save"):
                results.append(save_row)
        if want("export"):
            results.extend(bench_export(server, saved, work, drafts["save"], args.runs, say))
        if want("memory"):
            results.append(bench_memory(server, (pristine, drafts["editor"]),
                                        (small_pristine, small_drafts["editor"]), max(1, min(args.runs, 3)), say))
        if want("keystroke"):
            results.append(bench_keystroke(server, pristine, drafts["editor"], max(5, 4 * args.runs), say))
        if want("import"):  # one run: 50 MB of customers take about 6 minutes on PostgreSQL
            results.append(bench_import(server, work, args.import_mb, 1, say))
        if want("import-rows"):
            from tests.perf.importing import PostgresSide, bench_import_rows

            with contextlib.closing(server.connect(book)) as source:
                results.extend(bench_import_rows(PostgresSide(server), source, work, args.import_rows,
                                                 max(1, min(args.runs, 3)), say))
        book_size = server.size_of(book)
    finally:
        server.close()
    return {
        "backend": "postgresql",
        "book": {"database": book, "server": url, "customers": args.customers, "months": args.months,
                 "seed": SEED, "today": TODAY.isoformat(), "period": period, "small_book": small,
                 "bytes": book_size, "plan": plan_shape, "save": save_shape},
        "runs": args.runs,
        "machine": {"python": sys.version.split()[0], "cpus": os.cpu_count(), "postgresql": server.version,
                    "when": dt.datetime.now().isoformat(timespec="seconds")},
        "seconds": round(time.monotonic() - started, 1),
        "results": results,
        "all_met": all(r["met"] for r in results),
    }
