"""``batchbill import KIND FILE``: customers, contracts, service items,
tickets, time entries or expenses from CSV, all or nothing."""
from __future__ import annotations

import sys

from batchbill.commands._common import EXIT_USER_ERROR, add_db_option, fail, open_store, print_json

KINDS = ("customers", "contracts", "service-items", "tickets", "time-entries", "expenses")
MAX_SHOWN = 50


def register(sub) -> None:
    p = sub.add_parser(
        "import",
        help="import customers, contracts, service-items, tickets, time-entries or expenses from CSV",
        description="Import one CSV file. Records are matched on external_id: a re-import updates "
        "them. A file with any bad row imports nothing and every problem is listed as "
        "FILE:LINE: column: reason. Import in this order: " + ", ".join(KINDS) + ".",
    )
    p.add_argument("kind", metavar="KIND", choices=KINDS, help="one of: " + ", ".join(KINDS))
    p.add_argument("file", metavar="FILE", nargs="?", help="CSV file (UTF-8, comma-separated, header line)")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--columns", action="store_true",
                   help="list the columns KIND accepts (name, required, type, meaning) and exit")
    p.set_defaults(handler=run)


def run(args) -> int:
    from store.errors import ImportFileError
    from store.importing import import_file

    if args.columns:
        return print_columns(args.kind)
    if not args.file:
        return fail(f"give the CSV FILE to import (batchbill import {args.kind} FILE), or --columns "
                    "to see the columns it needs")
    open_store(args, create=True)
    try:
        summary = import_file(args.kind, args.file)
    except ImportFileError as exc:
        for problem in exc.problems[:MAX_SHOWN]:
            print(problem, file=sys.stderr)
        total = getattr(exc, "total", len(exc.problems))
        hidden = total - min(MAX_SHOWN, len(exc.problems))
        if hidden > 0:
            print(f"... and {hidden} more", file=sys.stderr)
        hint = ""
        if any(("unknown column" in p or "required column" in p) for p in exc.problems):
            hint = f" (batchbill import {args.kind} --columns lists the columns)"
        print(f"batchbill: nothing imported: {total} problem(s) in {args.file}{hint}",
              file=sys.stderr)
        return EXIT_USER_ERROR
    if args.json:
        print_json(summary.as_dict())
        return 0
    print(f"{summary.file}: {summary.rows} {summary.kind} row(s): {summary.created} created, "
          f"{summary.updated} updated, {summary.unchanged} unchanged")
    return 0


def print_columns(kind: str) -> int:
    from tabulate import tabulate

    from store.importing import SPECS, type_label

    rows = [(c.name, "yes" if c.required else "", type_label(c), c.meaning) for c in SPECS[kind]]
    print(tabulate(rows, headers=("column", "req.", "type", "meaning"), tablefmt="simple",
                   maxcolwidths=[None, None, 18, 27]))
    return 0
