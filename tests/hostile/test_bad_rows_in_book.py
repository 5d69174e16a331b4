"""Issue 13 finding 2: plan and save never crash on rows already in a book
(older versions, direct SQL) whose numbers are out of range: the bad row is
reported and left out, the rest of the period is billed."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from store import billing
from store.db import is_postgres
from store.models import Customer, Invoice, ServiceItem, Ticket
from tests.factories import contract, customer, expense, ticket

TODAY = dt.date(2026, 11, 15)


def book():
    good = customer("Good Co")
    support = contract(good, "Support", "hourly", hourly_rate=12500)
    ok_ticket = ticket(good, support, minutes=(60,), title="Fine")
    bad = customer("Bad Co")
    bad_support = contract(bad, "Support", "hourly", hourly_rate=12500)
    # the most each database can store: SQLite 64-bit, PostgreSQL's integer column 32-bit
    huge = 2**31 - 1 if is_postgres() else 2**63 - 1
    bad_ticket = ticket(bad, bad_support, minutes=(huge, 30), title="Overflow")
    big1 = expense(bad, bad_support, amount=5 * 10**18, description="Huge 1")
    big2 = expense(bad, bad_support, amount=5 * 10**18, description="Huge 2")
    fine = expense(bad, bad_support, amount=4999, description="Toner")
    retainer = contract(good, "Managed", "retainer")
    item = ServiceItem.create(contract=retainer, description="Too many", quantity=Decimal("1e30"),
                              unit_price=100)
    return {"ok_ticket": ok_ticket, "bad_ticket": bad_ticket, "big": (big1, big2), "fine": fine, "item": item}


def refs(p):
    return {it.ref for cu in p.customers for co in cu.contracts for pe in co.periods for it in pe.items}


def test_plan_leaves_out_out_of_range_rows_and_says_which(db):
    b = book()
    p = billing.plan("2026-10", today=TODAY)
    got = refs(p)
    assert f"ticket:{b['ok_ticket'].id}" in got and f"expense:{b['fine'].id}" in got
    assert f"ticket:{b['bad_ticket'].id}" not in got
    assert not {f"expense:{e.id}" for e in b["big"]} & got
    assert f"service_item:{b['item'].id}" not in {r.split("@")[0] for r in got}
    notes = "\n".join(p.left_out)
    assert f"ticket {b['bad_ticket'].number}" in notes and "minutes" in notes
    assert "expense" in notes and "Huge 1" in notes
    assert "service item" in notes and "Too many" in notes


def test_save_bills_the_rest_of_the_period(db):
    b = book()
    batch = billing.create_batch("Oct", "2026-10", actor="ann")
    result = billing.save_batch(batch.id, actor="ann", issue_date=dt.date(2026, 11, 1), today=TODAY)
    assert len(result.invoice_numbers) == 2
    assert Ticket.get_by_id(b["ok_ticket"].id).status == "billed"
    assert Ticket.get_by_id(b["bad_ticket"].id).status == "closed"
    bad_total = Invoice.get(Invoice.customer == Customer.get(Customer.name == "Bad Co")).total
    assert bad_total == 4999 + round(4999 * Decimal("0.08"))
