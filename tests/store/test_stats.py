"""Planner statistics after bulk writes (issue 16, store/stats.py): the demo,
an import and a save leave the tables they wrote analyzed on PostgreSQL (the
test server runs with autovacuum off, as the issue's did), and run
``PRAGMA optimize`` on SQLite; a small write pays for nothing."""
from __future__ import annotations

import datetime as dt

import pytest

from store import billing, stats
from store.demo import make_demo
from store.importing import import_bytes
from store.models import Customer

TODAY = dt.date(2026, 5, 15)
DEMO_TABLES = ("customer", "contract", "service_item", "ticket", "time_entry", "expense")
SAVE_TABLES = ("invoice", "invoice_line", "billed_ledger", "invoice_search")


@pytest.fixture
def low_threshold(monkeypatch):
    """A small book stands for a large one: statistics are due from 5 rows."""
    monkeypatch.setattr(stats, "MIN_ROWS", 5)


def _pg_stats(database, table: str) -> tuple[float, object, int]:
    """(pg_class.reltuples, pg_stat_user_tables.last_analyze, count(*))."""
    reltuples, last = database.execute_sql(
        "SELECT c.reltuples, s.last_analyze FROM pg_class c "
        "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = to_regclass(%s)",
        (table,)).fetchone()
    count = database.execute_sql(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    return reltuples, last, count


def _assert_analyzed(database, tables) -> None:
    for table in tables:
        reltuples, last, count = _pg_stats(database, table)
        assert count > 0, table
        assert last is not None, f"{table} was never analyzed"
        # a small table is analyzed whole: its statistics know every row
        assert reltuples == count, (table, reltuples, count)


def test_the_rule_is_a_floor_plus_a_share_of_the_known_rows():
    assert stats.MIN_ROWS == 500 and stats.SHARE == 0.10
    assert not stats.due(499, -1)          # never analyzed, a small write
    assert stats.due(500, -1)              # never analyzed, a bulk write
    assert stats.due(500, 0)
    assert not stats.due(1_000, 42_000)    # a month's save on a large book: 1,000 < 500 + 4,200
    assert stats.due(4_700, 42_000)
    assert stats.due(128_000, -1)          # the demo's time entries


@pytest.mark.postgres
def test_demo_leaves_every_table_it_filled_analyzed_on_postgresql(pg_db, low_threshold):
    make_demo(customers=6, months=3, seed=1, today=TODAY, bill=False)
    _assert_analyzed(pg_db, DEMO_TABLES)
    # the tables it did not write are left alone
    assert _pg_stats(pg_db, "invoice")[1] is None


@pytest.mark.postgres
def test_a_saved_batch_leaves_its_tables_analyzed_on_postgresql(pg_db, low_threshold):
    make_demo(customers=6, months=3, seed=1, today=TODAY, bill=False)
    batch = billing.create_batch(name="April", period="2026-04", actor="t", today=TODAY)
    result = billing.save_batch(batch.id, actor="t", issue_date=TODAY, today=TODAY)
    assert result.invoice_numbers
    _assert_analyzed(pg_db, SAVE_TABLES)
    # the demo's own billing (one save a month) leaves them analyzed too


def _gin_pending_pages(database) -> int:
    """Pages the search index's pending list held (merging them now)."""
    return database.execute_sql("SELECT gin_clean_pending_list('invoice_search_tsv'::regclass)").fetchone()[0]


@pytest.mark.postgres
@pytest.mark.parametrize("large", [True, False])
def test_a_large_save_leaves_the_search_index_pending_list_merged(pg_db, monkeypatch, large):
    if large:
        monkeypatch.setattr(stats, "MIN_ROWS", 5)
    make_demo(customers=6, months=3, seed=1, today=TODAY, bill=False)
    batch = billing.create_batch(name="April", period="2026-04", actor="t", today=TODAY)
    assert len(billing.save_batch(batch.id, actor="t", issue_date=TODAY, today=TODAY).invoice_numbers) >= 5
    # a large save merged its index rows; a small one left them for later (autovacuum)
    assert (_gin_pending_pages(pg_db) == 0) is large


@pytest.mark.postgres
def test_a_small_save_pays_for_no_analyze_on_postgresql(pg_db):
    make_demo(customers=3, months=2, seed=1, today=TODAY, bill=False)
    batch = billing.create_batch(name="April", period="2026-04", actor="t", today=TODAY)
    billing.save_batch(batch.id, actor="t", issue_date=TODAY, today=TODAY)
    reltuples, last, count = _pg_stats(pg_db, "invoice")
    assert 0 < count < stats.MIN_ROWS
    assert last is None and reltuples < 0  # never analyzed: below the floor


@pytest.mark.postgres
def test_an_import_leaves_its_table_analyzed_on_postgresql(pg_db, low_threshold):
    lines = ["external_id,name,region,currency"] + [f"C{n},Customer {n},US,USD" for n in range(40)]
    summary = import_bytes("customers", ("\n".join(lines) + "\n").encode(), "customers.csv")
    assert summary.created == 40
    _assert_analyzed(pg_db, ("customer",))


@pytest.mark.postgres
def test_changes_from_earlier_writes_add_up_on_postgresql(pg_db):
    """n_mod_since_analyze counts the small writes in between: a table whose
    changes reach the floor is analyzed even if this write alone is small."""
    Customer.insert_many([{"name": f"C{n}", "region": "US", "currency": "USD"} for n in range(600)]).execute()
    pg_db.execute_sql("SELECT pg_stat_force_next_flush()")
    pg_db.execute_sql("SELECT 1")  # the flush happens when the backend next reports
    import time

    for _ in range(40):
        modified = pg_db.execute_sql(
            "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relid = to_regclass('customer')"
        ).fetchone()[0]
        if modified >= 600:
            break
        time.sleep(0.1)
    assert stats.refresh_statistics({"customer": 1}) == ["customer"]
    assert _pg_stats(pg_db, "customer")[0] == 600


def test_sqlite_runs_pragma_optimize_after_a_bulk_write(sqlite_db, low_threshold):
    make_demo(customers=6, months=3, seed=1, today=TODAY, bill=False)
    assert stats.refresh_statistics({"ticket": 10}) == ["PRAGMA optimize"]
    assert stats.refresh_statistics({"ticket": 4}) == []  # below the floor: nothing
    assert stats.refresh_statistics({}) == []


def test_demo_import_and_save_report_the_tables_they_wrote(sqlite_db, monkeypatch):
    calls = []
    real = stats.refresh_statistics

    def spy(written, database=None):
        calls.append(dict(written))
        return real(written, database)

    for module in ("store.demo", "store.importing.writing", "store.billing.save"):
        monkeypatch.setattr(f"{module}.refresh_statistics", spy)
    report = make_demo(customers=6, months=3, seed=1, today=TODAY, bill=False)
    demo = calls.pop(0)
    assert demo["ticket"] == report.tickets and demo["time_entry"] == report.time_entries
    assert demo["expense"] == report.expenses and demo["customer"] == 6
    batch = billing.create_batch(name="April", period="2026-04", actor="t", today=TODAY)
    result = billing.save_batch(batch.id, actor="t", issue_date=TODAY, today=TODAY)
    save = calls.pop(0)
    assert save["invoice"] == len(result.invoice_numbers) == save["invoice_search"]
    assert save["invoice_line"] > 0 and save["billed_ledger"] > 0 and save["ticket"] > 0
    import_bytes("customers", b"external_id,name,region,currency\nX1,New one,US,USD\n", "customers.csv")
    assert calls == [{"customer": 1}]


def test_regression_facts_refresh_names_the_batch_days_not_a_sub_select(db, monkeypatch):
    """Issue 16: the benchmark facts' refresh read the batch's days through
    ``issue_date IN (SELECT issue_date FROM invoice WHERE batch_id = ?)``; on
    PostgreSQL the just-written batch is not in the statistics, the planner took
    the sub-select for one row and scanned every invoice and fact once per
    invoice of the batch: the demo's months got slower as the book grew. The
    days are now literals, and the facts are still right."""
    import peewee

    seen = []
    cls = type(db)
    real = cls.execute_sql

    def spy(self, sql, params=None, *args, **kwargs):
        seen.append(sql)
        return real(self, sql, params, *args, **kwargs)

    make_demo(customers=4, months=3, seed=1, today=TODAY, bill=False)
    monkeypatch.setattr(cls, "execute_sql", spy)
    batch = billing.create_batch(name="April", period="2026-04", actor="t", today=TODAY)
    result = billing.save_batch(batch.id, actor="t", issue_date=TODAY, today=TODAY)
    monkeypatch.setattr(cls, "execute_sql", real)
    assert result.invoice_numbers
    facts = [s for s in seen if "benchmark_fact" in s or "benchmark_pair" in s]
    assert facts and not [s for s in facts if "IN (SELECT issue_date" in s]
    assert any("'2026-05-15'" in s for s in seen)
    days = db.execute_sql('SELECT DISTINCT issue_date FROM "benchmark_fact"').fetchall()
    assert [str(d)[:10] for (d,) in days] == ["2026-05-15"]
    assert isinstance(db, peewee.Database)


def test_a_table_analyzed_before_gets_a_sample_sized_to_its_changes():
    """A refresh reads about as many rows as were changed (issue 16: with the
    server's target each month's save re-read 30,000 rows of every table it
    made due, ten times the first month's work)."""
    assert stats.sample_target(128_000, -1, 100) == 100    # never analyzed: the server's
    assert stats.sample_target(600, 0, 100) == 10          # at least 3,000 rows
    assert stats.sample_target(6_000, 40_000, 100) == 20   # a month's 6,000 lines: 6,000 rows
    assert stats.sample_target(20_001, 400_000, 100) == 67
    assert stats.sample_target(90_000, 40_000, 100) == 100  # never above the server's
    assert stats.sample_target(900, 4_000, 5) == 5          # nor when the server's is lower


def _histogram_size(database, table: str, column: str) -> int:
    return database.execute_sql(
        "SELECT array_length(histogram_bounds::text::text[], 1) FROM pg_stats "
        "WHERE schemaname = current_schema() AND tablename = %s AND attname = %s",
        (table, column)).fetchone()[0]


@pytest.mark.postgres
def test_the_sample_follows_the_write_not_the_table_on_postgresql(pg_db):
    server = pg_db.execute_sql("SHOW default_statistics_target").fetchone()[0]
    Customer.insert_many([{"name": f"C{n:05d}", "region": "US", "currency": "USD"}
                          for n in range(4000)]).execute()
    assert stats.refresh_statistics({"customer": 4000}) == ["customer"]
    assert _histogram_size(pg_db, "customer", "name") == int(server) + 1  # first: the server's
    Customer.insert_many([{"name": f"D{n:05d}", "region": "US", "currency": "USD"}
                          for n in range(1000)]).execute()
    assert stats.refresh_statistics({"customer": 1000}) == ["customer"]  # 1,000 >= 500 + 400
    assert _histogram_size(pg_db, "customer", "name") == stats.MIN_TARGET + 1  # 3,000 rows
    assert pg_db.execute_sql("SHOW default_statistics_target").fetchone()[0] == server


def test_regression_facts_probe_of_a_new_day_counts_by_the_index_not_limit_1(db, monkeypatch):
    """Issue 16, the demo month by month: ``SELECT 1 FROM benchmark_fact WHERE
    issue_date IN (...) LIMIT 1`` read every fact on PostgreSQL once the
    statistics held fewer issue dates than the book had (the planner expected
    the new day among the first rows of a sequential scan; there were none).
    The probe counts (an index look-up whatever the statistics), and the
    facts are still right."""
    seen = []
    cls = type(db)
    real = cls.execute_sql

    def spy(self, sql, params=None, *args, **kwargs):
        seen.append(sql)
        return real(self, sql, params, *args, **kwargs)

    make_demo(customers=4, months=3, seed=1, today=TODAY, bill=False)
    monkeypatch.setattr(cls, "execute_sql", spy)
    batch = billing.create_batch(name="April", period="2026-04", actor="t", today=TODAY)
    assert billing.save_batch(batch.id, actor="t", issue_date=TODAY, today=TODAY).invoice_numbers
    monkeypatch.setattr(cls, "execute_sql", real)
    probes = [s for s in seen if s.startswith("SELECT") and 'FROM "benchmark_fact" WHERE issue_date IN' in s]
    assert probes and all("LIMIT 1" not in s and "count(*)" in s for s in probes)
    days = db.execute_sql('SELECT DISTINCT issue_date FROM "benchmark_fact"').fetchall()
    assert [str(d)[:10] for (d,) in days] == ["2026-05-15"]
