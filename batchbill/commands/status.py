"""``batchbill status``: what is in the database."""
from __future__ import annotations

from batchbill.commands._common import add_db_option, open_store, print_json


def register(sub) -> None:
    p = sub.add_parser("status", help="what is in the database")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=run)


def run(args) -> int:
    from tabulate import tabulate

    from store.status import database_status

    open_store(args)
    status = database_status()
    if args.json:
        print_json(status)
        return 0
    rows = [
        ("database", status["database"]),
        ("schema version", status["schema_version"]),
        ("customers", status["customers"]),
        ("regions", ", ".join(status["regions"]) or "-"),
        ("currencies", ", ".join(status["currencies"]) or "-"),
        ("contracts", ", ".join(f"{k} {v}" for k, v in status["contracts"].items()) or "-"),
        ("tickets", ", ".join(f"{k} {v}" for k, v in status["tickets"].items()) or "-"),
        ("time entries", status["time_entries"]),
        ("expenses", status["expenses"]),
        ("batches", status["batches"]),
        ("invoices", status["invoices"]),
    ]
    print(tabulate(rows, tablefmt="plain"))
    for o in status["billed_twice"]:
        print(f"billed twice: {o['source']} for {o['month']} again by batch {o['batch']!r} (under "
              f"{o['period']}): void one of the two invoices")
    return 0
