"""``batchbill batch plan|create|list|show|save|void``."""
from __future__ import annotations

import datetime as dt

from batchbill.commands._common import add_db_option, open_store, print_json


def _date(text: str) -> dt.date:
    import argparse

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def register(sub) -> None:
    batch = sub.add_parser("batch", help="plan, create, save and void billing batches")
    bsub = batch.add_subparsers(dest="batch_command", metavar="ACTION", required=True)

    def common(p, json=True):
        add_db_option(p)
        if json:
            p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("--today", type=_date, help=argparse_suppress())

    p = bsub.add_parser("plan", help="what is billable for a period")
    p.add_argument("--period", required=True, help="2026-10, 2026-Q4 or 2026")
    p.add_argument("--customer", action="append", help="customer name (repeatable; default all)")
    p.add_argument("--detail", choices=["ticket", "time_entry", "contract"], default="ticket")
    p.add_argument("--exclude", action="append", default=[], metavar="REF",
                   help="leave out a node, e.g. ticket:123 or customer:4 (repeatable)")
    common(p)
    p.set_defaults(handler=run_plan)

    p = bsub.add_parser("create", help="create a draft batch (and save it with --save)")
    p.add_argument("--name", required=True)
    p.add_argument("--period", required=True, help="2026-10, 2026-Q4 or 2026")
    p.add_argument("--customer", action="append", help="customer name (repeatable; default all)")
    p.add_argument("--exclude", action="append", default=[], metavar="REF",
                   help="leave out a node, e.g. ticket:123 (repeatable)")
    p.add_argument("--detail", choices=["ticket", "time_entry", "contract"], default="ticket")
    p.add_argument("--save", action="store_true", help="save it now: create the invoices")
    p.add_argument("--issue-date", type=_date, help="invoice date (default today)")
    common(p)
    p.set_defaults(handler=run_create)

    p = bsub.add_parser("list", help="batches, newest first")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--status", choices=["draft", "saved", "voided"])
    common(p)
    p.set_defaults(handler=run_list)

    p = bsub.add_parser("show", help="one batch with its invoices")
    p.add_argument("batch", help="batch id or name")
    common(p)
    p.set_defaults(handler=run_show)

    p = bsub.add_parser("save", help="save a draft batch: create its invoices")
    p.add_argument("batch", help="batch id or name")
    p.add_argument("--issue-date", type=_date, help="invoice date (default today)")
    common(p)
    p.set_defaults(handler=run_save)

    p = bsub.add_parser("delete", help="delete a draft batch (nothing was billed by it)")
    p.add_argument("batch", help="batch id or name")
    common(p)
    p.set_defaults(handler=run_delete)

    p = bsub.add_parser("void", help="void a saved batch (its items become billable again)")
    p.add_argument("batch", help="batch id or name")
    p.add_argument("--reason", required=True)
    common(p)
    p.set_defaults(handler=run_void)


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS


def _money(minor, currency):
    from store.money import format_display

    return format_display(minor, currency)


