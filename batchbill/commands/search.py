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


_WITH_VALUE = ("--page", "--db")
_FLAGS = ("--json", "-h", "--help")


def query_first(argv: list[str]) -> list[str]:
    """``search -discount`` searches for '-discount': the words of a search that
    start with '-' and are none of its options go after ``--``, so argparse takes
    them as the query (``search --json -discount --db B`` works too)."""
    top = 0
    while top < len(argv) and argv[top] != "search":
        if argv[top] == "--db":
            top += 1
        elif not argv[top].startswith("-"):
            return argv  # another command
        top += 1
    if top >= len(argv):
        return argv
    options, words = [], []
    rest = argv[top + 1:]
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--":
            words.extend(rest[i + 1:])
            break
        if arg in _WITH_VALUE and i + 1 < len(rest):
            options.extend(rest[i:i + 2])
            i += 2
            continue
        if arg in _FLAGS or arg.split("=", 1)[0] in _WITH_VALUE:
            options.append(arg)
        else:
            words.append(arg)
        i += 1
    return [*argv[:top + 1], *options, "--", *words] if words else argv


def run(args) -> int:
    from batchbill.commands._table import render
    from store.money import format_display, format_minor
    from store.search import search

    open_store(args)
    hits = search(" ".join(args.query), page=max(args.page, 1) - 1)
    if args.json:
        print_json([
            {"kind": h.kind, "key": h.key, "title": h.title, "subtitle": h.subtitle,
             "matched": h.matched, "where": h.where, "currency": h.currency or None,
             "amount": format_minor(h.amount, h.currency) if h.currency else None, "date": h.date}
            for h in hits])
        return 0
    if not hits:
        print("No invoice or batch matches.")
        return 0
    # the app's columns (Found, Where, Amount, Date) after the key other commands take
    # (an invoice's number, a batch's id); on a narrow terminal Where wraps within its
    # column rather than being cut: its status and batch name are what a reader picks by
    print(render(
        [(h.key, _found(h), h.where, format_display(h.amount, h.currency) if h.currency else "", h.date)
         for h in hits],
        ["key", "found", "where", "amount", "date"], names={"found": 1}, wraps={"where": 20},
        disable_numparse=True))
    return 0


def _found(hit) -> str:
    """The app's Found column without the number the key column shows."""
    if hit.kind == "batch":
        return f"batch {hit.title}"
    return hit.title[len(hit.key):].strip() if hit.title.startswith(hit.key) else hit.title
