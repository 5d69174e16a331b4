"""``batchbill benchmark``: the shop's effective hourly rate against the
market reference of its region; ``benchmark import`` and ``benchmark
references`` manage the reference rows. ``batchbill rates import|show``:
ECB exchange rates."""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from decimal import Context, Decimal

from batchbill.commands._common import add_db_option, open_store, print_json
from store.errors import ValidationError


def _sub_db(parser) -> None:
    # default=SUPPRESS: a nested parser must not reset a --db given before its name.
    parser.add_argument("--db", dest="sub_db", default=argparse.SUPPRESS,
                        help="SQLite file path or postgresql:// URL")


def register(sub) -> None:
    p = sub.add_parser(
        "benchmark",
        help="effective hourly rate vs the market reference of a region",
        description="The shop's median effective hourly rate (last 12 closed months, in USD) "
        "against the reference of its region, the 12-month trend and the contracts furthest below.",
    )
    add_db_option(p)
    p.add_argument("--region", help="region code (default: the home_region setting)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--today", help=argparse.SUPPRESS)  # tests: fix the window
    p.set_defaults(handler=run_benchmark)
    bsub = p.add_subparsers(dest="benchmark_command", metavar="SUBCOMMAND")
    imp = bsub.add_parser("import", help="add or replace reference rows from a CSV file")
    imp.add_argument("file", help="CSV with region,metric,value,currency,statistic,year,"
                     "sample_size,source,confidence,notes")
    _sub_db(imp)
    imp.set_defaults(handler=run_import)
    refs = bsub.add_parser("references", help="list the reference rows (shipped and imported)")
    refs.add_argument("--region", default=argparse.SUPPRESS, help="only this region")
    refs.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    _sub_db(refs)
    refs.set_defaults(handler=run_references)

    r = sub.add_parser("rates", help="ECB exchange rates: import newer ones, show a rate")
    rsub = r.add_subparsers(dest="rates_command", metavar="SUBCOMMAND", required=True)
    rimp = rsub.add_parser("import", help="import an ECB eurofxref-hist.csv (or .zip)")
    rimp.add_argument("file")
    rimp.add_argument("--json", action="store_true")
    add_db_option(rimp)
    rimp.set_defaults(handler=run_rates_import)
    show = rsub.add_parser("show", help="the rate between two currencies on a day")
    show.add_argument("--from", dest="from_ccy", default="EUR", help="source currency (default EUR)")
    show.add_argument("--to", dest="to_ccy", default="USD", help="target currency (default USD)")
    show.add_argument("--date", help="YYYY-MM-DD (default: today)")
    show.add_argument("--amount", help="an amount of the source currency to convert, e.g. 1250.00")
    show.add_argument("--json", action="store_true")
    add_db_option(show)
    show.set_defaults(handler=run_rates_show)


def _day(text: str | None, what: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"{what}: not a date (YYYY-MM-DD): {text!r}") from None


def _money(value: Decimal | None, currency: str = "USD") -> str:
    return "-" if value is None else f"{value:,.2f} {currency}"


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:+.1f} %"


def run_benchmark(args) -> int:
    from store.benchmark.summary import benchmark_summary

    open_store(args)
    summary = benchmark_summary(args.region, _day(getattr(args, "today", None), "--today"))
    if args.json:
        print_json(dataclasses.asdict(summary))
        return 0
    print(render_summary(summary))
    return 0


