"""``batchbill invoice list``: invoices, newest first, by batch or customer, paged;
``batchbill invoice show NUMBER``: one invoice with every line, by kind;
``batchbill invoice void NUMBER --reason TEXT``: void that invoice alone."""
from __future__ import annotations

from batchbill.commands._common import add_db_option, open_store, print_json

PAGE_SIZE = 50  # as `batch list`

GROUPS = [
    ("Service items", ("service_item", "device", "block", "project")),
    ("Tickets", ("ticket",)),
    ("Time entries", ("time_entry",)),
    ("Expenses", ("expense",)),
]


def register(sub) -> None:
    inv = sub.add_parser("invoice", help="look invoices up")
    isub = inv.add_subparsers(dest="invoice_command", metavar="ACTION", required=True)
    p = isub.add_parser("list", help="invoices, newest first (of a batch, of a customer)")
    p.add_argument("--batch", metavar="NAME_OR_ID", help="only this batch's invoices (its id or exact name)")
    p.add_argument("--customer", metavar="NAME",
                   help="only this customer's invoices (its name, or a part of it naming one customer)")
    p.add_argument("--page", type=int, default=1, help=f"page of {PAGE_SIZE} (default 1: the newest)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_db_option(p)
    p.set_defaults(handler=run_list)
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


def run_list(args) -> int:
    from batchbill.commands._table import render, terminal_width
    from store.customers import match_customer
    from store.errors import ValidationError
    from store.invoices import find_batch
    from store.listing import recent_invoices
    from store.money import format_display, format_minor

    if args.page < 1:
        raise ValidationError(f"--page {args.page}: pages start at 1")
    open_store(args)
    batch = find_batch(args.batch) if args.batch is not None else None
    customer = match_customer(args.customer) if args.customer is not None else None
    invoices = recent_invoices(page=args.page - 1, page_size=PAGE_SIZE,
                               batch_id=batch.id if batch else None,
                               customer_id=customer.id if customer else None)
    if args.json:
        print_json([{"number": i.number, "customer": i.customer, "batch": {"id": i.batch_id, "name": i.batch_name},
                     "currency": i.currency, "total": format_minor(i.total, i.currency), "status": i.status,
                     "issue_date": i.issue_date, "due_date": i.due_date} for i in invoices])
        return 0
    if not invoices:
        which = " ".join(w for w in (f"of batch {batch.name!r}" if batch else "",
                                     f"of {customer.name}" if customer else "") if w)
        print(f"no invoices{' ' + which if which else ''}" + (f" on page {args.page}" if args.page > 1 else ""))
        return 0
    # the amount without its currency (a column of its own): number, amount, currency,
    # status and due date are never cut; the batch is shown when the whole table fits
    # the terminal, else left out (a customer's name matters more), and names are cut
    rows = [(i.number, i.customer, i.batch_name, format_display(i.total, i.currency).rsplit(" ", 1)[0],
             i.currency, i.status, i.due_date) for i in invoices]
    headers = ["number", "customer", "batch", "amount", "currency", "status", "due"]
    align = ("left", "left", "left", "right", "left", "left", "left")
    width = terminal_width()
    table = render(rows, headers, disable_numparse=True, colalign=align)  # nothing to cut: whole
    if width is not None and max(map(len, table.splitlines())) > width:
        table = render([r[:2] + r[3:] for r in rows], headers[:2] + headers[3:], names={"customer": 1},
                       disable_numparse=True, colalign=align[:2] + align[3:], width=width)
    print(table)
    if len(invoices) == PAGE_SIZE:
        print(f"older: batchbill invoice list --page {args.page + 1}")
    return 0


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
    from batchbill.commands._table import render, wrap
    from store.invoices import load_invoice
    from store.money import format_display, quantity_str

    from store.search import resolve_invoice_number

    open_store(args)
    inv = load_invoice(resolve_invoice_number(args.number))
    if args.json:
        print_json(invoice_to_json(inv))
        return 0
    # money as everywhere else in the CLI (store.money.format_display): thousands
    # separators; the currency after each total, not after the table's amounts (the
    # header says it), as `invoice list` does (issue 12: 'Subtotal 1302.00')
    money = lambda v: format_display(v, inv.currency)  # noqa: E731
    m = lambda v: money(v).rsplit(" ", 1)[0]  # noqa: E731
    print(wrap(f"Invoice {inv.number}  {inv.status}  {inv.currency}"))
    print(wrap(f"Customer {inv.customer.name} ({inv.customer.region})  batch {inv.batch_name!r}"))
    print(wrap(f"Issued {inv.issue_date}  due {inv.due_date}"))
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
    print(f"\nSubtotal {money(inv.subtotal)}\nTax ({percent(inv.tax_rate)}) {money(inv.tax)}\n"
          f"Total {money(inv.total)}")
    return 0
