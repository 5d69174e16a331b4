"""The benchmark's one call (:func:`benchmark_summary`, the CLI and the
dashboard), and the summary kept in the book until its data changes
(:func:`cached_benchmark_summary`, the dashboard's start)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import fields, is_dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from store.benchmark.results import (
    BELOW_COUNT, EHR, LIST_RATE, MONTHLY_INVOICE, BenchmarkSummary, ContractRate, InvoicesVsMarket, MonthPoint,
    ReferenceFigure, ReferenceRow, cents, gap_percent, month_label,
)
from store.errors import ValidationError
from store.money import exponent

# The ways to compute a summary (figures, kept, sql, references, conversion) load when one is
# computed: a start that finds the summary kept does without them.
if TYPE_CHECKING:
    from store.benchmark.conversion import RateBook
    from store.benchmark.figures import Converter, Figures

_CENT = Decimal("0.01")


def _major(minor: int | Decimal, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def _per_hour(minor: int, currency: str, minutes: int) -> Decimal:
    """Major units per hour: minor x 60 / (minutes x 10^exp)."""
    return Decimal(int(minor) * 60) / Decimal(int(minutes)).scaleb(exponent(currency))


def _contract_names(ids) -> dict[int, tuple[str, str]]:
    from store.models import Contract, Customer

    if not ids:
        return {}
    query = (Contract.select(Contract.id, Contract.name, Customer.name)
             .join(Customer, on=(Contract.customer == Customer.id))
             .where(Contract.id.in_(list(ids))).tuples())
    return {cid: (name, customer) for cid, name, customer in query}


def shop_figures(first: int, last: int, since: dt.date, book: RateBook) -> tuple[Figures, Converter]:
    """The shop's figures from the kept sums, or, in the cases they cannot serve, computed
    by the database from the facts; with the converter that counted their rate days,
    fallbacks and problems."""
    from store.benchmark.figures import Converter
    from store.benchmark.kept import kept_figures
    from store.benchmark.sql import sql_figures

    conv = Converter(book)
    figures = kept_figures(first, last, since, conv)
    if figures is None:
        conv = Converter(book)  # counted afresh by the other way
        figures = sql_figures(first, last, since, conv)
    return figures, conv


def benchmark_summary(region: str | None = None, today: dt.date | None = None) -> BenchmarkSummary:
    """Everything the benchmark shows, in one call (the shop's figures: :func:`shop_figures`)."""
    from store import settings

    region = (region or settings.get("home_region") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2,8}", region):
        raise ValidationError(f"region must be a code such as US, DE, UK: {region!r}")
    today = today or dt.date.today()
    from store.benchmark.conversion import RateBook
    from store.benchmark.figures import summary_window
    from store.benchmark.references import all_references, choose_reference, reference_figure

    first, last, since = summary_window(today)
    book = RateBook()
    figures, conv = shop_figures(first, last, since, book)
    median = figures.median

    rows = all_references(region)
    chosen = choose_reference(rows, region, EHR) or choose_reference(rows, region, LIST_RATE)
    reference = reference_figure(chosen, book) if chosen else None
    ref_usd = reference.value_usd if reference else None
    if reference is None:
        message = (f"no reference exists for {region}: the shop's own figures only "
                   "(no other region is used in its place)")
    elif chosen.metric == LIST_RATE:
        message = (f"no effective-rate reference for {region}; compared with a list price "
                   "(the rate asked per hour), which is a ceiling, not an effective rate")
    else:
        message = f"compared with the {reference.label} for {region}"

    # The contracts with the lowest effective rate over the window, lowest first.
    contract_rates = figures.contracts
    if ref_usd is not None:
        lowest = [t for t in contract_rates if t[0] < ref_usd][:BELOW_COUNT]
        below_title = f"the {BELOW_COUNT} contracts furthest below the reference"
    else:
        lowest = contract_rates[:BELOW_COUNT]
        below_title = f"the {BELOW_COUNT} contracts with the lowest effective rate (no reference)"
    names = _contract_names([t[1] for t in lowest])
    below = tuple(
        ContractRate(
            contract_id=cid, contract=names.get(cid, ("?", "?"))[0], customer=names.get(cid, ("?", "?"))[1],
            currency=currency, periods=n, hours=(Decimal(minutes) / 60).quantize(_CENT, rounding=ROUND_HALF_UP),
            billed=_major(billed, currency), billed_usd=_major(usd, "USD"),
            ehr=cents(_per_hour(billed, currency, ccy_minutes)), ehr_usd=cents(ehr_usd),
            gap_percent=gap_percent(ehr_usd, ref_usd),
        )
        for ehr_usd, cid, currency, n, minutes, billed, ccy_minutes, usd in lowest
    )

    trend = tuple(
        MonthPoint(month_label(m), cents(figures.months.get(m, (None, 0))[0]), figures.months.get(m, (None, 0))[1])
        for m in range(first, last + 1)
    )

    inv_row = choose_reference(rows, region, MONTHLY_INVOICE)
    inv_ref = reference_figure(inv_row, book) if inv_row else None
    invoices = InvoicesVsMarket(
        median_monthly_invoice_usd=cents(figures.invoice_median),
        customer_months=figures.customer_months,
        customers=figures.customers,
        basis=("median over customer-months of the amount invoiced (lines net of tax, void invoices "
               "left out), in USD at each invoice's issue date; a quarter or year is spread evenly "
               "over its months"),
        reference=inv_ref,
        gap_percent=gap_percent(figures.invoice_median, inv_ref.value_usd if inv_ref else None),
        message=(f"compared with the {inv_ref.label} for {region}" if inv_ref
                 else f"no reference exists for the monthly invoice per customer in {region}"),
    )

    notes = []
    if conv.fallbacks:
        notes.append(f"{len(conv.fallbacks)} invoice date(s) had no ECB rate of their own (weekend, "
                     f"holiday or after the newest rate, {book.latest_date().isoformat()}): "
                     "the last earlier rate was used")
    for problem, count in sorted(conv.problems.items()):
        notes.append(f"left out {count} invoice group(s): {problem}")
    n = figures.contract_periods
    if not n:
        notes.append("no billed hourly labour in the window: nothing to measure yet")
    return BenchmarkSummary(
        region=region,
        today=today,
        window_start=month_label(first),
        window_end=month_label(last),
        median_ehr_usd=cents(median),
        median_label=(f"median effective hourly rate over {n} contract-period(s) of hourly contracts, "
                      f"{month_label(first)} to {month_label(last)}, in USD"),
        contract_periods=n,
        hourly_contracts=figures.hourly_contracts,
        reference=reference,
        reference_message=message,
        gap_percent=gap_percent(median, ref_usd),
        trend=trend,
        below=below,
        below_title=below_title,
        invoices=invoices,
        region_references=tuple(rows),
        rate_dates=(min(conv.days), max(conv.days)) if conv.days else None,
        notes=tuple(notes),
    )


# --- the cached summary (the dashboard's start) -------------------------------------------

CACHE_NAME = "benchmark_summary"
CACHE_VERSION = 1  # bump when a result dataclass changes shape
_CACHE_TYPES = {cls.__name__: cls for cls in (ReferenceRow, ReferenceFigure, ContractRate, MonthPoint,
                                              InvoicesVsMarket, BenchmarkSummary)}


def _encode(value):
    """JSON-ready form of a summary: Decimals and dates tagged, dataclasses named, tuples as lists."""
    if is_dataclass(value):
        return {"$": type(value).__name__, **{f.name: _encode(getattr(value, f.name)) for f in fields(value)}}
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    return value


def _decode(value):
    """The inverse of :func:`_encode` (every list was a tuple: the results hold no lists)."""
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if isinstance(value, dict):
        if "$d" in value:
            return Decimal(value["$d"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        cls = _CACHE_TYPES[value["$"]]
        return cls(**{k: _decode(v) for k, v in value.items() if k != "$"})
    return value


def summary_to_json(summary: BenchmarkSummary) -> str:
    import json

    return json.dumps(_encode(summary), separators=(",", ":"))


def summary_from_json(text: str) -> BenchmarkSummary:
    import json

    summary = _decode(json.loads(text))
    if not isinstance(summary, BenchmarkSummary):
        raise ValueError("not a benchmark summary")
    return summary


def _cache_key(region: str, today: dt.date) -> str:
    """What the summary depends on: the data (the change token: every change to invoices,
    contracts, customers, imported rates and references writes an audit event), the region,
    today (the window and the ECB fallbacks move with it) and the shape of the results."""
    from store.listing import change_token

    return f"v{CACHE_VERSION}|{region}|{today.isoformat()}|{change_token()}"


def cached_benchmark_summary(region: str | None = None, today: dt.date | None = None) -> BenchmarkSummary:
    """:func:`benchmark_summary`, read back from the ``derived_cache`` table when nothing it
    depends on moved since it was computed; else computed and kept. Equal to a fresh
    :func:`benchmark_summary` (the cache round-trips every Decimal exactly)."""
    import peewee

    from store import settings
    from store.models import DerivedCache

    region = (region or settings.get("home_region") or "").strip().upper()
    today = today or dt.date.today()
    key = _cache_key(region, today)  # read before computing: a change meanwhile moves it again
    try:
        row = DerivedCache.get_or_none(DerivedCache.name == CACHE_NAME)
    except peewee.DatabaseError:
        row = None
    if row is not None and row.key == key:
        try:
            return summary_from_json(row.value)
        except (ValueError, KeyError, TypeError, InvalidOperation):
            pass  # written by another version: compute it again
    summary = benchmark_summary(region, today)
    _keep(key, summary_to_json(summary))
    return summary


def _keep(key: str, value: str) -> None:
    """Keep the summary if the book takes the write at once: a read-only book, or
    another process in the middle of a long save, only means it is not kept (the
    dashboard does not wait up to the 30 s busy timeout to show it)."""
    import peewee

    from store.db import db, is_postgres
    from store.models import DerivedCache

    sqlite = not is_postgres(db.obj)
    waited = None
    try:
        if sqlite:
            waited = db.execute_sql("PRAGMA busy_timeout").fetchone()[0]
            db.execute_sql("PRAGMA busy_timeout = 200")
        with db.atomic():
            (DerivedCache.insert(name=CACHE_NAME, key=key, value=value)
             .on_conflict(conflict_target=[DerivedCache.name],
                          update={DerivedCache.key: key, DerivedCache.value: value})
             .execute())
    except peewee.DatabaseError:
        pass  # not kept: the summary is right all the same
    finally:
        if waited is not None:
            db.execute_sql(f"PRAGMA busy_timeout = {int(waited)}")
