"""Batch billing: plan, draft, save, lock, void (DESIGN.md section 3)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from store import billing
from store.errors import AlreadyBilledError, BilledRecordError, ValidationError
from store.models import AuditEvent, Batch, BilledLedger, Invoice, InvoiceLine, Ticket
from tests.factories import contract, expense, small_book, ticket

TODAY = dt.date(2026, 11, 15)


def refs(p):
    return {it.ref for cu in p.customers for co in cu.contracts for pe in co.periods for it in pe.items}


def test_plan_offers_every_kind_with_exact_amounts(db):
    b = small_book()
    p = billing.plan("2026-10", today=TODAY)
    items = {it.ref: it for cu in p.customers for co in cu.contracts for pe in co.periods
             for it in pe.items}
    assert items[f"ticket:{b['t1'].id}"].quantity == Decimal("2.00")  # 90 + 30 billable minutes
    assert items[f"ticket:{b['t1'].id}"].amount == 25000
    assert items[f"ticket:{b['t1'].id}"].minutes_worked == 135  # non-billable counted as worked
    assert items[f"ticket:{b['t2'].id}"].amount == 2125  # 10 min -> 0.17 h x 125.00
    assert items[f"service_item:{b['si'].id}@2026-10"].amount == 30000
    assert items[f"block:{b['block'].id}@2026-10"].amount == 90000
    assert items[f"overage:{b['block'].id}@2026-10"].amount == 22000  # 12 h - 10 h block = 2 h x 110
    assert items[f"device:{b['devices'].id}@2026-10"].amount == 5400  # 12 x 4.50
    assert items[f"project:{b['project'].id}"].amount == 250000
    assert items[f"expense:{b['ex'].id}"].amount == 4999
    assert f"ticket:{b['t_open'].id}" not in items
    assert p.left_out == ("1 open ticket is not billable until closed",)


def test_period_that_has_not_ended_is_locked_with_its_reason(db):
    b = small_book()
    p = billing.plan("2026-10", today=TODAY)
    quarterly = next(co for cu in p.customers for co in cu.contracts if co.id == b["quarterly"].id)
    (period,) = quarterly.periods
    assert period.period == "2026-Q4" and period.locked
    assert period.lock_reason == "period 2026-Q4 ends 2026-12-31: billable from 2027-01-01"
    assert billing.node_state(p, frozenset(), period.ref) == "locked"
    assert billing.toggle(p, frozenset(), period.ref) == frozenset()
    # The same month seen before it ended: everything locked except on_demand.
    early = billing.plan("2026-10", today=dt.date(2026, 10, 20))
    locked = {co.type: pe.locked for cu in early.customers for co in cu.contracts for pe in co.periods}
    assert locked["hourly"] and locked["retainer"] and not locked["project_fixed"]


def test_toggle_removes_and_restores_subtrees(db):
    b = small_book()
    p = billing.plan("2026-10", today=TODAY)
    acme, t1 = f"customer:{b['acme'].id}", f"ticket:{b['t1'].id}"
    ex = billing.toggle(p, frozenset(), acme)
    assert ex == {acme}
    assert billing.node_state(p, ex, acme) == "none"
    assert "USD" not in billing.selection_totals(p, ex)
    # Re-including one ticket of an excluded customer keeps the rest excluded.
    ex = billing.toggle(p, ex, t1)
    assert billing.node_state(p, ex, t1) == "all"
    assert billing.node_state(p, ex, acme) == "some"
    assert billing.selection_totals(p, ex) ["USD"] == 25000
    assert billing.toggle(p, billing.clear_all(p), acme) - {f"customer:{b['muller'].id}"} == frozenset()


def test_totals_follow_the_selection_and_equal_the_invoices(db):
    b = small_book()
    p = billing.plan("2026-10", today=TODAY)
    ex = frozenset({f"overage:{b['block'].id}@2026-10"})  # the overage waived
    assert billing.selection_totals(p, ex)["EUR"] == 90000 + 5400 + 250000
    previews = billing.invoice_previews(p, ex)
    assert {v.customer: v.subtotal for v in previews} == {"Acme Dental": 62124, "Müller GmbH": 345400}
    muller = next(v for v in previews if v.currency == "EUR")
    assert muller.tax == 64600  # 19% of 3,400.00 taxable (block + project; devices are not taxable)


def test_saved_batch_bills_items_once_and_marks_tickets_billed(db):
    b = small_book()
    batch = billing.create_batch("Oct", "2026-10", excluded=[f"ticket:{b['t2'].id}"], actor="ann")
    result = billing.save_batch(batch.id, actor="ann", issue_date=dt.date(2026, 11, 1), today=TODAY)
    assert result.invoice_numbers == ["INV-000001", "INV-000002"]
    for inv in Invoice.select():
        lines = list(InvoiceLine.select().where(InvoiceLine.invoice == inv))
        assert inv.subtotal == sum(l.amount for l in lines)
        assert inv.total == inv.subtotal + inv.tax
        assert all(l.amount == int((l.quantity * l.unit_price).quantize(Decimal(1), "ROUND_HALF_UP"))
                   for l in lines)
    assert Invoice.get(Invoice.number == "INV-000001").due_date == dt.date(2026, 12, 1)
    assert Ticket.get_by_id(b["t1"].id).status == "billed"
    assert Ticket.get_by_id(b["t2"].id).status == "closed"  # excluded: still billable
    assert Batch.get_by_id(batch.id).status == "saved"
    event = AuditEvent.select().where(AuditEvent.action == "batch.save").get()
    assert event.actor == "ann" and "INV-000002" in event.details

    t1 = Ticket.get_by_id(b["t1"].id)
    t1.status = "open"
    with pytest.raises(BilledRecordError, match="it is billed"):
        t1.save()
    again = billing.plan("2026-10", today=TODAY)
    open_refs = {it.ref for cu in again.customers for co in cu.contracts for pe in co.periods
                 for it in pe.items if not it.locked}
    assert open_refs == {f"ticket:{b['t2'].id}"}  # the excluded ticket is still offered


def test_second_save_of_the_same_items_fails_naming_item_and_batch(db):
    small_book()
    first = billing.create_batch("A", "2026-10")
    second = billing.create_batch("B", "2026-10")
    reviewed = billing.plan("2026-10", today=TODAY)
    billing.save_batch(first.id, today=TODAY, reviewed=reviewed)
    count = Invoice.select().count()
    with pytest.raises(AlreadyBilledError, match=r"was billed meanwhile by batch 'A' \(id 1\)"):
        billing.save_batch(second.id, today=TODAY, reviewed=reviewed)
    assert Invoice.select().count() == count
    assert Batch.get_by_id(second.id).status == "draft"
    from store import settings
    assert settings.get("next_invoice_number") == count + 1  # no number consumed


def test_void_releases_items_and_keeps_numbers(db):
    b = small_book()
    batch = billing.create_batch("Oct", "2026-10")
    billing.save_batch(batch.id, today=TODAY)
    with pytest.raises(ValidationError, match="needs a reason"):
        billing.void_batch(batch.id, "  ")
    summary = billing.void_batch(batch.id, "wrong rates", actor="bo")
    assert summary.status == "voided" and summary.void_reason == "wrong rates"
    assert {i.status for i in Invoice.select()} == {"void"}
    assert Ticket.get_by_id(b["t1"].id).status == "closed"
    assert BilledLedger.select().count() == 0
    rebill = billing.create_batch("Oct again", "2026-10")
    result = billing.save_batch(rebill.id, today=TODAY)
    assert result.invoice_numbers == ["INV-000003", "INV-000004"]  # never reused
    event = AuditEvent.get(AuditEvent.action == "batch.void")
    assert event.actor == "bo" and "wrong rates" in event.details


def test_detail_levels_change_lines_not_what_is_billed(db):
    b = small_book()
    for detail, kinds in (("contract", {"ticket"}), ("time_entry", {"time_entry"})):
        p = billing.plan("2026-10", customers=["Acme Dental"], detail=detail, today=TODAY)
        (pv,) = billing.invoice_previews(p, frozenset())
        labour = [l for l in pv.lines if l.contract_name == "Support" and l.kind != "expense"]
        assert {l.kind for l in labour} == kinds
        assert sum(l.minutes_worked for l in labour) == 135 + 10
    p = billing.plan("2026-10", customers=["Acme Dental"], detail="contract", today=TODAY)
    (pv,) = billing.invoice_previews(p, frozenset())
    (support,) = [l for l in pv.lines if l.source_kind == "contract"]
    assert support.quantity == Decimal("2.17") and support.amount == 27125


def test_quarter_batch_covers_each_month_of_a_monthly_contract(db):
    b = small_book()
    ticket(b["acme"], b["hourly"], closed=dt.datetime(2026, 8, 3, 10), minutes=(60,))
    p = billing.plan("2026-Q3", customers=["Acme Dental"], today=TODAY)
    support = next(co for co in p.customers[0].contracts if co.name == "Support")
    assert [pe.period for pe in support.periods] == ["2026-08"]
    managed = next(co for co in p.customers[0].contracts if co.name == "Managed")
    assert [pe.period for pe in managed.periods] == ["2026-07", "2026-08", "2026-09"]


def test_bad_input_is_refused_with_a_reason(db):
    small_book()
    with pytest.raises(ValidationError, match="bad period '2026-13'"):
        billing.plan("2026-13")
    with pytest.raises(ValidationError, match="bad item reference 'ticket'"):
        billing.create_batch("x", "2026-10", excluded=["ticket"])
    from store.errors import NotFoundError
    with pytest.raises(NotFoundError, match="no customer named 'Nobody'"):
        billing.plan("2026-10", customers=["Nobody"])
    billing.create_batch("x", "2026-10")
    with pytest.raises(ValidationError, match="a batch named 'x' exists already"):
        billing.create_batch("x", "2026-10")


def test_work_after_a_contracts_period_waits_for_its_own_period(db):
    """A yearly contract stretches the plan's horizon; a monthly contract's
    November ticket must still not land in its October period."""
    b = small_book()
    contract(b["acme"], "Licences", "retainer", period="yearly")
    late = ticket(b["acme"], b["hourly"], closed=dt.datetime(2026, 11, 3, 10), minutes=(60,))
    late_expense = expense(b["acme"], b["hourly"], 1000, day=dt.date(2026, 11, 4))
    p = billing.plan("2026-10", today=TODAY)
    assert f"ticket:{late.id}" not in refs(p)
    assert f"expense:{late_expense.id}" not in refs(p)
    assert f"ticket:{b['t1'].id}" in refs(p)


def test_block_period_is_billed_as_one_so_no_overage_is_lost(db):
    """Removing one ticket of a block period removes the period: billing part
    of its hours now and the rest later would never bill the overage."""
    b = small_book()
    p = billing.plan("2026-10", today=TODAY)
    period = f"contract:{b['block'].id}@2026-10"
    ex = billing.toggle(p, frozenset(), f"ticket:{b['t4'].id}")
    assert ex == {period}
    assert billing.node_state(p, ex, f"ticket:{b['t3'].id}") == "none"
    assert "EUR" in billing.selection_totals(p, ex)
    assert billing.selection_totals(p, ex)["EUR"] == 5400 + 250000  # devices + project only
    # An exclusion written by hand (CLI --exclude ticket:N) means the same.
    by_hand = frozenset({f"ticket:{b['t4'].id}"})
    assert billing.selection_totals(p, by_hand) == billing.selection_totals(p, ex)
    assert not billing.is_selected(p, by_hand, f"block:{b['block'].id}@2026-10")
    # The overage alone can be waived.
    waived = billing.toggle(p, frozenset(), f"overage:{b['block'].id}@2026-10")
    assert billing.selection_totals(p, waived)["EUR"] == 90000 + 5400 + 250000
    # Saving a batch without the period leaves all of it, overage included, to bill later.
    batch = billing.create_batch("Oct", "2026-10", excluded=[f"ticket:{b['t4'].id}"])
    billing.save_batch(batch.id, today=TODAY)
    later = billing.plan("2026-10", today=TODAY)
    assert {it.ref for cu in later.customers for co in cu.contracts for pe in co.periods
            for it in pe.items if not it.locked} >= {
        f"ticket:{b['t3'].id}", f"ticket:{b['t4'].id}", f"overage:{b['block'].id}@2026-10"}
    (over,) = [it for cu in later.customers for co in cu.contracts for pe in co.periods
               for it in pe.items if it.kind == "overage"]
    assert over.amount == 22000


def test_issue_date_cannot_go_back_before_the_last_invoice(db):
    small_book()
    first = billing.create_batch("Oct", "2026-10", customers=["Acme Dental"])
    billing.save_batch(first.id, issue_date=dt.date(2026, 11, 2), today=TODAY)
    second = billing.create_batch("Oct 2", "2026-10", customers=["Müller GmbH"])
    with pytest.raises(ValidationError, match=r"issue date 2026-11-01 is before that of the last "
                                              r"invoice INV-000001 \(2026-11-02\)"):
        billing.save_batch(second.id, issue_date=dt.date(2026, 11, 1), today=TODAY)
    assert billing.save_batch(second.id, issue_date=dt.date(2026, 11, 2),
                              today=TODAY).invoice_numbers == ["INV-000002"]


def test_a_draft_saved_later_names_an_item_billed_meanwhile(db):
    """The command line's create-then-save: the draft remembers what its review
    selected, and the save refuses if another batch billed one of those."""
    b = small_book()
    draft = billing.create_batch("Everyone", "2026-10", today=TODAY)
    other = billing.create_batch("Just Acme", "2026-10", customers=["Acme Dental"], today=TODAY)
    billing.save_batch(other.id, today=TODAY)
    with pytest.raises(AlreadyBilledError, match=r"billed meanwhile by batch 'Just Acme'"):
        billing.save_batch(draft.id, today=TODAY)
    assert Batch.get_by_id(draft.id).status == "draft"
    # Excluding an item after the review is not a problem: it is still in the plan.
    later = billing.create_batch("Muller only", "2026-10", customers=["Müller GmbH"], today=TODAY)
    billing.update_draft(later.id, excluded=[f"project:{b['project'].id}"])
    assert billing.save_batch(later.id, today=TODAY).invoice_numbers == ["INV-000002"]


def test_a_reopened_ticket_stops_the_save_of_a_draft_that_included_it(db):
    b = small_book()
    draft = billing.create_batch("Oct", "2026-10", customers=["Acme Dental"], today=TODAY)
    t = Ticket.get_by_id(b["t2"].id)
    t.status = "open"
    t.save()
    with pytest.raises(AlreadyBilledError, match=f"ticket {t.number} is no longer billable"):
        billing.save_batch(draft.id, today=TODAY)
