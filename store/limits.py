"""The ranges every number of the book is kept in (the importer refuses
anything outside them, docs/importing.md lists them), and the guard that
finds rows already in a book outside them (from older versions or direct
SQL), so that planning and saving leave them out instead of failing for
everyone."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

MONEY_MAX = Decimal(10) ** 9  # units of the currency per rate, fee, price or amount
MINOR_MAX = 10 ** 12  # MONEY_MAX in minor units of a 3-decimal currency: above it no currency is in range
QUANTITY_MAX = Decimal(10) ** 6  # service item quantity per period
QUANTITY_PLACES = 4
BLOCK_HOURS_MAX = Decimal(10_000)  # hours in a block per period
BLOCK_HOURS_PLACES = 2
DEVICE_COUNT_MAX = 10 ** 6
MINUTES_MAX = 7 * 24 * 60  # one time entry: at most a week of minutes (10,080)
RATE_PLACES = 6  # a fraction: 0.082500 (a percentage: 4 decimals, 8.2500%)
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
SHOWN = 5  # bad rows named in a plan's notes; the rest are counted


@dataclass
class OutOfRange:
    """Ids of the rows a plan leaves out, and one note per kind for the user."""

    contracts: set[int] = field(default_factory=set)
    service_items: set[int] = field(default_factory=set)
    tickets: set[int] = field(default_factory=set)
    expenses: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


# A plain non-negative decimal below 1,000,000 (QUANTITY_MAX): at most six
# digits before the point, ASCII digits only (Decimal() also takes others).
_SMALL_QUANTITY = re.compile(r"[0-9]{1,6}(?:\.[0-9]*)?").fullmatch


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _money_bad(value) -> bool:
    return value is None or not 0 <= int(value) <= MINOR_MAX


def _note(what: str, labels: list[str], why: str) -> str:
    shown = ", ".join(labels[:SHOWN]) + (f" and {len(labels) - SHOWN} more" if len(labels) > SHOWN else "")
    return f"{len(labels)} {what} left out: {why}: {shown} (fix them, then plan again)"


def out_of_range() -> OutOfRange:
    """Every row of the book a plan would read whose numbers are outside the
    ranges above. Each query filters in SQL, so a clean book costs a few
    index-less scans that return nothing."""
    from store.models import Contract, Expense, ServiceItem, Ticket, TimeEntry
    from store.rows import raw_rows

    bad = OutOfRange()
    entries = (TimeEntry.select(TimeEntry.ticket, Ticket.number, TimeEntry.minutes)
               .join(Ticket, on=(TimeEntry.ticket == Ticket.id))
               .where((Ticket.status == "closed")  # only closed tickets are billable: few, indexed
                      & ((TimeEntry.minutes < 0) | (TimeEntry.minutes > MINUTES_MAX))).tuples())
    labels = []
    for tid, number, minutes in entries:
        if tid not in bad.tickets:
            bad.tickets.add(tid)
            labels.append(f"ticket {number} ({minutes} minutes)")
    if labels:
        bad.notes.append(_note("ticket(s) with a time entry out of range", labels,
                               f"minutes must be 0 to {MINUTES_MAX:,}"))
    labels = []
    for eid, description, amount in (Expense.select(Expense.id, Expense.description, Expense.amount)
                                     .where((Expense.amount < 0) | (Expense.amount > MINOR_MAX)).tuples()):
        bad.expenses.add(eid)
        labels.append(f"expense {eid} {description!r}")
    if labels:
        bad.notes.append(_note("expense(s) out of range", labels, f"amounts must be 0 to {MONEY_MAX:,}"))
    labels = []
    # every active service item is read (the quantity is text): as plain rows,
    # and a quantity of at most six digits before the point and a whole price in
    # range pass without a Decimal (a clean book: thousands of rows, no Peewee)
    for sid, description, quantity, price in raw_rows(ServiceItem.select(
            ServiceItem.id, ServiceItem.description, ServiceItem.quantity, ServiceItem.unit_price)
            .where(ServiceItem.active == True)):  # noqa: E712
        if (type(price) is int and 0 <= price <= MINOR_MAX and type(quantity) is str
                and _SMALL_QUANTITY(quantity)):
            continue
        q = _decimal(quantity)
        if q is None or not 0 <= q <= QUANTITY_MAX or _money_bad(price):
            bad.service_items.add(sid)
            labels.append(f"service item {sid} {description!r}")
    if labels:
        bad.notes.append(_note("service item(s) out of range", labels,
                               f"quantity 0 to {QUANTITY_MAX:,}, price 0 to {MONEY_MAX:,}"))
    labels = []
    money = (Contract.hourly_rate, Contract.block_fee, Contract.overage_rate, Contract.device_rate,
             Contract.fixed_fee)
    cond = (Contract.device_count < 0) | (Contract.device_count > DEVICE_COUNT_MAX)
    for col in money:
        cond |= (col < 0) | (col > MINOR_MAX)
    for cid, name in Contract.select(Contract.id, Contract.name).where(cond).tuples():
        bad.contracts.add(cid)
        labels.append(f"contract {cid} {name!r}")
    for cid, name, hours in raw_rows(Contract.select(Contract.id, Contract.name, Contract.block_hours).where(
            Contract.type == "block_hours")):
        if type(hours) is str and _SMALL_QUANTITY(hours) and len(hours.partition(".")[0]) <= 4:
            continue  # at most 9999.x hours: in range
        h = _decimal(hours)
        if cid not in bad.contracts and (h is None or not 0 <= h <= BLOCK_HOURS_MAX):
            bad.contracts.add(cid)
            labels.append(f"contract {cid} {name!r}")
    if labels:
        bad.notes.append(_note("contract(s) out of range", labels,
                               f"rates and fees 0 to {MONEY_MAX:,}, devices 0 to {DEVICE_COUNT_MAX:,}, block "
                               f"hours 0 to {BLOCK_HOURS_MAX:,}"))
    return bad
