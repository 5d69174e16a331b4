"""``batchbill settings show|set``: the company and export settings."""
from __future__ import annotations

from batchbill.commands._common import add_db_option, open_store, print_json


def register(sub) -> None:
    p = sub.add_parser("settings", help="show or change the company and export settings")
    actions = p.add_subparsers(dest="settings_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="every setting with its value and meaning")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    add_db_option(show)
    show.set_defaults(handler=run_show)
    set_ = actions.add_parser("set", help="change one setting (validated)")
    set_.add_argument("key", metavar="KEY")
    set_.add_argument("value", metavar="VALUE")
    add_db_option(set_)
    set_.set_defaults(handler=run_set)


def run_show(args) -> int:
    from batchbill.commands._table import render
    from store.settings import settings_rows, settings_table

    open_store(args)
    if args.json:
        print_json(settings_rows())
        return 0
    rows = settings_table()
    print(render(rows, ["key", "value", "meaning"], names={"value": 1, "meaning": 1}, tablefmt="simple"))
    return 0


def run_set(args) -> int:
    from store.db import db
    from store.settings import SPECS, display, get, parse_value, resolve, set_value

    open_store(args)
    typed = parse_value(args.key, args.value)  # unknown key or bad value: one clear line, nothing stored
    spec = resolve(args.key)  # a family member's normalised key: xero_tax_type.19% -> xero_tax_type.0.19
    with db.atomic():
        # next_invoice_number: the store refuses a lower number than the last issued
        # (naming it) and audits a move forward
        typed = set_value(spec.key, args.value)
    if spec.key not in SPECS and typed == "":
        fallback = spec.key.split(".", 1)[0]
        print(f"{spec.key} removed: {fallback} ({get(fallback)!r}) applies")
        return 0
    print(f"{spec.key} = {display(typed)}  ({spec.help})")
    if args.key in ("invoice_prefix", "invoice_number_digits"):
        _warn_long_numbers()
    return 0


def _warn_long_numbers() -> None:
    from store.settings import get

    length = len(get("invoice_prefix")) + max(int(get("invoice_number_digits")), 1)
    if length > 21:
        print(f"note: invoice numbers will be at least {length} characters; "
              "QuickBooks Online takes at most 21, so qbo-csv exports will be refused")
