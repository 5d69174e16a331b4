"""``batchbill invoice show NUMBER``: one invoice with every line, by kind;
``batchbill invoice void NUMBER --reason TEXT``: void that invoice alone."""
from __future__ import annotations

from batchbill.commands._common import add_db_option, open_store, print_json

GROUPS = [
    ("Service items", ("service_item", "device", "block", "project")),
    ("Tickets", ("ticket",)),
    ("Time entries", ("time_entry",)),
    ("Expenses", ("expense",)),
]


def register(sub) -> None:
    inv = sub.add_parser("invoice", help="look invoices up")
    isub = inv.add_subparsers(dest="invoice_command", metavar="ACTION", required=True)
    p = isub.add_parser("show", help="one invoice with its lines")
    p.add_argument("number", help="invoice number, e.g. NS-000123, or what the search reads as one: 123, ns123")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_db_option(p)
    p.set_defaults(handler=run_show)
    p = isub.add_parser("void", help="void one invoice (its items become billable again; the rest "
                                     "of its batch stays saved)")
    p.add_argument("number", help="invoice number, e.g. NS-000123, or what the search reads as one: 123, ns123")
    p.add_argument("--reason", required=True, help="why (kept with the invoice's audit event)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_db_option(p)
    p.set_defaults(handler=run_void)


def run_void(args) -> int:
    from store import billing

    from store.search import resolve_invoice_number

    open_store(args)
    done = billing.void_invoice(resolve_invoice_number(args.number), args.reason)
    if args.json:
        print_json({"number": done.number, "status": "void", "batch": {"id": done.batch_id,
                    "name": done.batch_name}, "was_exported": done.was_exported,
                    "released_tickets": done.released_tickets, "reason": done.reason})
        return 0
    print(f"Voided invoice {done.number} of batch {done.batch_name!r}: its items are billable "
          "again; the rest of the batch stays saved")
    if done.was_exported:
        print(f"Warning: {done.number} was exported: void it in your accounting system too")
        print(f"The customer had it: `batchbill export --invoice {done.number} --format pdf` (or ubl, "
              "facturx) writes its credit note")
    return 0


def invoice_to_json(inv) -> dict:
    from store.money import format_minor, quantity_str

    m = lambda v: format_minor(v, inv.currency)  # noqa: E731
    return {
        "number": inv.number, "batch": {"id": inv.batch_id, "name": inv.batch_name},
        "customer": {"name": inv.customer.name, "region": inv.customer.region,
                     "email": inv.customer.email},
        "currency": inv.currency, "issue_date": inv.issue_date, "due_date": inv.due_date,
        "status": inv.status, "tax_rate": str(inv.tax_rate),
        "lines": [{"position": l.position, "kind": l.kind, "contract": l.contract,
                   "period": l.period, "description": l.description,
                   "quantity": quantity_str(l.quantity), "unit_price": m(l.unit_price),
                   "amount": m(l.amount), "taxable": l.taxable, "source": l.source}
                  for l in inv.lines],
        "subtotal": m(inv.subtotal), "tax": m(inv.tax), "total": m(inv.total),
    }


def percent(rate) -> str:
    """0.0825 -> '8.25%', 0.19 -> '19%'."""
    text = format((rate * 100).normalize(), "f")
    return f"{text}%"


def run_show(args) -> int:
    from batchbill.commands._table import render
    from store.invoices import load_invoice
    from store.money import format_minor, quantity_str

    from store.search import resolve_invoice_number

    open_store(args)
    inv = load_invoice(resolve_invoice_number(args.number))
    if args.json:
        print_json(invoice_to_json(inv))
        return 0
    m = lambda v: format_minor(v, inv.currency)  # noqa: E731
    print(f"Invoice {inv.number}  {inv.status}  {inv.currency}")
    print(f"Customer {inv.customer.name} ({inv.customer.region})  batch {inv.batch_name!r}")
    print(f"Issued {inv.issue_date}  due {inv.due_date}")
    for title, kinds in GROUPS:
        lines = [l for l in inv.lines if l.kind in kinds]
        if not lines:
            continue
        print(f"\n{title}")
        print(render([(l.contract, l.period, l.description, quantity_str(l.quantity),
                       m(l.unit_price), m(l.amount), "T" if l.taxable else "")
                      for l in lines],
                     ["contract", "period", "description", "qty", "rate", "amount", "tax"],
                     names={"contract": 1, "description": 3}, disable_numparse=True))
    print(f"\nSubtotal {m(inv.subtotal)}\nTax ({percent(inv.tax_rate)}) {m(inv.tax)}\n"
          f"Total {m(inv.total)} {inv.currency}")
    return 0
