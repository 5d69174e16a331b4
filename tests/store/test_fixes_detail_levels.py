"""A time entry left out at time-entry detail stays out at every detail level the
draft is switched to afterwards: in the editor's plan (plan_for_batch), its
totals, previews and the save (user finding 2 of the SSH trial)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from store import billing
from store.models import Invoice, InvoiceLine, TimeEntry
from tests.factories import contract, customer, ticket

TODAY = dt.date(2027, 1, 15)


@pytest.mark.parametrize("detail", ["contract", "ticket", "time_entry"])
def test_time_entry_left_out_at_time_entry_detail_stays_out_at_every_detail_level(db, detail):
    cust = customer("Acme", tax="0")
    hourly = contract(cust, "Support", "hourly", hourly_rate=10000)
    t = ticket(cust, hourly, minutes=(60, 30))
    _, second = TimeEntry.select().where(TimeEntry.ticket == t).order_by(TimeEntry.id)
    ref = f"time_entry:{second.id}"

    draft = billing.create_batch("Oct", "2026-10", detail="time_entry", today=TODAY)
    _, p = billing.plan_for_batch(draft.id, today=TODAY)
    excluded = billing.toggle(p, frozenset(), ref)
    assert billing.selection_totals(p, excluded) == {"USD": 10000}
    billing.update_draft(draft.id, excluded=excluded, detail=detail)

    # the editor reloads its plan after the detail changed
    stored, p = billing.plan_for_batch(draft.id, today=TODAY)
    assert stored.detail == detail and stored.excluded == excluded
    assert billing.selection_totals(p, excluded) == {"USD": 10000}
    assert billing.selection_totals(p, excluded, f"ticket:{t.id}") == {"USD": 10000}
    (preview,) = billing.invoice_previews(p, excluded)
    assert preview.subtotal == 10000
    assert billing.node_state(p, excluded, f"ticket:{t.id}") == "some"

    # saved with the plan the editor showed (as ctrl+s enter does)
    billing.save_batch(draft.id, today=TODAY, reviewed=p)
    invoice = Invoice.get(Invoice.batch == draft.id)
    lines = list(InvoiceLine.select().where(InvoiceLine.invoice == invoice))
    assert sum(l.amount for l in lines) == 10000
    assert sum(l.quantity for l in lines) == Decimal(1)
