"""The twelve findings of issue 11 (billing core, second pass), one named
regression test each (some findings have two), on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
from peewee import IntegrityError

from store import billing
from store.billing import drafts, save, void
from store.errors import AlreadyBilledError, StaleReviewError, StorageError, ValidationError
from store.models import (
    AuditEvent, Batch, BilledLedger, Expense, Invoice, InvoiceLine, ServiceItem, Ticket, TimeEntry,
)
from tests.factories import contract, customer, expense, small_book, ticket

TODAY = dt.date(2027, 1, 15)


def _items(p):
    return {it.ref: it for cu in p.customers for co in cu.contracts for pe in co.periods for it in pe.items}


def _live_lines(kind, source_id):
    return list(InvoiceLine.select(InvoiceLine, Invoice).join(Invoice).where(
        (Invoice.status != "void") & (InvoiceLine.source_kind == kind)
        & (InvoiceLine.source_id == source_id)))


def _save(name, period, **kw):
    today = kw.pop("today", TODAY)
    draft = billing.create_batch(name, period, today=today, **kw)
    return billing.save_batch(draft.id, today=today)


# 1 -------------------------------------------------------------------------

def test_finding01_on_demand_device_month_not_billed_twice_under_quarter_and_year_labels(db):
    cust = customer("Acme")
    rmm = contract(cust, "RMM", "per_device", period="on_demand", device_count=5, device_rate=1000)
    _save("October", "2026-10")
    for label in ("2026-Q4", "2026"):
        p = billing.plan(label, today=TODAY)
        item = _items(p)[f"device:{rmm.id}@{label}"]
        assert item.locked
        assert item.lock_reason.startswith("2026-10 is billed already (under 2026-10, batch 'October')")
        with pytest.raises(ValidationError, match=f"nothing to bill for {label}"):
            billing.create_batch(f"B {label}", label, today=TODAY)  # refused: no draft either
        assert not Batch.select().where(Batch.name == f"B {label}").exists()
    assert len(_live_lines("device", rmm.id)) == 1
    # November alone is still billable under its own label
    _save("November", "2026-11")
    assert len(_live_lines("device", rmm.id)) == 2
    assert sorted(m for (m,) in BilledLedger.select(BilledLedger.month).where(
        BilledLedger.source_kind == "device").tuples()) == ["2026-10", "2026-11"]


def test_finding01_monthly_contract_retyped_quarterly_does_not_bill_october_again(db):
    cust = customer("Acme")
    care = contract(cust, "Care", "retainer", period="monthly")
    item = ServiceItem.create(contract=care, description="Care", quantity=Decimal(1), unit_price=30000)
    _save("October", "2026-10")
    care.billing_period = "quarterly"
    care.save()
    p = billing.plan("2026-Q4", today=TODAY)
    q4 = _items(p)[f"service_item:{item.id}@2026-Q4"]
    assert q4.locked and "2026-10 is billed already" in q4.lock_reason
    assert len(_live_lines("service_item", item.id)) == 1
    # the database itself refuses the month again, whatever label it comes under
    batch = Batch.get(Batch.name == "October")
    with pytest.raises(IntegrityError):
        with db.atomic():
            BilledLedger.create(source_kind="service_item", source_id=item.id, period="2026-Q4",
                                month="2026-10", batch=batch)


def test_finding01_a_quarter_writes_one_ledger_row_per_month(db):
    cust = customer("Acme")
    care = contract(cust, "Care", "retainer", period="quarterly")
    item = ServiceItem.create(contract=care, description="Care", quantity=Decimal(1), unit_price=30000)
    _save("Q4", "2026-Q4")
    rows = BilledLedger.select().where(BilledLedger.source_id == item.id)
    assert sorted((r.month, r.period) for r in rows) == [
        ("2026-10", "2026-Q4"), ("2026-11", "2026-Q4"), ("2026-12", "2026-Q4")]
    # a month batch now finds that month billed (the quarter is not offered again)
    assert f"service_item:{item.id}@2026-Q4" not in _items(billing.plan("2026-11", today=TODAY))


# 2 -------------------------------------------------------------------------

def test_finding02_autosave_after_a_save_never_turns_the_batch_back_to_draft(db, monkeypatch):
    b = small_book()
    draft = billing.create_batch("Oct", "2026-10", today=TODAY)
    stale = Batch.get_by_id(draft.id)  # the autosave read the draft ...
    billing.save_batch(draft.id, today=TODAY)  # ... and a save happened meanwhile
    for module in (drafts, void):
        monkeypatch.setattr(module, "_batch_row", lambda batch: stale)
    with pytest.raises(ValidationError, match="was saved meanwhile"):
        billing.update_draft(draft.id, excluded=[f"ticket:{b['t1'].id}"])
    monkeypatch.undo()
    row = Batch.get_by_id(draft.id)
    assert row.status == "saved" and row.excluded == "[]"
    # the database refuses a move back however it is written
    with pytest.raises(IntegrityError, match="batchbill guard"):
        with db.atomic():
            Batch.update(status="draft").where(Batch.id == draft.id).execute()
    stale.status = "draft"
    with pytest.raises(IntegrityError, match="batchbill guard"):
        with db.atomic():
            stale.save()
    with pytest.raises(IntegrityError):
        with db.atomic():
            Batch.update(status="pending").where(Batch.id == draft.id).execute()
    # and the batch is not stuck: it voids normally
    assert billing.void_batch(draft.id, "test").status == "voided"


def test_finding02_autosaves_racing_a_save_leave_it_saved(db):
    """Real interleavings: one thread saves while another autosaves the same draft."""
    b = small_book()
    for n in range(4):
        draft = billing.create_batch(f"Oct {n}", "2026-10", today=TODAY)
        reviewed = billing.plan("2026-10", today=TODAY)

        def work(i, draft=draft, reviewed=reviewed):
            if i == 0:
                return billing.save_batch(draft.id, today=TODAY, reviewed=reviewed)
            for _ in range(5):
                billing.update_draft(draft.id, excluded=[f"expense:{b['ex'].id}"])

        outcomes = _race(2, work)
        assert outcomes[0][0] == "ok", outcomes
        if outcomes[1][0] == "error":
            assert isinstance(outcomes[1][1], ValidationError), outcomes[1][1]
        row = Batch.get_by_id(draft.id)
        assert row.status == "saved" and row.saved_at is not None
        assert Invoice.select().where((Invoice.batch == draft.id) & (Invoice.status != "void")).exists()
        billing.void_batch(draft.id, "again")  # never stuck


def test_finding02_delete_of_a_batch_saved_meanwhile_is_refused_cleanly(db, monkeypatch):
    small_book()
    draft = billing.create_batch("Oct", "2026-10", today=TODAY)
    stale = Batch.get_by_id(draft.id)
    billing.save_batch(draft.id, today=TODAY)
    for module in (drafts, void):
        monkeypatch.setattr(module, "_batch_row", lambda batch: stale)
    with pytest.raises(ValidationError, match="no longer a draft"):
        billing.delete_draft(draft.id)
    monkeypatch.undo()
    assert Batch.get_by_id(draft.id).status == "saved"


# 3 -------------------------------------------------------------------------

def test_finding03_a_stale_review_fails_the_save_naming_the_ticket(db):
    cust = customer("Acme")
    hourly = contract(cust, "Support", "hourly", hourly_rate=10000)
    t = ticket(cust, hourly, minutes=(60,))
    reviewed = billing.plan("2026-10", today=TODAY)
    draft = billing.create_batch("Oct", "2026-10", today=TODAY, reviewed=reviewed)
    TimeEntry.create(ticket=t, technician="bo", started_at=dt.datetime(2026, 10, 9), minutes=120)
    with pytest.raises(StaleReviewError, match=f"ticket {t.number} changed since it was reviewed "
                                               r"\(billable time 1 h -> 3 h"):
        billing.save_batch(draft.id, today=TODAY, reviewed=reviewed)  # as the app saves
    assert Invoice.select().count() == 0 and Ticket.get_by_id(t.id).status == "closed"
    assert Batch.get_by_id(draft.id).status == "draft"
    # re-planned (what the app does on this error), the whole 3 h are billed
    result = billing.save_batch(draft.id, today=TODAY, reviewed=billing.plan("2026-10", today=TODAY))
    (line,) = _live_lines("ticket", t.id)
    assert line.quantity == Decimal(3) and line.amount == 30000
    assert result.totals == {"USD": 32400}


def test_finding03_a_changed_expense_fails_the_save(db):
    cust = customer("Acme")
    hourly = contract(cust, "Support", "hourly", hourly_rate=10000)
    ex = expense(cust, hourly, 4999)
    reviewed = billing.plan("2026-10", today=TODAY)
    draft = billing.create_batch("Oct", "2026-10", today=TODAY, reviewed=reviewed)
    Expense.update(amount=9999).where(Expense.id == ex.id).execute()
    with pytest.raises(StaleReviewError, match=f"expense {ex.id} \\(Toner\\) changed"):
        billing.save_batch(draft.id, today=TODAY, reviewed=reviewed)
    assert Invoice.select().count() == 0


# 4 -------------------------------------------------------------------------

def test_finding04_exclude_time_entry_is_honoured_and_recorded_as_not_billed(db):
    cust = customer("Acme", tax="0")
    hourly = contract(cust, "Support", "hourly", hourly_rate=10000)
    t = ticket(cust, hourly, minutes=(60, 30))
    first, second = TimeEntry.select().where(TimeEntry.ticket == t).order_by(TimeEntry.id)
    ref = f"time_entry:{second.id}"
    for detail in ("ticket", "contract", "time_entry"):
        p = billing.plan("2026-10", detail=detail, excluded=[ref], today=TODAY)
        assert billing.selection_totals(p, frozenset({ref})) == {"USD": 10000}, detail
    draft = billing.create_batch("Oct", "2026-10", excluded=[ref], today=TODAY)
    billing.save_batch(draft.id, today=TODAY, actor="ann")
    (line,) = _live_lines("ticket", t.id)
    assert (line.quantity, line.amount) == (Decimal(1), 10000)
    # recorded as not billed (a ledger row without amount), locked with its ticket, audited
    row = BilledLedger.get((BilledLedger.source_kind == "time_entry") & (BilledLedger.source_id == second.id))
    assert row.batch_id == draft.id
    event = AuditEvent.get(AuditEvent.action == "batch.save")
    assert json.loads(event.details)["time_entries_not_billed"] == [second.id]
    with pytest.raises(IntegrityError, match="batchbill guard"):
        with db.atomic():
            TimeEntry.update(minutes=5).where(TimeEntry.id == second.id).execute()
    # a void releases it with its ticket
    billing.void_batch(draft.id, "redo")
    assert not BilledLedger.select().where(BilledLedger.source_kind == "time_entry").exists()


def test_finding04_a_time_entry_toggles_on_its_own_at_time_entry_detail(db):
    cust = customer("Acme", tax="0")
    hourly = contract(cust, "Support", "hourly", hourly_rate=10000)
    t = ticket(cust, hourly, minutes=(60, 30))
    first, second = TimeEntry.select().where(TimeEntry.ticket == t).order_by(TimeEntry.id)
    p = billing.plan("2026-10", detail="time_entry", today=TODAY)
    ex = billing.toggle(p, frozenset(), f"time_entry:{second.id}")
    assert ex == {f"time_entry:{second.id}"}  # not the whole ticket
    assert billing.node_state(p, ex, f"time_entry:{second.id}") == "none"
    assert billing.node_state(p, ex, f"time_entry:{first.id}") == "all"
    assert billing.node_state(p, ex, f"ticket:{t.id}") == "some"
    assert billing.selection_totals(p, ex) == {"USD": 10000}
    assert billing.selection_totals(p, ex, f"ticket:{t.id}") == {"USD": 10000}
    # the ticket off, then one entry back on: only that entry
    off = billing.toggle(p, frozenset(), f"ticket:{t.id}")
    back = billing.toggle(p, off, f"time_entry:{first.id}")
    assert billing.selection_totals(p, back) == {"USD": 10000}
    assert billing.toggle(p, ex, f"time_entry:{second.id}") == frozenset()


# 5 -------------------------------------------------------------------------

def test_finding05_late_ticket_in_a_billed_block_period_bills_its_overage(db):
    cust = customer("Acme", tax="0")
    block = contract(cust, "Block", "block_hours", block_hours=Decimal(10), block_fee=90000,
                     overage_rate=11000)
    ticket(cust, block, minutes=(540,))  # 9 h: no overage yet
    _save("Oct", "2026-10")
    ticket(cust, block, minutes=(180,), closed=dt.datetime(2026, 10, 20))  # late: 3 h, 2 h over
    p = billing.plan("2026-10", today=TODAY)
    (over,) = [it for it in _items(p).values() if it.kind == "overage"]
    assert (over.quantity, over.amount) == (Decimal(2), 22000)
    assert _save("Oct late", "2026-10").totals == {"USD": 22000}
    # another late hour: the overage already billed is not billed again
    ticket(cust, block, minutes=(60,), closed=dt.datetime(2026, 10, 25))
    assert _save("Oct later", "2026-10").totals == {"USD": 11000}
    amounts = sorted(l.amount for l in InvoiceLine.select().where(InvoiceLine.source_kind == "overage"))
    assert amounts == [11000, 22000]
    assert sorted(m for (m,) in BilledLedger.select(BilledLedger.month).where(
        BilledLedger.source_kind == "overage").tuples()) == ["2026-10#1", "2026-10#2"]


def test_finding05_quarter_block_billed_by_a_month_batch_counts_in_a_later_months_batch(db):
    """The plan reads a block period's billed tickets by the batches whose period
    overlaps it (perfplan): a quarterly block billed by an October batch (label
    2026-Q4) still counts when a December batch plans the same quarter."""
    cust = customer("Acme", tax="0")
    block = contract(cust, "Block", "block_hours", period="quarterly", block_hours=Decimal(10),
                     block_fee=90000, overage_rate=11000)
    ticket(cust, block, minutes=(540,), closed=dt.datetime(2026, 10, 5))  # 9 h: no overage yet
    _save("Oct", "2026-10")
    ticket(cust, block, minutes=(180,), closed=dt.datetime(2026, 12, 2))  # late: 3 h, 2 h over
    p = billing.plan("2026-12", today=TODAY)
    (pe,) = [pe for cu in p.customers for co in cu.contracts for pe in co.periods]
    assert (pe.period, pe.billed_minutes) == ("2026-Q4", 540)
    (over,) = [it for it in pe.items if it.kind == "overage"]
    assert (over.quantity, over.amount) == (Decimal(2), 22000)
    # and a year's batch sees the same quarter billed
    (pe,) = [pe for cu in billing.plan("2026", today=TODAY).customers for co in cu.contracts
             for pe in co.periods if pe.period == "2026-Q4"]
    assert pe.billed_minutes == 540


# 6 -------------------------------------------------------------------------

def test_finding06_billed_records_are_guarded_by_the_database(db):
    cust = customer("Acme")
    hourly = contract(cust, "Support", "hourly", hourly_rate=10000)
    billed = ticket(cust, hourly, minutes=(60,))
    other = ticket(cust, hourly, minutes=(30,), status="open")
    ex = expense(cust, hourly, 4999)
    _save("Oct", "2026-10", excluded=[f"ticket:{other.id}"])
    moving = TimeEntry.get(TimeEntry.ticket == other)
    refusals = [
        # a time entry moved onto a billed ticket, in bulk and by the ORM
        lambda: TimeEntry.update(ticket=billed.id).where(TimeEntry.id == moving.id).execute(),
        lambda: TimeEntry.insert(ticket=billed.id, technician="x", started_at=dt.datetime(2026, 10, 1),
                                 minutes=5).execute(),
        # bulk updates and deletes of billed records
        lambda: Ticket.update(title="renamed").where(Ticket.id == billed.id).execute(),
        lambda: Ticket.update(status="open").where(Ticket.id == billed.id).execute(),
        lambda: Ticket.delete().where(Ticket.id == billed.id).execute(),
        lambda: TimeEntry.delete().where(TimeEntry.ticket == billed.id).execute(),
        lambda: Expense.update(amount=1).where(Expense.id == ex.id).execute(),
        lambda: Expense.delete().where(Expense.id == ex.id).execute(),
        # a ticket billed without a ledger row (and so without an invoice)
        lambda: Ticket.update(status="closed").where(Ticket.id == other.id).execute() and
        Ticket.update(status="billed").where(Ticket.id == other.id).execute(),
    ]
    for n, change in enumerate(refusals):
        with pytest.raises(IntegrityError, match="batchbill guard"):
            with db.atomic():
                change()
    from store.errors import BilledRecordError

    entry = TimeEntry.get_by_id(moving.id)
    entry.ticket = billed.id
    with pytest.raises(BilledRecordError, match=f"cannot move time to ticket {billed.number}: it is billed"):
        entry.save()
    assert TimeEntry.get_by_id(moving.id).ticket_id == other.id
    assert Ticket.get_by_id(other.id).status == "open"
    assert Ticket.get_by_id(billed.id).title == "Printer jam"
    assert Expense.get_by_id(ex.id).amount == 4999


# 7 -------------------------------------------------------------------------

def test_finding07_inactive_customer_gets_no_recurring_charges_and_a_final_bill(db):
    cust = customer("Gone Ltd", currency="JPY", tax="0", active=False)
    care = contract(cust, "Care", "retainer")
    ServiceItem.create(contract=care, description="Care", quantity=Decimal(1), unit_price=16500)
    rmm = contract(cust, "RMM", "per_device", device_count=3, device_rate=500)
    hourly = contract(cust, "Support", "hourly", hourly_rate=10000)
    t = ticket(cust, hourly, minutes=(60,))
    p = billing.plan("2026-10", today=TODAY)
    assert set(_items(p)) == {f"ticket:{t.id}"}
    (cu,) = p.customers
    assert cu.final_bill
    assert billing.plan_to_json(p)["customers"][0]["final_bill"] is True
    result = _save("Oct", "2026-10")
    assert result.totals == {"JPY": 10000}
    assert json.loads(AuditEvent.get(AuditEvent.action == "batch.save").details)["final_bills"] == ["Gone Ltd"]
    assert not _live_lines("device", rmm.id)


# 8 -------------------------------------------------------------------------

@pytest.mark.parametrize("currency, rate, minutes", [("JPY", 99, 61), ("BHD", 12345, 61), ("USD", 12537, 10)])
def test_finding08_every_line_is_quantity_times_price_exactly(db, tmp_path, currency, rate, minutes):
    from tests.support.checks import check_paths
    from store.exports import export_invoices

    cust = customer("Tokyo KK", currency=currency, tax="0.10")
    hourly = contract(cust, "Support", "hourly", hourly_rate=rate)
    ticket(cust, hourly, minutes=(minutes,))
    result = _save("Oct", "2026-10")
    for l in InvoiceLine.select():
        assert l.quantity * l.unit_price == l.amount, (l.description, l.quantity, l.unit_price, l.amount)
    (line,) = InvoiceLine.select()
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    assert line.amount == int((hours * rate).quantize(Decimal(1), "ROUND_HALF_UP"))
    if hours * rate != line.amount:  # written as 1 x amount, with the hours and rate in the text
        assert line.quantity == 1 and f"({hours.normalize():f} x " in line.description
    for fmt in ("qbo-csv", "qbd-iif", "xero-csv", "csv"):
        out = export_invoices(fmt=fmt, numbers=result.invoice_numbers, directory=tmp_path / fmt, mkdir=True)
        assert out.files and check_paths(fmt, out.files) == [], fmt


# 9 -------------------------------------------------------------------------

def test_finding09_next_invoice_number_moves_only_forward_and_is_audited(db):
    from store import settings

    small_book()
    _save("Oct", "2026-10")  # INV-000001, INV-000002
    with pytest.raises(ValidationError, match="the last issued is INV-000002 .*give at least 3"):
        settings.set_value("next_invoice_number", "2")
    assert settings.get("next_invoice_number") == 3
    settings.set_value("next_invoice_number", "10")
    event = AuditEvent.get(AuditEvent.action == "settings.next_invoice_number")
    assert json.loads(event.details) == {"from": 3, "to": 10, "last_issued": 2, "skipped": 7}
    contract(customer("Late"), "Support", "hourly", hourly_rate=100)
    assert settings.get("next_invoice_number") == 10


# 10 ------------------------------------------------------------------------

def _race(n, work):
    """Run ``work(i)`` in n threads (each its own connection) released together."""
    from store.db import db as proxy

    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def run(i):
        try:
            barrier.wait(10)
            outcomes[i] = ("ok", work(i))
        except Exception as exc:  # noqa: BLE001
            outcomes[i] = ("error", exc)
        finally:
            proxy.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_finding10_concurrent_voids_exactly_one_succeeds(db):
    small_book()
    draft = billing.create_batch("Oct", "2026-10", today=TODAY)
    billing.save_batch(draft.id, today=TODAY)
    for round_ in range(3):
        outcomes = _race(3, lambda i: billing.void_batch(draft.id, f"reason {i}", actor=f"tech{i}"))
        ok = [o for o in outcomes if o[0] == "ok"]
        assert len(ok) == 1, outcomes
        for kind, exc in outcomes:
            if kind == "error":
                assert isinstance(exc, ValidationError), exc
        assert AuditEvent.select().where(AuditEvent.action == "batch.void").count() == 1
        row = Batch.get_by_id(draft.id)
        assert json.loads(AuditEvent.get(AuditEvent.action == "batch.void").details)["reason"] == row.void_reason
        if round_ < 2:  # again on a fresh saved batch
            AuditEvent.delete().where(AuditEvent.action == "batch.void").execute()
            draft = billing.create_batch(f"Oct {round_ + 2}", "2026-10", today=TODAY)
            billing.save_batch(draft.id, today=TODAY)


def test_finding10_a_stale_void_is_refused_inside_the_transaction(db, monkeypatch):
    small_book()
    draft = billing.create_batch("Oct", "2026-10", today=TODAY)
    billing.save_batch(draft.id, today=TODAY)
    stale = Batch.get_by_id(draft.id)
    billing.void_batch(draft.id, "first")
    for module in (drafts, void):
        monkeypatch.setattr(module, "_batch_row", lambda batch: stale)
    with pytest.raises(ValidationError, match="was voided meanwhile"):
        billing.void_batch(draft.id, "second")
    monkeypatch.undo()
    assert Batch.get_by_id(draft.id).void_reason == "first"
    assert AuditEvent.select().where(AuditEvent.action == "batch.void").count() == 1


# 11 ------------------------------------------------------------------------

def test_finding11_a_killed_postgres_connection_says_so_and_writes_nothing(db, monkeypatch):
    from store.db import is_postgres

    if not is_postgres():
        pytest.skip("PostgreSQL only: a backend killed by pg_terminate_backend")
    from tests.conftest import _pg_admin

    small_book()
    draft = billing.create_batch("Oct", "2026-10", today=TODAY)
    original = save.refresh_facts

    def kill_then_go_on(*args, **kw):
        pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        _pg_admin(f"SELECT pg_terminate_backend({pid})")
        return original(*args, **kw)

    monkeypatch.setattr(save, "refresh_facts", kill_then_go_on)
    with pytest.raises(StorageError) as caught:
        billing.save_batch(draft.id, today=TODAY)
    message = str(caught.value)
    assert message.startswith("saving batch 'Oct' failed: the connection to the database was lost")
    assert "nothing was written" in message and "\n" not in message
    assert "already closed" not in message.split("(")[0]
    monkeypatch.undo()
    assert Invoice.select().count() == 0  # a new connection: nothing of the save is there
    assert Batch.get_by_id(draft.id).status == "draft"
    assert billing.save_batch(draft.id, today=TODAY).invoice_numbers  # and it saves again


def test_finding11_a_postgres_connection_killed_during_a_void_says_so(db, monkeypatch):
    from store.db import is_postgres

    if not is_postgres():
        pytest.skip("PostgreSQL only: a backend killed by pg_terminate_backend")
    from tests.conftest import _pg_admin

    small_book()
    draft = billing.create_batch("Oct", "2026-10", today=TODAY)
    billing.save_batch(draft.id, today=TODAY)
    original = void.refresh_facts

    def kill_then_go_on(*args, **kw):
        pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        _pg_admin(f"SELECT pg_terminate_backend({pid})")
        return original(*args, **kw)

    monkeypatch.setattr(void, "refresh_facts", kill_then_go_on)
    with pytest.raises(StorageError, match="^voiding batch 'Oct' failed: the connection to the database "
                                           "was lost .*nothing was written"):
        billing.void_batch(draft.id, "test")
    monkeypatch.undo()
    assert Batch.get_by_id(draft.id).status == "saved"
    assert not Invoice.select().where(Invoice.status == "void").exists()
    assert Ticket.select().where(Ticket.status == "billed").exists()


def _big_draft():
    for c in range(30):
        cust = customer(f"Customer {c:03d}", tax="0.1")
        con = contract(cust, "Support", "hourly", hourly_rate=10000)
        for n in range(15):
            ticket(cust, con, minutes=(30, 45), title=f"A long enough ticket title number {n} " * 3)
    return billing.create_batch("Oct", "2026-10", today=TODAY)


def _save_in_process(target, preexec=None):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-m", "batchbill", "batch", "save", "1", "--db", str(target),
         "--today", TODAY.isoformat()],
        cwd=root, capture_output=True, text=True, preexec_fn=preexec, timeout=120)


def test_finding11_a_file_size_limit_says_so_exit_2_and_writes_nothing(sqlite_db):
    import resource

    from store.book import open_database
    from store.db import close_database

    target = sqlite_db.batchbill_test_target
    draft = _big_draft()
    close_database()  # checkpoints: the WAL starts empty
    # the write-ahead log may grow to 40 KB (the shared-memory index file is 32 KB):
    # the save's rows are far more
    limit = 40 * 1024
    proc = _save_in_process(target, lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("batchbill: saving batch 'Oct' failed: the database file could not be "
                           "written (a full disk, a file size limit"), line
    assert "cannot rollback" not in line and line.endswith("nothing was written (the database rolled "
                                                           "the transaction back): fix the cause and run it again")
    open_database(target)
    assert Invoice.select().count() == 0 and Batch.get_by_id(draft.id).status == "draft"


def test_finding11_a_full_disk_says_so_exit_2_and_writes_nothing(sqlite_db, tmp_path):
    import os
    import shutil
    import subprocess

    from store.book import open_database
    from store.db import close_database

    draft = _big_draft()
    close_database()
    small = tmp_path / "small"
    small.mkdir()
    size = os.path.getsize(sqlite_db.batchbill_test_target) + 64 * 1024
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(small)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        target = small / "book.sqlite3"
        shutil.copyfile(sqlite_db.batchbill_test_target, target)
        proc = _save_in_process(target)
        assert proc.returncode == 2, proc.stderr
        (line,) = proc.stderr.splitlines()
        assert line.startswith("batchbill: saving batch 'Oct' failed: the disk is full"), line
        assert "cannot rollback" not in line
        open_database(str(target))
        assert Invoice.select().count() == 0 and Batch.get_by_id(draft.id).status == "draft"
        close_database()
    finally:
        subprocess.run(["umount", "-l", str(small)], capture_output=True)


def test_finding11_a_read_only_database_says_so(sqlite_db):
    small_book()
    draft = billing.create_batch("Oct", "2026-10", today=TODAY)
    # As root a chmod does not stop writes; SQLite's query_only gives the error a
    # read-only file gives (SQLITE_READONLY), on this connection.
    sqlite_db.execute_sql("PRAGMA query_only = 1")
    try:
        with pytest.raises(StorageError, match="saving batch 'Oct' failed: the database file is read-only"):
            billing.save_batch(draft.id, today=TODAY)
    finally:
        from store.db import db as proxy
        proxy.execute_sql("PRAGMA query_only = 0")
    assert Invoice.select().count() == 0 and Batch.get_by_id(draft.id).status == "draft"


# 12 ------------------------------------------------------------------------

def test_finding12_one_draft_saved_twice_at_once_the_loser_never_names_its_own_batch(db):
    small_book()
    draft = billing.create_batch("Oct", "2026-10", today=TODAY)
    reviewed = billing.plan("2026-10", today=TODAY)
    for _ in range(3):
        outcomes = _race(2, lambda i: billing.save_batch(draft.id, today=TODAY, reviewed=reviewed))
        assert [o[0] for o in outcomes].count("ok") == 1, outcomes
        (error,) = [o[1] for o in outcomes if o[0] == "error"]
        assert isinstance(error, ValidationError) and not isinstance(error, AlreadyBilledError), error
        # the loser read the draft before the winner committed ("was saved meanwhile") or,
        # on a loaded machine where the two threads did not overlap, after ("is saved"):
        # either way it names its own batch as saved, never as the batch that billed it
        assert (f"batch {draft.name!r} was saved meanwhile" in str(error)
                or f"batch {draft.name!r} is saved: only a draft can be saved" in str(error)), error
        assert "by batch" not in str(error)
        assert Invoice.select().where(Invoice.status != "void").count() == 2
        billing.void_batch(draft.id, "again")
        draft = billing.create_batch(f"Oct {_}", "2026-10", today=TODAY)
        reviewed = billing.plan("2026-10", today=TODAY)
