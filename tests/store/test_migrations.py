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
    assert current_version(database) == SCHEMA_VERSION
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

    from store import billing
    from store.benchmark.figures import Converter, summary_window
    from store.benchmark.kept import kept_figures
    from store.book import open_database
    from store.db import close_database
    from store.models import BenchmarkFact, BenchmarkMonth, BenchmarkPair, BenchmarkPeriod, BenchmarkState
    from tests.factories import contract, customer, ticket
    from tests.support.benchmark_oracle import python_figures

    today = dt.date(2026, 11, 15)
    cust = customer("Acme", "DE", "EUR", "0")
    hourly = contract(cust, "Hourly", "hourly", hourly_rate=9500)
    ticket(cust, hourly, closed=dt.datetime(2026, 10, 3), minutes=(75, 30))
    draft = billing.create_batch("oct", "2026-10", today=today)
    billing.save_batch(draft.id, today=today, issue_date=dt.date(2026, 11, 2))
    expected = python_figures(*summary_window(today), Converter(_rates()))
    target = db.batchbill_test_target
    db.drop_tables([BenchmarkFact, BenchmarkPair, BenchmarkMonth, BenchmarkPeriod, BenchmarkState])
    SchemaVersion.update(version=4).execute()
    close_database()

    database = open_database(target)
    assert current_version(database) == SCHEMA_VERSION
    assert BenchmarkFact.select().count() == 1 and BenchmarkPeriod.select().count() == 1
    figures = kept_figures(*summary_window(today), Converter(_rates()))
    assert figures is not None and vars(figures) == vars(expected)
    assert figures.contract_periods == 1 and figures.customer_months == 1


def _rates():
    from store.benchmark.conversion import RateBook

    return RateBook()


def test_a_version_5_ledger_becomes_one_row_per_month_and_overlaps_are_reported(db):
    """Version 6: label-keyed ledger rows become one row per calendar month; a month
    billed twice under two labels (the old bug) is kept, reported as an audit event
    and by `batchbill status`, never hidden."""
    import datetime as dt
    import json

    import pytest
    from peewee import IntegrityError

    from store import billing
    from store.book import open_database
    from store.db import close_database
    from store.models import AuditEvent, BilledLedger
    from store.status import ledger_overlaps
    from tests.factories import contract, customer

    today = dt.date(2027, 1, 15)
    cust = customer("Acme")
    rmm = contract(cust, "RMM", "per_device", period="on_demand", device_count=5, device_rate=1000)
    draft = billing.create_batch("October", "2026-10", today=today)
    billing.save_batch(draft.id, today=today)
    # the quarter's batch as version 5 made it (today create_batch refuses it: October is billed)
    quarter = Batch.create(name="Q4", created_by="ann", period="2026-Q4", status="saved")
    # back to the version 5 ledger: keyed by label, and the quarter billed over October
    db.execute_sql("DROP INDEX billed_ledger_source_kind_source_id_month")
    db.execute_sql("ALTER TABLE billed_ledger DROP COLUMN month")
    db.execute_sql("CREATE UNIQUE INDEX billed_ledger_source_kind_source_id_period "
                   "ON billed_ledger (source_kind, source_id, period)")
    db.execute_sql("INSERT INTO billed_ledger (source_kind, source_id, period, batch_id) "
                   f"VALUES ('device', {rmm.id}, '2026-Q4', {quarter.id})")
    SchemaVersion.update(version=5).execute()
    target = db.batchbill_test_target
    close_database()

    database = open_database(target)
    assert current_version(database) == SCHEMA_VERSION
    rows = sorted((r.month, r.period, r.batch_id) for r in BilledLedger.select().where(
        BilledLedger.source_kind == "device"))
    assert [m.partition("!")[0] for m, _, _ in rows] == ["2026-10", "2026-10", "2026-11", "2026-12"]
    assert rows[0] == ("2026-10", "2026-10", draft.id)
    assert [(m, b) for m, _, b in rows if "!overlap" in m][0][1] == quarter.id
    (event,) = AuditEvent.select().where(AuditEvent.action == "ledger.overlap")
    assert event.subject == f"device:{rmm.id}"
    details = json.loads(event.details)
    assert details["month"] == "2026-10"
    assert details["first"]["batch_id"] == draft.id and details["again"]["batch_id"] == quarter.id
    assert ledger_overlaps() == [{"source": f"device:{rmm.id}", "month": "2026-10", "batch": "Q4",
                                  "period": "2026-Q4"}]
    # the unique index is by month now: November cannot be billed again under any label
    with pytest.raises(IntegrityError):
        with database.atomic():
            BilledLedger.create(source_kind="device", source_id=rmm.id, period="2026-11",
                                month="2026-11", batch=draft.id)


def test_version_6_gives_old_ticket_rows_their_period_so_late_block_overage_counts_them(db):
    """A block period billed before version 6 (ticket rows keyed '*' with no label): after
    the migration a late ticket's overage still counts the minutes billed before."""
    import datetime as dt
    from decimal import Decimal

    from store import billing
    from store.book import open_database
    from store.db import close_database
    from store.models import BilledLedger
    from tests.factories import contract, customer, ticket

    today = dt.date(2027, 1, 15)
    cust = customer("Acme", tax="0")
    block = contract(cust, "Block", "block_hours", block_hours=Decimal(10), block_fee=90000,
                     overage_rate=11000)
    ticket(cust, block, minutes=(720,))  # 12 h: 2 h over, billed
    draft = billing.create_batch("Oct", "2026-10", today=today)
    billing.save_batch(draft.id, today=today)
    # as version 5 wrote them: ticket rows with period '*', overage keyed by label
    db.execute_sql("DROP INDEX billed_ledger_source_kind_source_id_month")
    db.execute_sql("ALTER TABLE billed_ledger DROP COLUMN month")
    db.execute_sql("UPDATE billed_ledger SET period = '*' WHERE source_kind = 'ticket'")
    SchemaVersion.update(version=5).execute()
    target = db.batchbill_test_target
    close_database()
    open_database(target)
    assert BilledLedger.get(BilledLedger.source_kind == "ticket").period == "2026-10"
    ticket(cust, block, minutes=(60,), closed=dt.datetime(2026, 10, 28))
    late = billing.create_batch("Oct late", "2026-10", today=today)
    assert billing.save_batch(late.id, today=today).totals == {"USD": 11000}  # 1 h more, not 0


def test_a_version_6_book_gains_the_customer_invoice_identity_fields_empty(db):
    """Version 7 adds the customers' e-invoice fields in place: existing customers
    keep their rows (invoices point at them) and get empty values."""
    from store.book import open_database
    from store.db import close_database
    from store.models import CUSTOMER_IDENTITY_FIELDS, Customer

    target = db.batchbill_test_target
    Customer.create(name="Old Customer Ltd", region="UK", currency="GBP")
    for name in CUSTOMER_IDENTITY_FIELDS:
        db.execute_sql(f'ALTER TABLE "customer" DROP COLUMN "{name}"')
    SchemaVersion.update(version=6).execute()
    close_database()

    database = open_database(target)
    assert current_version(database) == SCHEMA_VERSION >= 7
    assert set(CUSTOMER_IDENTITY_FIELDS) <= {c.name for c in database.get_columns("customer")}
    row = Customer.get(Customer.name == "Old Customer Ltd")
    assert row.region == "UK" and row.vat_id == "" and row.vat_category == "" and row.city == ""
