"""``batchbill demo``: fill an empty database with a realistic demo MSP."""
from __future__ import annotations

import datetime as dt
import sys

from batchbill.commands._common import add_db_option, open_store


def _positive(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _date(text: str) -> dt.date:
    import argparse

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def register(sub) -> None:
    from store.demo import DEFAULT_CUSTOMERS, DEFAULT_MONTHS, DEFAULT_SEED

    p = sub.add_parser(
        "demo", help="fill a new database with a demo MSP (customers, contracts, tickets, past invoices)",
        description="Fill an empty database with a realistic demo MSP. Same seed and same --today, "
        "same data. Refuses a database that already has customers.",
    )
    add_db_option(p)
    p.add_argument("--customers", type=_positive, default=DEFAULT_CUSTOMERS,
                   help=f"number of customers (default {DEFAULT_CUSTOMERS})")
    p.add_argument("--months", type=_positive, default=DEFAULT_MONTHS,
                   help=f"months of history up to today (default {DEFAULT_MONTHS})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--today", type=_date, default=None,
                   help="the day the data is anchored at, YYYY-MM-DD (default: today)")
    p.add_argument("--home", default="US", type=str.upper, choices=("US", "NL", "DE", "BE"),
                   help="the shop's country: its company identity (VAT id, registration, Peppol address, IBAN) "
                   "and its customers' VAT treatment (domestic standard rate, EU reverse charge, export); "
                   "default US (sales tax, no VAT)")
    p.set_defaults(handler=run)


def run(args) -> int:
    from tabulate import tabulate

    from store.demo import make_demo
    from store.status import database_status

    open_store(args, create=True)

    def progress(message: str) -> None:
        print(f"demo: {message}", file=sys.stderr, flush=True)

    report = make_demo(customers=args.customers, months=args.months, seed=args.seed,
                       today=args.today, progress=progress, home=args.home)
    status = database_status()
    rows = [
        ("customers", status["customers"]),
        ("regions", ", ".join(status["regions"])),
        ("currencies", ", ".join(status["currencies"])),
        ("contracts", ", ".join(f"{k} {v}" for k, v in status["contracts"].items())),
        ("tickets", ", ".join(f"{k} {v}" for k, v in status["tickets"].items())),
        ("time entries", status["time_entries"]),
        ("expenses", status["expenses"]),
        ("batches", status["batches"]),
        ("invoices", status["invoices"]),
    ]
    print(f"Demo MSP written to {status['database']} (seed {report.seed}, today {report.today}).")
    print(tabulate(rows, tablefmt="plain"))
    if not report.billing_available:
        print("Past months are not billed: this build has no billing service.")
    return 0
