"""The export service on a real database: loading invoices in a few queries,
writing files atomically, marking invoices exported, refusing void ones,
re-exports, settings, and a saved demo batch through every format."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from store import settings
from store.errors import NotFoundError, ValidationError
from store.exports import export_invoices
from store.invoices import batch_invoices, export_settings, load_invoice
from store.models import AuditEvent, Batch, Contract, Customer, Invoice, InvoiceLine
from store.money import line_amount, tax_amount
from tests.support.checks import check_paths
from tests.support.statements import statements_sent

ISSUE = dt.date(2026, 11, 1)


@pytest.fixture
def out(tmp_path):
    """An empty directory for export files (out also holds the SQLite file)."""
    path = tmp_path / "exports"
    path.mkdir()
    return path


def make_book(invoices=2, lines_each=2, status="saved", name="October 2026", customer_name="Acme, Inc."):
    """A saved batch with invoices created directly through the models."""
    customer = Customer.create(name=customer_name, region="US", currency="USD", tax_rate=Decimal("0.0825"),
                               email="ap@acme.example", address="1 Main St")
    contract = Contract.create(customer=customer, name="Support", type="hourly", currency="USD",
                               start_date=dt.date(2026, 1, 1), hourly_rate=12500)
    batch = Batch.create(name=name, created_by="ann", period="2026-10", status=status)
    start = (Invoice.select().count() or 0) + 1
    for n in range(start, start + invoices):
        qtys = [Decimal("1.50") + i for i in range(lines_each)]
        amounts = [line_amount(q, 12500) for q in qtys]
        subtotal = sum(amounts)
        tax = tax_amount(amounts[0], Decimal("0.0825"))  # first line taxable only
        inv = Invoice.create(
            number=f"INV-{n:06d}", sequence=n, batch=batch, customer=customer, currency="USD",
            issue_date=ISSUE, due_date=ISSUE + dt.timedelta(days=30), subtotal=subtotal, tax=tax,
            total=subtotal + tax, tax_rate=Decimal("0.0825"),
        )
        for i, (q, a) in enumerate(zip(qtys, amounts), 1):
            InvoiceLine.create(
                invoice=inv, position=i, kind="ticket", contract=contract, period="2026-10",
                description=f"T-{n}{i} =SUM(1) work" if i == 2 else f"T-{n}{i} printer", quantity=q,
                unit_price=12500, amount=a, taxable=(i == 1), source_kind="ticket", source_id=n * 10 + i,
            )
    return batch


def test_load_invoice_returns_lines_customer_and_contract_names(db):
    make_book()
    inv = load_invoice("INV-000001")
    assert (inv.customer.name, inv.batch_name, inv.currency, inv.total) == ("Acme, Inc.", "October 2026", "USD", 51547)
    assert [(ln.position, ln.contract, ln.quantity, ln.amount) for ln in inv.lines] == [
        (1, "Support", Decimal("1.50"), 18750), (2, "Support", Decimal("2.50"), 31250)]
    with pytest.raises(NotFoundError, match="no invoice INV-999999"):
        load_invoice("INV-999999")


def test_batch_invoices_load_in_a_constant_number_of_queries(db):
    batch = make_book(invoices=40, lines_each=3)
    invoices, queries = statements_sent(db, lambda: batch_invoices(batch.name))
    assert len(invoices) == 40 and all(len(inv.lines) == 3 for inv in invoices)
    assert len(queries) <= 3


def test_export_settings_come_from_stored_settings(db):
    settings.set_value("ar_account", "A/R - Trade")
    settings.set_value("income_account.ticket", "Labor Income")
    settings.set_value("home_region", "DE")
    s = export_settings()
    assert s.ar_account == "A/R - Trade"
    assert s.income_account("ticket") == "Labor Income"
    assert s.item_name("expense") == "Reimbursed Expenses"
    assert s.date_format("xero-csv") == "DD/MM/YYYY"
    assert s.date_format("qbo-csv") == "MM/DD/YYYY"


@pytest.mark.parametrize("fmt", ["qbo-csv", "qbd-iif", "xero-csv", "csv"])
def test_exporting_a_batch_writes_a_valid_file_and_marks_invoices_exported(db, out, fmt):
    batch = make_book()
    result = export_invoices(fmt=fmt, batch=str(batch.id), directory=out)
    ext = {"qbo-csv": "-qbo.csv", "qbd-iif": ".iif", "xero-csv": "-xero.csv", "csv": ".csv"}[fmt]
    assert result.files == [out / f"october-2026{ext}"]
    assert result.invoices == 2
    assert check_paths(fmt, result.files) == []
    assert not list(out.glob(".*tmp"))
    rows = Invoice.select().order_by(Invoice.number)
    assert [(r.status, r.export_count) for r in rows] == [("exported", 1), ("exported", 1)]
    assert all(r.exported_at is not None for r in rows)
    event = AuditEvent.select().where(AuditEvent.action == "export").get()
    assert json.loads(event.details)["format"] == fmt
    assert result.reexported == []


def test_re_export_is_allowed_and_says_so(db, out):
    make_book(invoices=1)
    export_invoices(fmt="csv", numbers=["INV-000001"], directory=out)
    again = export_invoices(fmt="csv", numbers=["INV-000001"], directory=out)
    assert len(again.reexported) == 1
    assert again.reexported[0].startswith("INV-000001 was exported before (csv on ")
    assert again.reexported[0].endswith("); exported again as csv")
    assert Invoice.get(Invoice.number == "INV-000001").export_count == 2
    assert again.files == [out / "INV-000001.csv"]


def test_a_void_invoice_is_refused_and_nothing_is_written(db, out):
    make_book(invoices=2)
    Invoice.update(status="void").where(Invoice.number == "INV-000002").execute()
    with pytest.raises(ValidationError, match="INV-000002 is void"):
        export_invoices(fmt="qbo-csv", numbers=["INV-000001", "INV-000002"], directory=out)
    assert list(out.iterdir()) == []
    assert Invoice.get(Invoice.number == "INV-000001").status == "issued"


def test_a_saved_batch_exports_its_non_void_invoices_only(db, out):
    batch = make_book(invoices=3)
    Invoice.update(status="void").where(Invoice.number == "INV-000002").execute()
    result = export_invoices(fmt="csv", batch=batch.name, out_path=out / "out.csv")
    assert result.invoices == 2 and result.skipped_void == ["INV-000002"]
    numbers = {r["invoice_number"] for r in csv.DictReader(io.StringIO((out / "out.csv").read_text("utf-8")))}
    assert numbers == {"INV-000001", "INV-000003"}
    assert Invoice.get(Invoice.number == "INV-000002").status == "void"


def test_voided_and_draft_batches_are_refused(db, out):
    voided = make_book(invoices=1, status="voided", name="Voided")
    voided.void_reason = "wrong period"
    voided.voided_by = "bob"
    voided.save()
    with pytest.raises(ValidationError, match=r"was voided .* \(wrong period\)"):
        export_invoices(fmt="csv", batch="Voided", directory=out)
    Batch.create(name="Draft", created_by="ann", period="2026-11", status="draft")
    with pytest.raises(ValidationError, match="is a draft: nothing is saved yet"):
        export_invoices(fmt="csv", batch="Draft", directory=out)
    with pytest.raises(NotFoundError, match="no batch 'nope'"):
        export_invoices(fmt="csv", batch="nope", directory=out)
    assert list(out.iterdir()) == []


def test_a_large_batch_is_split_into_numbered_files(db, out):
    batch = make_book(invoices=101, lines_each=1)
    result = export_invoices(fmt="qbo-csv", batch=batch.id, out_path=out / "oct.csv")
    assert result.files == [out / "oct-1.csv", out / "oct-2.csv"]
    assert [(d.invoices, d.rows) for d in result.details] == [(100, 100), (1, 1)]
    assert check_paths("qbo-csv", result.files) == []
    assert Invoice.select().where(Invoice.status == "exported").count() == 101


def test_a_refused_export_leaves_invoices_unmarked(db, out):
    make_book(invoices=1)
    InvoiceLine.update(description="x").execute()
    Invoice.update(number="INV-2026-OCTOBER-0000001").execute()
    with pytest.raises(ValidationError, match="at most 21"):
        export_invoices(fmt="qbo-csv", numbers=["INV-2026-OCTOBER-0000001"], directory=out)
    assert Invoice.get().status == "issued"
    assert list(out.iterdir()) == []


def test_a_saved_demo_batch_passes_the_checker_in_every_format(sqlite_db, out):
    demo = pytest.importorskip("store.demo")
    demo.make_demo(customers=6, months=3, today=dt.date(2026, 11, 15))
    saved = Batch.select().where(Batch.status == "saved").order_by(Batch.id.desc()).first()
    assert saved is not None, "the demo saved no batch"
    for fmt in ("qbo-csv", "qbd-iif", "xero-csv", "csv"):
        result = export_invoices(fmt=fmt, batch=saved.id, directory=out)
        assert result.invoices > 0
        assert check_paths(fmt, result.files) == [], fmt


def test_a_re_export_names_the_previous_format_and_time_and_the_new_format(db, out):
    batch = make_book(invoices=1)
    export_invoices(fmt="qbo-csv", batch=str(batch.id), directory=out)
    first = Invoice.get(Invoice.number == "INV-000001").exported_at
    again = export_invoices(fmt="qbd-iif", numbers=["INV-000001"], directory=out)
    assert again.reexported == [
        f"INV-000001 was exported before (qbo-csv on {first:%Y-%m-%d %H:%M}); exported again as qbd-iif"
    ]
    third = export_invoices(fmt="xero-csv", numbers=["INV-000001"], directory=out)
    assert third.reexported[0].startswith("INV-000001 was exported before (qbd-iif on ")
    events = [json.loads(e.details) for e in AuditEvent.select().where(AuditEvent.action == "export")
              .order_by(AuditEvent.id)]
    assert [e["format"] for e in events] == ["qbo-csv", "qbd-iif", "xero-csv"]


def test_a_re_exported_batch_summary_names_the_previous_formats(db, out):
    batch = make_book(invoices=4)
    export_invoices(fmt="csv", batch=str(batch.id), directory=out)
    export_invoices(fmt="qbo-csv", numbers=["INV-000001"], directory=out)
    result = export_invoices(fmt="xero-csv", batch=str(batch.id), directory=out)
    notice, = result.reexport_notices()
    assert notice.startswith("4 of 4 invoices (INV-000001 ... INV-000004) were exported before (csv, qbo-csv; last on ")
    assert notice.endswith("); exported again as xero-csv")
    assert result.previous_formats == {"INV-000001": "qbo-csv", "INV-000002": "csv", "INV-000003": "csv",
                                       "INV-000004": "csv"}


def test_a_re_export_without_an_audit_event_still_gives_the_time(db, out):
    make_book(invoices=1)
    export_invoices(fmt="csv", numbers=["INV-000001"], directory=out)
    AuditEvent.delete().where(AuditEvent.action == "export").execute()
    again = export_invoices(fmt="csv", numbers=["INV-000001"], directory=out)
    assert again.reexported[0].startswith("INV-000001 was exported before (on ")
    assert again.reexported[0].endswith("); exported again as csv")


def test_rate_specific_tax_names_from_settings_reach_the_xero_file(db, out):
    make_book(invoices=1)
    settings.set_value("xero_tax_type.8.25%", "Sales Tax 8.25%")
    result = export_invoices(fmt="xero-csv", numbers=["INV-000001"], directory=out)
    text = result.files[0].read_text("utf-8")
    assert ",Sales Tax 8.25%," in text and ",Tax on Sales," not in text
    assert result.warnings == []


def test_several_files_are_written_whole_or_not_at_all(tmp_path, monkeypatch):
    import os

    from store import exports

    targets = [(tmp_path / f"part-{i}.csv", f"file {i}\r\n".encode() * 1000) for i in range(5)]
    exports._write_atomically(targets)
    assert [p.read_bytes() for p, _ in targets] == [data for _, data in targets]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"part-{i}.csv" for i in range(5)]

    again = [(tmp_path / f"next-{i}.csv", b"x" * 10) for i in range(5)]
    real_fsync, calls = os.fsync, []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        exports._write_atomically(again)
    # nothing of the failed export is left: no target, no temporary file
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"part-{i}.csv" for i in range(5)]
