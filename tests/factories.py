"""Small hand-made books for tests: every contract type, known numbers."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from store.models import Contract, Customer, Expense, ServiceItem, Ticket, TimeEntry

D = dt.date
T = dt.datetime


def customer(name="Acme Dental", region="US", currency="USD", tax="0.08", **kw):
    return Customer.create(name=name, region=region, currency=currency, tax_rate=Decimal(tax), **kw)


def contract(cust, name="Support", type="hourly", period="monthly", start=D(2026, 1, 1), **kw):
    kw.setdefault("currency", cust.currency)
    return Contract.create(customer=cust, name=name, type=type, billing_period=period,
                           start_date=start, **kw)


_numbers = {"n": 1000}


def ticket(cust, con, closed=T(2026, 10, 10, 12), status="closed", minutes=(60,), nonbillable=(),
           title="Printer jam", number=None):
    _numbers["n"] += 1
    t = Ticket.create(number=number or f"T-{_numbers['n']}", customer=cust, contract=con, title=title,
                      status=status, opened_at=(closed or T(2026, 10, 1)) - dt.timedelta(days=1),
                      closed_at=closed if status != "open" else None)
    for i, m in enumerate(minutes):
        TimeEntry.create(ticket=t, technician="ann", started_at=T(2026, 10, 1, 9) + dt.timedelta(hours=i),
                         minutes=m, billable=True, note=f"work {i}")
    for m in nonbillable:
        TimeEntry.create(ticket=t, technician="bo", started_at=T(2026, 10, 2, 9), minutes=m,
                         billable=False, note="internal")
    return t


def expense(cust, con, amount=4999, day=D(2026, 10, 5), description="Toner", billable=True):
    return Expense.create(customer=cust, contract=con, date=day, description=description,
                          amount=amount, billable=billable)


def small_book():
    """Two customers, every contract type; returns a dict of the records."""
    acme = customer("Acme Dental", "US", "USD", "0.08")
    hourly = contract(acme, "Support", "hourly", hourly_rate=12500)
    t1 = ticket(acme, hourly, minutes=(90, 30), nonbillable=(15,), title="Printer jam")  # 2.00 h
    t2 = ticket(acme, hourly, minutes=(10,), title="Password reset")  # 0.17 h
    t_open = ticket(acme, hourly, status="open", minutes=(20,), title="Still open")
    retainer = contract(acme, "Managed", "retainer")
    si = ServiceItem.create(contract=retainer, description="Server care", quantity=Decimal("2"), unit_price=15000)
    ex = expense(acme, hourly, 4999, description="Toner")

    muller = customer("Müller GmbH", "DE", "EUR", "0.19")
    block = contract(muller, "Block 10h", "block_hours", block_hours=Decimal("10"), block_fee=90000,
                     overage_rate=11000, taxable=True)
    t3 = ticket(muller, block, minutes=(480,), title="Migration")  # 8 h
    t4 = ticket(muller, block, minutes=(240,), title="Backup")  # 4 h -> 2 h overage
    devices = contract(muller, "RMM", "per_device", device_count=12, device_rate=450, taxable=False)
    quarterly = contract(muller, "Quarterly care", "retainer", period="quarterly")
    ServiceItem.create(contract=quarterly, description="Quarterly review", quantity=Decimal("1"), unit_price=30000)
    project = contract(muller, "Office move", "project_fixed", period="on_demand", fixed_fee=250000)
    return dict(acme=acme, hourly=hourly, t1=t1, t2=t2, t_open=t_open, retainer=retainer, si=si, ex=ex,
                muller=muller, block=block, t3=t3, t4=t4, devices=devices, quarterly=quarterly,
                project=project)
