"""A batch's plan: what is billable, customer -> contract -> period -> items."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


# Not frozen (nor are periods, contracts and customers): a month's plan of a
# large book makes 17,000 items and thousands of the others, and a frozen
# dataclass's __init__ (object.__setattr__ per field) took three times as long.
# Nothing changes them once the plan is made.
@dataclass(slots=True)
class PlanItem:
    """One billable thing (or a derived charge such as block overage).

    ``ref`` is what ``--exclude`` takes: ``ticket:123``, ``expense:9``,
    ``service_item:5@2026-10``, ``device:7@2026-10``, ``block:7@2026-10``,
    ``overage:7@2026-10``, ``project:3``.
    """

    ref: str
    kind: str
    description: str
    quantity: Decimal
    unit_price: int
    amount: int
    currency: str
    taxable: bool
    locked: bool = False
    lock_reason: str = ""
    minutes: int = 0  # billable minutes behind a labour item
    minutes_worked: int = 0  # all minutes (billable or not) behind it
    children: tuple["PlanItem", ...] = ()  # time entries of a ticket, for display


@dataclass(slots=True)
class PlanPeriod:
    ref: str  # contract:ID@PERIOD
    period: str
    start: dt.date
    end: dt.date  # exclusive
    locked: bool
    lock_reason: str
    items: tuple[PlanItem, ...]
    # block_hours contracts: the overage is derived from the selected tickets
    block_hours: Decimal | None = None
    overage_rate: int = 0
    # block_hours: billable minutes of this period's tickets billed already (the
    # overage is counted over them and the new ones) and the overage part to bill
    billed_minutes: int = 0
    overage_part: int = 1


@dataclass(slots=True)
class PlanContract:
    ref: str  # contract:ID
    id: int
    name: str
    type: str
    billing_period: str
    currency: str
    taxable: bool
    periods: tuple[PlanPeriod, ...]


@dataclass(slots=True)
class PlanCustomer:
    ref: str  # customer:ID
    id: int
    name: str
    currency: str
    tax_rate: Decimal
    contracts: tuple[PlanContract, ...]
    # an inactive customer: no recurring charges, its closed unbilled work offered
    final_bill: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    period: str
    detail: str
    customers: tuple[PlanCustomer, ...]
    left_out: tuple[str, ...] = ()  # e.g. "12 open tickets are not billable until closed"
    as_of: dt.date | None = None
