"""Migrations on a book with real rows: every invoice points at its batch, so a
migration that rebuilt the batch table would fail the foreign keys."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from store.migrations import SCHEMA_VERSION, current_version
from store.models import Batch, Customer, DerivedCache, Invoice, InvoiceLine, SchemaVersion


def test_a_version_1_book_with_invoices_opens_at_the_current_version_and_keeps_them(db):
    from store.book import open_database
    from store.db import close_database

    target = db.batchbill_test_target
    customer = Customer.create(name="Acme", region="US", currency="USD")
    batch = Batch.create(name="Demo 2026-09", created_by="ann", period="2026-09", status="saved")
    invoice = Invoice.create(number="INV-1", sequence=1, batch=batch, customer=customer, currency="USD",
                             issue_date=dt.date(2026, 10, 1), due_date=dt.date(2026, 10, 31),
                             subtotal=1000, tax=0, total=1000, status="issued")
    InvoiceLine.create(invoice=invoice, position=1, kind="ticket", period="2026-09", description="fix",
                       quantity=Decimal("1"), unit_price=1000, amount=1000, source_kind="ticket",
                       minutes_worked=60)
    # back to version 1: what versions 2 to 4 added goes
    db.execute_sql('ALTER TABLE "batch" DROP COLUMN "reviewed"')
    db.execute_sql("DROP INDEX IF EXISTS invoice_batch_totals")
    db.execute_sql("DROP INDEX IF EXISTS invoice_issued_totals")
    db.drop_tables([DerivedCache])
    SchemaVersion.update(version=1).execute()
    close_database()

    database = open_database(target)
    assert current_version(database) == SCHEMA_VERSION
    assert "reviewed" in {c.name for c in database.get_columns("batch")}
    assert database.table_exists("derived_cache")
    assert {"invoice_batch_totals", "invoice_issued_totals"} <= {i.name for i in database.get_indexes("invoice")}
    saved = Batch.get(Batch.name == "Demo 2026-09")
    assert saved.reviewed == "" and saved.status == "saved"
    assert Invoice.get(Invoice.number == "INV-1").batch_id == saved.id
    assert InvoiceLine.select().count() == 1
