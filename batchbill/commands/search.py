"""``batchbill search QUERY``: invoices and batches by number, customer,
batch name, line text or amount, newest first."""
from __future__ import annotations

from batchbill.commands._common import add_db_option, open_store, print_json


def register(sub) -> None:
    p = sub.add_parser("search", help="find invoices and batches")
    p.add_argument("query", nargs="+", help="invoice number, customer, batch name, line text or amount")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_db_option(p)
    p.set_defaults(handler=run)


def run(args) -> int:
    from tabulate import tabulate

    from store.money import format_display, format_minor
    from store.search import search

    open_store(args)
    hits = search(" ".join(args.query), page=max(args.page, 1) - 1)
    if args.json:
        print_json([
            {"kind": h.kind, "key": h.key, "title": h.title, "subtitle": h.subtitle,
             "currency": h.currency or None,
             "amount": format_minor(h.amount, h.currency) if h.currency else None, "date": h.date}
            for h in hits])
        return 0
    if not hits:
        print("No invoice or batch matches.")
        return 0
    print(tabulate(
        [(h.kind, h.key, h.title, h.subtitle, h.date,
          format_display(h.amount, h.currency) if h.currency else "") for h in hits],
        headers=["kind", "key", "title", "", "date", "amount"]))
    return 0
