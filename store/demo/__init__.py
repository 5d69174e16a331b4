"""Demo data: a realistic MSP book that lets a new user try batchbill.

Customers in several regions and currencies, every contract type, months of
tickets, time entries and expenses, and the past months billed through the
billing service. Deterministic: the same seed and the same ``today`` give the
same rows. Rows are written with bulk inserts and ids assigned here, month by
month, so a 2,000-customer book takes minutes in bounded memory.

The parts: :mod:`store.demo.data` (regions, names, titles), :mod:`store.demo.homes`
(the shop's country: its identity and its customers' VAT treatment),
:mod:`store.demo.generator` (customers, contracts, activity), :mod:`store.demo.writer`
(bulk inserts), :mod:`store.demo.helpers`.
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Callable

from store.db import db
from store.demo.data import REGIONS, Region
from store.demo.generator import DemoReport, _Generator
from store.demo.homes import HOMES, company_settings, home as demo_home
from store.demo.helpers import add_months, month_label, month_start
from store.demo.writer import _reset_sequences
from store.errors import ValidationError
from store.models import Customer
from store.stats import refresh_statistics

DEFAULT_CUSTOMERS = 30
DEFAULT_MONTHS = 12
DEFAULT_SEED = 7
ACTOR = "demo"

Progress = Callable[[str], None]



# --------------------------------------------------------------------------- public API
def past_periods(today: dt.date, months: int) -> list[tuple[str, dt.date]]:
    """The months of a ``months``-long history that the demo bills, oldest first:
    all but the last complete month and the current one. Each comes with the
    first day after it (the batch's issue date)."""
    first = add_months(month_start(today), -(months - 1))
    last_complete = add_months(month_start(today), -1)
    periods = []
    current = first
    while current < last_complete:
        after = add_months(current, 1)
        periods.append((month_label(current), after))
        current = after
    return periods


def bill_past_periods(periods: list[tuple[str, dt.date]], progress: Progress | None = None) -> list[str] | None:
    """Bill each (period, day after) through the billing service, oldest first:
    one saved batch ``Demo <period>`` with its invoices per period, issued on
    the day after the period. Returns the periods billed, or None when the
    billing service is not available in this build."""
    try:
        from store import billing
    except ImportError:
        return None
    billed = []
    for period, after in periods:
        started = time.monotonic()
        reviewed = billing.plan(period, today=after)  # one plan serves the draft and its save
        batch = billing.create_batch(name=f"Demo {period}", period=period, actor=ACTOR,
                                     reviewed=reviewed)
        result = billing.save_batch(batch.id, actor=ACTOR, issue_date=after, today=after,
                                    reviewed=reviewed)
        billed.append(period)
        if progress:
            progress(f"billed {period}: batch {result.batch_id}, "
                     f"{len(result.invoice_numbers)} invoices ({time.monotonic() - started:.1f} s)")
    return billed


def customer_count() -> int:
    return Customer.select().count()


def make_demo(customers: int = DEFAULT_CUSTOMERS, months: int = DEFAULT_MONTHS,
              seed: int = DEFAULT_SEED, today: dt.date | None = None,
              progress: Progress | None = None, bill: bool = True, home: str = "US") -> DemoReport:
    """Fill the open (empty) database with a demo MSP anchored at ``today``.

    Raises ValidationError if the database already has customers or the
    sizes make no sense. ``bill=False`` leaves every month unbilled. ``home``: the
    shop's country (US, NL, DE, BE: store/demo/homes.py), its identity and its
    customers' VAT treatment.
    """
    shop = demo_home(home)
    if customers < 1:
        raise ValidationError("--customers must be at least 1")
    if months < 1:
        raise ValidationError("--months must be at least 1")
    existing = customer_count()
    if existing:
        raise ValidationError(
            f"this database already has {existing} customers; the demo only fills an empty "
            "database: give a new file with --db"
        )
    today = today or dt.date.today()
    clock = time.monotonic()
    say = progress or (lambda message: None)
    gen = _Generator(customers, months, seed, today, shop)
    with db.atomic():
        _company_settings(shop)
        gen.make_customers()
        say(f"{customers} customers and their contracts ({time.monotonic() - clock:.1f} s)")
        month = gen.first_month
        for _ in range(months):
            gen.make_month(month)
            month = add_months(month, 1)
        _reset_sequences()
    # Every table was just filled: its statistics, before the months are billed
    # (the billing's saves refresh those of the tables they write).
    refresh_statistics(gen.writer.written)
    report = gen.report
    say(f"{report.tickets} tickets, {report.time_entries} time entries, {report.expenses} expenses "
        f"over {months} months ({time.monotonic() - clock:.1f} s)")
    if bill:
        billed = bill_past_periods(past_periods(today, months), progress)
        if billed is None:
            report.billing_available = False
            say("billing service not available: every month left unbilled")
        else:
            report.billed_periods = billed
    report.seconds = time.monotonic() - clock
    return report


def _company_settings(shop) -> None:
    from store import settings

    for key, value in company_settings(shop).items():
        settings.set_value(key, value)