def run_plan(args) -> int:
    from batchbill.commands._table import render
    from store import billing

    open_store(args)
    p = billing.plan(args.period, args.customer, args.detail, args.exclude, today=args.today)
    excluded = billing.check_refs(args.exclude)
    if args.json:
        print_json(billing.plan_to_json(p, excluded))
        return 0
    rows = []
    for cu in p.customers:
        for co in cu.contracts:
            for pe in co.periods:
                for it in pe.items:
                    mark = "locked" if it.locked else (
                        "x" if billing.is_selected(p, excluded, it.ref) else "-")
                    rows.append((mark, it.ref, cu.name, co.name, pe.period, it.description[:48],
                                 str(it.quantity), _money(it.amount, it.currency)))
                    for ch in it.children:  # time entries: each can be left out on its own
                        sel = "locked" if it.locked else (
                            "x" if billing.is_selected(p, excluded, ch.ref) else "-")
                        rows.append((sel, f"  {ch.ref}", "", "", "", f"  {ch.description}"[:48],
                                     str(ch.quantity), _money(ch.amount, ch.currency)))
    print(f"Plan for {p.period} (detail: {p.detail}, as of {p.as_of})")
    print(render(rows, ["sel", "ref", "customer", "contract", "period", "item", "qty", "amount"],
                 names={"customer": 2, "contract": 2, "item": 3}, optional=["period", "contract"]))
    totals = billing.selection_totals(p, excluded)
    print("Selected: " + (", ".join(_money(v, k) for k, v in sorted(totals.items())) or "nothing"))
    for cu in p.customers:
        if cu.final_bill:
            print(f"Final bill: {cu.name} is inactive (no recurring charges; its closed work is offered)")
    for note in p.left_out:
        print(f"Left out: {note}")
    locked = sum(1 for cu in p.customers for co in cu.contracts for pe in co.periods if pe.locked)
    if locked:
        print(f"Locked: {locked} contract period{'s have' if locked != 1 else ' has'} not ended "
              "yet (shown, not billable; `--json` says when each becomes billable)")
    return 0


def _summary_json(s) -> dict:
    from store.money import format_minor

    return {"id": s.id, "name": s.name, "period": s.period, "status": s.status,
            "created_at": s.created_at, "created_by": s.created_by,
            "invoices": list(s.invoice_numbers),
            "totals": {c: format_minor(v, c) for c, v in s.totals}, "void_reason": s.void_reason}


def run_create(args) -> int:
    from store import billing

    open_store(args)
    summary = billing.create_batch(args.name, args.period, args.customer, args.detail,
                                   args.exclude, today=args.today)
    if not args.save:
        if args.json:
            print_json({**_summary_json(summary), "nothing_to_bill": list(summary.nothing_to_bill)})
        else:
            print(f"Draft batch {summary.id} {summary.name!r} for {summary.period} created; "
                  f"save it with: batchbill batch save {summary.id}")
            _print_idle(summary)
        return 0
    try:
        result = billing.save_batch(summary.id, issue_date=args.issue_date, today=args.today)
    except Exception:
        print(f"batchbill: draft batch {summary.id} {summary.name!r} was kept; nothing was billed",
              file=__import__("sys").stderr)
        raise
    if not args.json:
        _print_idle(summary)
    return _print_saved(result, args.json, idle=summary.nothing_to_bill)


def _print_idle(summary) -> None:
    """The customers asked for by name that the batch bills nothing: said, not left out silently."""
    if summary.nothing_to_bill:
        print(f"Nothing to bill for {summary.period}: {', '.join(summary.nothing_to_bill)}")


def _print_saved(result, as_json: bool, idle: tuple[str, ...] | None = None) -> int:
    """The saved batch; ``idle``: the customers asked for that it bills nothing
    (``batch create --save``: a key of the JSON)."""
    from store.money import format_minor
    from store.text import count

    if as_json:
        data = {"batch_id": result.batch_id, "name": result.batch_name,
                "invoice_numbers": result.invoice_numbers,
                "totals": {c: format_minor(v, c) for c, v in result.totals.items()}}
        if idle is not None:
            data["nothing_to_bill"] = list(idle)
        print_json(data)
        return 0
    print(f"Saved batch {result.batch_id} {result.batch_name!r}: "
          f"{count(len(result.invoice_numbers), 'invoice')}")
    if result.invoice_numbers:
        print(f"  {result.invoice_numbers[0]} .. {result.invoice_numbers[-1]}")
    for currency, total in sorted(result.totals.items()):
        print(f"  total {_money(total, currency)}")
    return 0


def run_save(args) -> int:
    from store import billing

    open_store(args)
    result = billing.save_batch(args.batch, issue_date=args.issue_date, today=args.today)
    return _print_saved(result, args.json)