def render_summary(s, width: int | None = None) -> str:
    """The summary as text, each line fitted to ``width`` (default: the
    terminal's; whole when stdout is not one): long lines wrap, the table of
    contracts cuts its names."""
    from batchbill.commands._table import pairs, render, terminal_width, wrap
    from store.benchmark.results import sparkline

    width = terminal_width() if width is None else width
    fit = lambda text: wrap(text, width) if width else text  # noqa: E731
    out = [fit(f"Benchmark for region {s.region}: closed months {s.window_start} to {s.window_end}"), ""]
    rows = [("Shop: median effective hourly rate", _money(s.median_ehr_usd))]
    ref = s.reference
    if ref is not None:
        row = ref.row
        rows += [
            (f"Reference: {ref.label}", f"{_money(ref.value_usd)}  ({row.value} {row.currency})"),
            ("Gap", _pct(s.gap_percent)),
            ("Reference is", ref.kind_note),
            ("Metric / statistic", f"{row.metric} / {row.statistic}"),
            ("Year", row.year or "unknown"),
            ("Sample size", row.sample_size or "not given"),
            ("Confidence", row.confidence or "not given"),
            ("Source", row.source),
            ("Rate date", f"{ref.rate_date or '-'}  {ref.rate_note}".rstrip()),
        ]
    out.append(pairs(rows, width))
    out += ["", fit(s.reference_message), fit(f"({s.median_label})"), ""]

    values = [p.median_ehr_usd for p in s.trend]
    known = [v for v in values if v is not None]
    span = f"  low {_money(min(known))}, high {_money(max(known))}" if known else "  no figures yet"
    trend = f"Trend, median per month {s.trend[0].month} .. {s.trend[-1].month}:"
    if width and len(f"{trend}  {sparkline(values)}{span}") > width:  # the bars on a line of their own
        out += [trend, fit(f"  {sparkline(values)}{span}")]
    else:
        out.append(f"{trend}  {sparkline(values)}{span}")
    out += ["", f"The {s.below_title.removeprefix('the ')}:"]
    if s.below:
        out.append(render(
            [(c.customer, c.contract, f"{c.ehr:,.2f} {c.currency}", f"{c.ehr_usd:,.2f}", f"{c.hours}",
              c.periods, _pct(c.gap_percent)) for c in s.below],
            ["Customer", "Contract", "EHR", "EHR USD", "Hours", "Periods", "Gap"],
            names={"Customer": 2, "Contract": 1}, width=width or None, disable_numparse=True,
        ))
    else:
        out.append("  none")
    inv = s.invoices
    out += ["", fit(f"Invoices vs market: median monthly invoice per customer "
                    f"{_money(inv.median_monthly_invoice_usd)} over {inv.customer_months} customer-month(s)")]
    if inv.reference is not None:
        r = inv.reference
        out.append(fit(f"  reference {r.label}: {_money(r.value_usd)} ({r.row.value} {r.row.currency}, "
                       f"{r.row.source}, rate date {r.rate_date}); gap {_pct(inv.gap_percent)}"))
    else:
        out.append(fit(f"  {inv.message}"))
    for note in s.notes:
        out.append(fit(f"Note: {note}"))
    out += ["", fit(s.credit)]
    return "\n".join(out)


def run_import(args) -> int:
    from store.benchmark.references import import_references

    open_store(args, create=True)
    result = import_references(args.file)
    print(f"references: {result.added} added, {result.replaced} replaced ({result.rows} row(s) in {args.file})")
    return 0


def run_references(args) -> int:
    from tabulate import tabulate

    from store.benchmark.references import all_references

    open_store(args)
    rows = all_references(getattr(args, "region", None))
    if getattr(args, "json", False):
        print_json([dataclasses.asdict(r) for r in rows])
        return 0
    if not rows:
        print(f"no reference exists for {getattr(args, 'region', '').upper()}")
        return 0
    print(tabulate(
        [(r.region, r.metric, f"{r.value} {r.currency}", r.statistic, r.year or "?", r.sample_size or "",
          r.confidence, r.origin, r.source) for r in rows],
        headers=["Region", "Metric", "Value", "Statistic", "Year", "Sample", "Confidence", "From", "Source"],
        disable_numparse=True,
    ))
    return 0


def run_rates_import(args) -> int:
    from store.benchmark.conversion import import_ecb_rates

    open_store(args, create=True)
    result = import_ecb_rates(args.file)
    if args.json:
        print_json(dataclasses.asdict(result))
        return 0
    span = f", {result.first_date} to {result.last_date}" if result.days else ""
    print(f"rates: {result.days} day(s){span}; {result.added} rate(s) added, {result.updated} changed, "
          f"{result.unchanged} already there ({len(result.currencies)} currencies)")
    return 0


def run_rates_show(args) -> int:
    from store.benchmark.conversion import ECB_CREDIT, RateBook
    from store.money import check_currency, format_minor, to_minor

    # Without a book the bundled ECB history still answers (imported rates need one).
    from pathlib import Path

    from batchbill.commands._common import database_target
    from store.db import is_url

    target = database_target(args)
    has_book = is_url(target) or Path(target).expanduser().exists()
    if has_book:
        open_store(args)
    day = _day(args.date, "--date") or dt.date.today()
    book = RateBook(use_imported=has_book)
    src, dst = args.from_ccy.strip().upper(), args.to_ccy.strip().upper()
    amount_text = args.amount or "1"
    try:
        check_currency(src)
        amount_minor = to_minor(amount_text, src)
    except ValueError as exc:
        raise ValidationError(f"--amount/--from: {exc}") from None
    result = book.convert(amount_minor, src, dst, day)
    if args.json:
        data = dataclasses.asdict(result)
        data["amount"] = format_minor(amount_minor, src)
        data["converted"] = format_minor(result.amount_minor, dst)
        print_json(data)
        return 0
    rate = Context(prec=8).plus(result.rate).normalize()  # eight significant digits
    print(f"1 {src} = {rate:f} {dst}  (ECB rate of {result.rate_date})")
    if args.amount:
        print(f"{format_minor(amount_minor, src)} {src} = {format_minor(result.amount_minor, dst)} {dst}")
    if result.note:
        print(f"Note: {result.note}")
    print(ECB_CREDIT)
    return 0
