"""Migrations run on open: a database at an older schema version is brought
up to date without losing its rows."""
from __future__ import annotations

from store.migrations import SCHEMA_VERSION, current_version
from store.models import Batch, SchemaVersion


def test_a_version_3_database_gains_batch_reviewed_and_keeps_its_rows(db):
    from store.book import open_database
    from store.db import close_database

    target = db.batchbill_test_target
    Batch.create(name="old draft", created_by="ann", period="2026-10")
    db.execute_sql('ALTER TABLE "batch" DROP COLUMN "reviewed"')
    SchemaVersion.update(version=3).execute()
    close_database()

    database = open_database(target)
    assert current_version(database) == SCHEMA_VERSION >= 6
    assert "reviewed" in {c.name for c in database.get_columns("batch")}
    row = Batch.get(Batch.name == "old draft")
    assert row.reviewed == "" and row.created_by == "ann"


def test_a_newer_database_is_refused_with_a_reason(sqlite_db):
    import pytest

    from store.book import open_database
    from store.db import close_database

    SchemaVersion.update(version=SCHEMA_VERSION + 1).execute()
    close_database()
    from store.errors import BatchbillError

    with pytest.raises(BatchbillError, match="newer than this batchbill"):
        open_database(sqlite_db.batchbill_test_target)


def test_a_version_4_book_with_invoices_gets_its_benchmark_facts_and_sums(db):
    """Version 5 fills the benchmark's facts and kept sums from the invoices already there:
    the summary on the migrated book is the one computed from its invoice lines."""
    import datetime as dt

    from store import benchmark, billing
    from store.book import open_database
    from store.db import close_database
    from store.models import BenchmarkFact, BenchmarkMonth, BenchmarkPair, BenchmarkPeriod, BenchmarkState
    from tests.factories import contract, customer, ticket

    today = dt.date(2026, 11, 15)
    cust = customer("Acme", "DE", "EUR", "0")
    hourly = contract(cust, "Hourly", "hourly", hourly_rate=9500)
    ticket(cust, hourly, closed=dt.datetime(2026, 10, 3), minutes=(75, 30))
    draft = billing.create_batch("oct", "2026-10", today=today)
    billing.save_batch(draft.id, today=today, issue_date=dt.date(2026, 11, 2))
    expected = benchmark._figures_python(*benchmark._window(today), benchmark._Converter(_rates()))
    target = db.batchbill_test_target
    db.drop_tables([BenchmarkFact, BenchmarkPair, BenchmarkMonth, BenchmarkPeriod, BenchmarkState])
    SchemaVersion.update(version=4).execute()
    close_database()

    database = open_database(target)
    assert current_version(database) == SCHEMA_VERSION >= 6
    assert BenchmarkFact.select().count() == 1 and BenchmarkPeriod.select().count() == 1
    figures = benchmark._figures_kept(*benchmark._window(today), benchmark._Converter(_rates()))
    assert figures is not None and vars(figures) == vars(expected)
    assert figures.contract_periods == 1 and figures.customer_months == 1


def _rates():
    from store.rates import RateBook

    return RateBook()


def test_a_version_5_book_gains_the_customer_invoice_identity_fields_empty(db):
    """Version 6 adds the customers' e-invoice fields in place: existing customers
    keep their rows (invoices point at them) and get empty values."""
    from store.book import open_database
    from store.db import close_database
    from store.models import CUSTOMER_IDENTITY_FIELDS, Customer

    target = db.batchbill_test_target
    Customer.create(name="Old Customer Ltd", region="UK", currency="GBP")
    for name in CUSTOMER_IDENTITY_FIELDS:
        db.execute_sql(f'ALTER TABLE "customer" DROP COLUMN "{name}"')
    SchemaVersion.update(version=5).execute()
    close_database()

    database = open_database(target)
    assert current_version(database) == SCHEMA_VERSION >= 6
    assert set(CUSTOMER_IDENTITY_FIELDS) <= {c.name for c in database.get_columns("customer")}
    row = Customer.get(Customer.name == "Old Customer Ltd")
    assert row.region == "UK" and row.vat_id == "" and row.vat_category == "" and row.city == ""