def run_void(args) -> int:
    from store import billing
    from store.listing import recent_invoices
    from store.text import count, plural

    open_store(args)
    before = billing.get_batch(args.batch)
    exported = [i.number for i in recent_invoices(batch_id=before.id,
                                                  page_size=max(before.invoice_count, 1))
                if i.status == "exported"]
    summary = billing.void_batch(before.id, args.reason)
    if args.json:
        data = _summary_json(summary)
        data["exported_invoices"] = sorted(exported)
        print_json(data)
        return 0
    print(f"Voided batch {summary.id} {summary.name!r}: {count(before.live_count, 'invoice')} "
          f"void; its items are billable again")
    if exported:
        print(f"Warning: {len(exported)} of them {plural(len(exported), 'was', 'were')} exported "
              f"({', '.join(sorted(exported)[:5])}"
              f"{', ...' if len(exported) > 5 else ''}): void them in your accounting system too")
    return 0


def run_delete(args) -> int:
    from store import billing

    open_store(args)
    summary = billing.get_batch(args.batch)
    billing.delete_draft(summary.id)
    if args.json:
        print_json({"deleted": summary.id, "name": summary.name})
    else:
        print(f"Deleted draft batch {summary.id} {summary.name!r}")
    return 0


def run_list(args) -> int:
    from batchbill.commands._table import render
    from store.listing import home_currency, list_batches
    from store.money import home_first

    open_store(args)
    page = max(args.page, 1) - 1
    batches = list_batches(page=page, page_size=50, status=args.status)
    if args.json:
        print_json([_summary_json(b) for b in batches])
        return 0
    # created: the day (its time is in `batch show` and --json). The name is what
    # `export --batch` and `batch show` take, and "2026-11 billing" must read apart from
    # "2026-11 billing (2)": it is never cut. On a narrow terminal `by` gives way first,
    # then `created`, then the currencies beyond the first (the home currency's, as the
    # app's list shows it); a name still too wide wraps within its column (commands/_table.py)
    home = home_currency()
    rows = [(b.id, b.name, b.period, b.status, f"{b.created_at:%Y-%m-%d}", b.created_by,
             b.invoice_count, ", ".join(_money(v, c) for c, v in home_first(b.totals, home)))
            for b in batches]
    print(render(rows, ["id", "name", "period", "status", "created", "by", "inv.", "total"],
                 names={"by": 1}, wraps={"name": 30}, lists=["total"], optional=["by", "created"]))
    return 0


def run_show(args) -> int:
    from batchbill.commands._table import render, wrap
    from store import billing
    from store.listing import recent_invoices
    from store.money import format_minor

    open_store(args)
    draft = billing.get_draft(args.batch)
    s = draft.summary
    invoices = sorted(recent_invoices(batch_id=s.id, page_size=max(s.invoice_count, 1)),
                      key=lambda i: i.number)
    if args.json:
        data = _summary_json(s)
        data.update(detail=draft.detail, customers=draft.customers, excluded=sorted(draft.excluded))
        data["invoice_list"] = [
            {"number": i.number, "customer": i.customer, "currency": i.currency,
             "total": format_minor(i.total, i.currency),
             "status": i.status} for i in invoices]
        print_json(data)
        return 0
    print(wrap(f"Batch {s.id} {s.name!r}  period {s.period}  {s.status}  detail {draft.detail}"))
    print(wrap(f"Created {s.created_at:%Y-%m-%d %H:%M} by {s.created_by}"))
    print(wrap(f"Customers: {', '.join(draft.customers) if draft.customers else 'all'}"))
    if draft.excluded:
        print(wrap(f"Removed: {', '.join(sorted(draft.excluded))}"))
    if s.void_reason:
        print(wrap(f"Void reason: {s.void_reason}"))
    if invoices:
        print(render([(i.number, i.customer, i.issue_date, _money(i.total, i.currency), i.status)
                      for i in invoices], ["invoice", "customer", "date", "total", "status"],
                     names={"customer": 1}))
    return 0
