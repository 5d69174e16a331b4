"""``batchbill status``: what is in the database."""
from __future__ import annotations

from batchbill.commands._common import add_db_option, open_store, print_json


def register(sub) -> None:
    p = sub.add_parser("status", help="what is in the database")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=run)


def run(args) -> int:
    from batchbill.commands._table import pairs, wrap
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
        ("regions", list(status["regions"]) or "-"),
        ("currencies", list(status["currencies"]) or "-"),
        ("contracts", [f"{k} {v}" for k, v in status["contracts"].items()] or "-"),
        ("tickets", [f"{k} {v}" for k, v in status["tickets"].items()] or "-"),
        ("time entries", status["time_entries"]),
        ("expenses", status["expenses"]),
        ("batches", status["batches"]),
        ("invoices", status["invoices"]),
    ]
    print(pairs(rows))
    for o in status["billed_twice"]:
        print(wrap(f"billed twice: {o['source']} for {o['month']} again by batch {o['batch']!r} (under "
                   f"{o['period']}): void one of the two invoices"))
    return 0
