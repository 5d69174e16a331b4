"""``batchbill customer show|set``: a customer's invoice identity (address, VAT
id and category, Peppol electronic address, buyer reference)."""
from __future__ import annotations

from batchbill.commands._common import add_db_option, open_store, print_json


def register(sub) -> None:
    from store.customers import FIELDS

    p = sub.add_parser("customer", help="show or change a customer's invoice identity (address, VAT, Peppol)")
    actions = p.add_subparsers(dest="customer_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="a customer's e-invoice fields")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    add_db_option(show)
    show.set_defaults(handler=run_show)
    fields = "\n".join(f"  {k:22} {v[1]}" for k, v in FIELDS.items())
    import argparse

    set_ = actions.add_parser(
        "set", help="change fields: FIELD=VALUE ... (checked together; nothing stored on a mistake)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=f"Fields:\n{fields}\n\nExample: batchbill customer set 'Müller & Söhne GmbH' "
        "vat_category=AE tax_rate=0 vat_id=DE123456789")
    set_.add_argument("name", metavar="NAME")
    set_.add_argument("values", metavar="FIELD=VALUE", nargs="+")
    add_db_option(set_)
    set_.set_defaults(handler=run_set)


def run_show(args) -> int:
    from tabulate import tabulate

    from store.customers import customer_identity

    open_store(args)
    data = customer_identity(args.name)
    if args.json:
        print_json(data)
        return 0
    print(tabulate(list(data.items()), tablefmt="plain", disable_numparse=True))
    return 0


def run_set(args) -> int:
    from store.customers import set_customer_fields
    from store.errors import ValidationError

    values = {}
    for item in args.values:
        field, eq, value = item.partition("=")
        if not eq:
            raise ValidationError(f"{item!r}: give FIELD=VALUE, e.g. vat_id=DE123456789 (VALUE may be empty)")
        values[field.strip()] = value
    open_store(args)
    stored = set_customer_fields(args.name, values)
    for field, value in stored.items():
        print(f"{field} = {value}")
    return 0
