"""The dashboard's benchmark summary kept in the book: read back equal to a fresh
computation while nothing it depends on moved, computed again as soon as the data,
the region, the day, imported rates or imported references change."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from store.benchmark import summary as summary_module
from store.benchmark.conversion import import_ecb_rates
from store.benchmark.references import import_references
from store.benchmark.summary import benchmark_summary, cached_benchmark_summary
from store.models import DerivedCache
from tests.store.test_benchmark import TODAY, _invoice, book  # noqa: F401  (the hand-made book)
from store.models import Contract, Customer


@pytest.fixture
def counted(monkeypatch):
    """Counts the real computations behind the cached call."""
    calls = []
    real = summary_module.benchmark_summary

    def spy(region=None, today=None):
        calls.append((region, today))
        return real(region, today)

    monkeypatch.setattr(summary_module, "benchmark_summary", spy)
    return calls


def test_a_cached_summary_is_equal_to_a_fresh_one_down_to_every_decimal(book):
    fresh = benchmark_summary("US", TODAY)
    first = cached_benchmark_summary("US", TODAY)
    again = cached_benchmark_summary("US", TODAY)
    assert first == fresh and again == fresh
    assert again.median_ehr_usd == Decimal("95.53") and str(again.median_ehr_usd) == "95.53"
    assert isinstance(again.trend, tuple) and again.rate_dates == fresh.rate_dates
    assert again.credit == fresh.credit and again.credit.startswith("Source: ECB")


def test_the_second_start_reads_the_summary_back_without_computing(book, counted):
    cached_benchmark_summary("US", TODAY)
    cached_benchmark_summary("US", TODAY)
    assert len(counted) == 1
    assert DerivedCache.select().count() == 1


def test_a_saved_invoice_moves_the_change_token_and_the_summary_is_computed_again(book, counted):
    before = cached_benchmark_summary("US", TODAY)
    # billing writes an audit event with every change; this hand-made invoice does what it does
    from store.billing import _audit

    delta = Customer.get(Customer.name == "Delta")
    _invoice(delta, dt.date(2026, 9, 3), [(Contract.get(Contract.name == "Delta hourly"), "2026-08",
                                          "ticket", 20000, 60)])
    _audit("test", "batch.save", "batch:x")
    after = cached_benchmark_summary("US", TODAY)
    assert len(counted) == 2
    assert after == benchmark_summary("US", TODAY) and after != before


def test_another_region_or_another_day_is_computed_for_itself(book, counted):
    us = cached_benchmark_summary("US", TODAY)
    de = cached_benchmark_summary("DE", TODAY)
    later = cached_benchmark_summary("US", TODAY + dt.timedelta(days=20))
    assert len(counted) == 3
    assert de.region == "DE" and us.region == "US"
    assert later.window_end == "2026-11" and us.window_end == "2026-10"


def test_imported_references_and_imported_rates_invalidate_the_summary(book, counted, tmp_path):
    cached_benchmark_summary("IL", TODAY)
    refs = tmp_path / "refs.csv"
    refs.write_text("region,metric,value,currency,statistic,year,sample_size,source,confidence,notes\n"
                    "IL,effective_hourly_rate,300,ILS,median,2025,40,https://example.org/il-survey,medium,\n")
    import_references(refs)
    il = cached_benchmark_summary("IL", TODAY)
    assert len(counted) == 2 and il.reference is not None and il.reference.row.sample_size == 40
    rates = tmp_path / "eurofxref-hist.csv"
    rates.write_text("Date,USD,GBP,\n2026-11-03,1.1500,0.8800,\n")
    import_ecb_rates(rates)
    cached_benchmark_summary("IL", TODAY)
    assert len(counted) == 3
    import_ecb_rates(rates)  # nothing new: nothing changed, the cache stays
    cached_benchmark_summary("IL", TODAY)
    assert len(counted) == 3


def test_a_cache_row_from_another_version_is_ignored_and_replaced(book, counted):
    cached_benchmark_summary("US", TODAY)
    DerivedCache.update(value='{"$": "Gone"}').execute()
    again = cached_benchmark_summary("US", TODAY)
    assert again == benchmark_summary("US", TODAY) and len(counted) == 2
    assert cached_benchmark_summary("US", TODAY) == again and len(counted) == 2


def test_a_book_locked_by_another_writer_gives_the_summary_at_once_without_keeping_it(book, counted):
    import sqlite3
    import time

    from store.db import is_postgres

    if is_postgres(book):
        pytest.skip("SQLite only: PostgreSQL has no database-wide write lock to hold")
    other = sqlite3.connect(str(book.batchbill_test_target), timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process in the middle of a save
        started = time.monotonic()
        summary = cached_benchmark_summary("US", TODAY)
        assert time.monotonic() - started < 5  # not the 30 s busy timeout
        assert summary == benchmark_summary("US", TODAY)
    finally:
        other.rollback()
        other.close()
    assert DerivedCache.select().count() == 0
    assert book.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 30000
    cached_benchmark_summary("US", TODAY)
    assert DerivedCache.select().count() == 1
