"""The shop's effective hourly rate and invoices against a market reference.

Effective hourly rate (EHR) of an hourly contract for a billed period = labour
amount billed (its ``ticket`` and ``time_entry`` lines on invoices that are
not void) / hours worked behind those lines (billable and non-billable,
``InvoiceLine.minutes_worked``). Converted to USD at the ECB rate of each
invoice's issue date. The shop's figure is the median over contract-periods
of the last 12 closed months. References come from the shipped CSV
(``store/data/benchmark_references.csv``) merged with rows imported into the
``benchmark_reference`` table; a region without a row has no reference, and
nothing falls back to another region.

:func:`benchmark_summary` is the one call the CLI and the dashboard make.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from store.rows import as_date as _as_date
from store.errors import ImportFileError, ValidationError
from store.money import MoneyError, check_currency, exponent

# store.rates (and the currency_converter package and zipfile behind it) loads only when
# something is computed: a dashboard start that finds its summary cached does without it.
if TYPE_CHECKING:
    from store.rates import RateBook


def _ecb_credit() -> str:
    from store.rates import ECB_CREDIT

    return ECB_CREDIT

EHR = "effective_hourly_rate"
LIST_RATE = "list_hourly_rate"
MONTHLY_INVOICE = "monthly_invoice_per_customer"
METRICS = (EHR, LIST_RATE, MONTHLY_INVOICE)
CONFIDENCES = ("", "low", "medium", "high")
COLUMNS = ("region", "metric", "value", "currency", "statistic", "year",
           "sample_size", "source", "confidence", "notes")
REQUIRED = ("region", "metric", "value", "currency", "statistic", "source")
LABOUR_KINDS = ("ticket", "time_entry")
WINDOW_MONTHS = 12
BELOW_COUNT = 5
SHIPPED_FILE = "benchmark_references.csv"

_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")
_METRIC_WORDS = {
    EHR: "effective hourly rate",
    LIST_RATE: "list hourly rate",
    MONTHLY_INVOICE: "monthly invoice per customer",
}


# --- results ------------------------------------------------------------------

@dataclass(frozen=True)
class ReferenceRow:
    region: str
    metric: str
    value: Decimal  # in ``currency``, major units
    currency: str
    statistic: str  # median | mean | midpoint | typical | ...
    year: int | None  # None: the source gives no year
    sample_size: int | None
    source: str
    confidence: str
    notes: str
    origin: str  # "shipped" (the package's CSV) | "imported"


@dataclass(frozen=True)
class ReferenceFigure:
    """The reference row chosen for a comparison, with its value in USD."""

    row: ReferenceRow
    label: str  # e.g. "mean effective hourly rate", "typical list hourly rate"
    kind_note: str  # what kind of figure it is (a list price is a ceiling)
    value_usd: Decimal | None
    rate: Decimal | None  # USD per unit of the reference currency
    rate_date: dt.date | None
    rate_note: str  # fallback or conversion problem, "" when none


@dataclass(frozen=True)
class ContractRate:
    """One hourly contract's EHR over the window (billed / hours, all its periods)."""

    contract_id: int
    contract: str
    customer: str
    currency: str
    periods: int
    hours: Decimal
    billed: Decimal  # contract currency, major units
    billed_usd: Decimal
    ehr: Decimal  # contract currency per hour
    ehr_usd: Decimal
    gap_percent: Decimal | None  # against the reference, negative = below


@dataclass(frozen=True)
class MonthPoint:
    month: str  # YYYY-MM (the last month of the billed period)
    median_ehr_usd: Decimal | None
    contract_periods: int


@dataclass(frozen=True)
class InvoicesVsMarket:
    median_monthly_invoice_usd: Decimal | None
    customer_months: int
    customers: int
    basis: str
    reference: ReferenceFigure | None
    gap_percent: Decimal | None
    message: str


@dataclass(frozen=True)
class BenchmarkSummary:
    region: str
    today: dt.date
    window_start: str  # first month, YYYY-MM
    window_end: str  # last month, YYYY-MM
    median_ehr_usd: Decimal | None
    median_label: str
    contract_periods: int
    hourly_contracts: int
    reference: ReferenceFigure | None
    reference_message: str
    gap_percent: Decimal | None
    trend: tuple[MonthPoint, ...]
    below: tuple[ContractRate, ...]
    below_title: str
    invoices: InvoicesVsMarket
    region_references: tuple[ReferenceRow, ...]
    rate_dates: tuple[dt.date, dt.date] | None  # oldest and newest ECB day used for the shop's figures
    notes: tuple[str, ...]
    credit: str = field(default_factory=_ecb_credit)


# --- small helpers ----------------------------------------------------------------

def decimal_median(values) -> Decimal | None:
    """The exact median of Decimals (mean of the two middle values when even)."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(_CENT, rounding=ROUND_HALF_UP)


def gap_percent(value: Decimal | None, reference: Decimal | None) -> Decimal | None:
    if value is None or not reference:
        return None
    return ((value - reference) / reference * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_months(period: str) -> list[int] | None:
    """Month indexes a period label covers (2026-10, 2026-Q4, 2026); None if unknown."""
    value = (period or "").strip().upper()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        if 1 <= int(m[2]) <= 12:
            return [_month_index(int(m[1]), int(m[2]))]
    elif m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
        first = _month_index(int(m[1]), 3 * int(m[2]) - 2)
        return [first, first + 1, first + 2]
    elif m := re.fullmatch(r"(\d{4})", value):
        first = _month_index(int(m[1]), 1)
        return list(range(first, first + 12))
    return None




def _major(minor: int | Decimal, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


# --- references -------------------------------------------------------------------

def _parse_reference_rows(text: str, name: str, origin: str, book: RateBook | None = None) -> list[ReferenceRow]:
    """Rows of a references CSV; ImportFileError lists 'FILE:LINE: column: reason'."""
    import csv
    import io
    from store.rates import RateBook
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError([f"{name}:1: {c}: missing column (expected {','.join(COLUMNS)})" for c in missing])
    reader.fieldnames = header
    problems: list[str] = []
    rows: list[ReferenceRow] = []
    seen: dict[tuple, int] = {}
    book = book or RateBook(use_imported=False)
    for raw in reader:
        line = reader.line_num
        cell = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        if not any(cell.values()):
            continue
        bad = len(problems)

        def problem(column: str, reason: str) -> None:
            problems.append(f"{name}:{line}: {column}: {reason}")

        for column in REQUIRED:
            if not cell[column]:
                problem(column, "required")
        region = cell["region"].upper()
        if region and not re.fullmatch(r"[A-Z]{2,8}", region):
            problem("region", f"not a region code (e.g. US, DE, UK): {cell['region']!r}")
        metric = cell["metric"].lower()
        if metric and metric not in METRICS:
            problem("metric", f"unknown metric {cell['metric']!r} (one of {', '.join(METRICS)})")
        value = None
        if cell["value"]:
            try:
                value = Decimal(cell["value"].replace(",", ""))
                if not value.is_finite() or value <= 0:
                    raise InvalidOperation
            except InvalidOperation:
                problem("value", f"not a positive number: {cell['value']!r}")
                value = None
        currency = ""
        if cell["currency"]:
            try:
                currency = check_currency(cell["currency"])
            except MoneyError as exc:
                problem("currency", str(exc))
            else:
                if not book.has(currency):
                    problem("currency", f"no ECB rate for {currency}: it could not be shown in USD")
        year = None
        if cell["year"]:
            if re.fullmatch(r"\d{4}", cell["year"]) and 1999 <= int(cell["year"]) <= 2100:
                year = int(cell["year"])
            else:
                problem("year", f"not a year from 1999 on (or empty when unknown): {cell['year']!r}")
        sample = None
        if cell["sample_size"]:
            if re.fullmatch(r"\d+", cell["sample_size"]) and int(cell["sample_size"]) > 0:
                sample = int(cell["sample_size"])
            else:
                problem("sample_size", f"not a positive whole number: {cell['sample_size']!r}")
        confidence = cell["confidence"].lower()
        if confidence not in CONFIDENCES:
            problem("confidence", f"must be low, medium, high or empty: {cell['confidence']!r}")
        if len(problems) > bad:
            continue
        key = (region, metric, year, cell["source"])
        if key in seen:
            problem("source", f"same region, metric, year and source as line {seen[key]}")
            continue
        seen[key] = line
        rows.append(ReferenceRow(region, metric, value, currency, cell["statistic"].lower(), year,
                                 sample, cell["source"], confidence, cell["notes"], origin))
    if problems:
        raise ImportFileError(problems)
    return rows


def shipped_references() -> list[ReferenceRow]:
    """The default reference set shipped with the package."""
    from importlib import resources  # pulls in zipfile: only when computing

    text = resources.files("store").joinpath("data", SHIPPED_FILE).read_text(encoding="utf-8")
    return _parse_reference_rows(text, f"store/data/{SHIPPED_FILE}", "shipped")


def _key(row: ReferenceRow) -> tuple:
    return (row.region, row.metric, row.year, row.source)


def all_references(region: str | None = None) -> list[ReferenceRow]:
    """Shipped rows, replaced or extended by imported ones (same region, metric, year, source)."""
    from store.models import BenchmarkReference as BR

    merged = {_key(r): r for r in shipped_references()}
    query = BR.select()
    if region:
        query = query.where(BR.region == region.upper())
    for r in query:
        row = ReferenceRow(r.region, r.metric, Decimal(r.value), r.currency, r.statistic, r.year,
                           r.sample_size, r.source, r.confidence or "", r.notes or "", "imported")
        merged[_key(row)] = row
    rows = [r for r in merged.values() if not region or r.region == region.upper()]
    return sorted(rows, key=lambda r: (r.region, r.metric, -(r.year or 0), r.source))


@dataclass(frozen=True)
class ReferencesImportResult:
    added: int
    replaced: int
    rows: int


def import_references(path: str | Path) -> ReferencesImportResult:
    """Add or replace reference rows keyed by (region, metric, year, source), all or nothing."""
    from store.db import db
    from store.models import AuditEvent
    from store.models import BenchmarkReference as BR
    from store.billing import current_actor
    from store.rates import RateBook

    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError([f"{path}:1: file: not UTF-8 text"]) from None
    rows = _parse_reference_rows(text, str(path), "imported", RateBook())
    if not rows:
        raise ImportFileError([f"{path}:2: file: no reference rows"])
    shipped = {_key(r) for r in shipped_references()}
    added = replaced = 0
    with db.atomic():
        for row in rows:
            year_match = BR.year.is_null() if row.year is None else (BR.year == row.year)
            deleted = BR.delete().where(
                (BR.region == row.region) & (BR.metric == row.metric) & year_match & (BR.source == row.source)
            ).execute()
            BR.create(region=row.region, metric=row.metric, value=row.value, currency=row.currency,
                      statistic=row.statistic, year=row.year, sample_size=row.sample_size,
                      source=row.source, confidence=row.confidence, notes=row.notes)
            if deleted or _key(row) in shipped:
                replaced += 1
            else:
                added += 1
        # the change token (the newest audit event) tells the dashboard's cached summary to go
        AuditEvent.create(actor=current_actor(), action="benchmark.import", subject=f"file {path.name}"[:200],
                          details=f"added {added}, replaced {replaced}")
    return ReferencesImportResult(added=added, replaced=replaced, rows=len(rows))


_CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1, "": 0}


def choose_reference(rows: list[ReferenceRow], region: str, metric: str) -> ReferenceRow | None:
    """The newest row of a region and metric; a known year beats an unknown one,
    then higher confidence, then the larger sample. Never another region."""
    candidates = [r for r in rows if r.region == region and r.metric == metric]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r.year is not None, r.year or 0,
                                          _CONFIDENCE_RANK.get(r.confidence, 0), r.sample_size or 0))


def reference_figure(row: ReferenceRow, book: RateBook) -> ReferenceFigure:
    """The row with its value in USD at the ECB rate of 1 July of its year
    (the newest rate day when the year is unknown)."""
    from store.rates import fallback_note
    words = _METRIC_WORDS.get(row.metric, row.metric.replace("_", " "))
    label = f"{row.statistic} {words}" if row.statistic else words
    if row.metric == LIST_RATE:
        kind = "a list price (the rate asked per hour): a ceiling, not an effective rate"
    elif row.metric == EHR:
        kind = "an effective rate (billed / hours worked), comparable with the shop's"
    else:
        kind = f"a {label}"
    day = dt.date(row.year, 7, 1) if row.year else book.latest_date()
    try:
        rate, rate_day, _a, _b = book.rate(row.currency, "USD", day)
    except ValidationError as exc:
        return ReferenceFigure(row, label, kind, None, None, None, f"not converted to USD: {exc}")
    note = ""
    if rate_day < day:
        note = fallback_note(day, rate_day, book.latest_date())
    elif not row.year:
        note = "year unknown: converted at the newest ECB rate"
    value_usd = cents(row.value * rate)
    return ReferenceFigure(row, label, kind, value_usd, rate, rate_day, note)


# --- the shop's figures --------------------------------------------------------------

@dataclass
class _PeriodAcc:
    contract_id: int
    currency: str
    month: int
    billed: int = 0  # minor units of ``currency``
    usd: int = 0  # cents
    minutes: int = 0


def _window(today: dt.date) -> tuple[int, int, dt.date]:
    """(first month, last month, first day): the 12 closed months before today's month."""
    last = _month_index(today.year, today.month) - 1
    first = last - WINDOW_MONTHS + 1
    return first, last, dt.date(first // 12, first % 12 + 1, 1)


class _Converter:
    """USD conversions of one summary: counts fallbacks and collects problems."""

    def __init__(self, book: RateBook):
        self.book = book
        self.days: set[dt.date] = set()
        self.fallbacks: set[dt.date] = set()
        self.problems: dict[str, int] = defaultdict(int)
        self._cache: dict[tuple[str, dt.date], tuple] = {}

    def to_usd(self, minor: int, currency: str, day: dt.date) -> int | None:
        key = (currency, day)
        got = self._cache.get(key)
        if got is None:
            try:
                got = self._cache[key] = self.book.rate(currency, "USD", day)
            except ValidationError as exc:
                self.problems[str(exc)] += 1
                return None
        rate, rate_day, per_eur_src, per_eur_usd = got
        if currency != "USD":
            self.days.add(rate_day)
            if rate_day < day:
                self.fallbacks.add(day)
        if currency == "USD":
            return int(minor)
        scaled = Decimal(int(minor)).scaleb(2 - exponent(currency))
        return int((scaled * per_eur_usd / per_eur_src).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _invoice_groups(since: dt.date):
    """One aggregate scan of the invoice lines issued since ``since`` (void left out):
    (customer, contract, is hourly labour, period, issue date, currency, amount, minutes)."""
    from peewee import JOIN, Case, fn

    from store.db import db
    from store.models import Contract, Invoice, InvoiceLine

    labour = Case(None, [(((Contract.type == "hourly") & InvoiceLine.kind.in_(LABOUR_KINDS)), 1)], 0)
    query = (
        InvoiceLine.select(
            Invoice.customer, InvoiceLine.contract, labour.alias("labour"), InvoiceLine.period,
            Invoice.issue_date, Invoice.currency,
            fn.SUM(InvoiceLine.amount), fn.SUM(InvoiceLine.minutes_worked),
        )
        .join(Invoice, on=(InvoiceLine.invoice == Invoice.id))
        .switch(InvoiceLine)
        .join(Contract, JOIN.LEFT_OUTER, on=(InvoiceLine.contract == Contract.id))
        .where((Invoice.status != "void") & (Invoice.issue_date >= since))
        .group_by(Invoice.customer, InvoiceLine.contract, labour, InvoiceLine.period,
                  Invoice.issue_date, Invoice.currency)
    )
    # the driver's rows as they come (tens of thousands: Peewee's per-row conversions
    # cost more than the query); each distinct issue date is parsed once
    sql, params = query.sql()
    days: dict = {}
    for customer_id, contract_id, is_labour, period, issued, currency, amount, minutes in (
            db.obj.execute_sql(sql, params)):
        day = days.get(issued)
        if day is None:
            day = days[issued] = _as_date(issued)
        yield (customer_id, contract_id, bool(is_labour), period, day, currency,
               int(amount or 0), int(minutes or 0))


def _shop_figures(first: int, last: int, since: dt.date, conv: _Converter):
    """(labour per contract-period, median monthly invoice USD, customer-months, customers)."""
    acc: dict[tuple, _PeriodAcc] = {}
    per_month: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    spans: dict[str, list[int] | None] = {}  # period label -> its months (a few dozen labels)
    for customer_id, contract_id, is_labour, period, issued, currency, amount, minutes in _invoice_groups(since):
        usd = conv.to_usd(amount, currency, issued)
        if usd is None:
            continue
        months = spans.get(period, ())
        if months == ():
            months = spans[period] = period_months(period)
        months = months or [_month_index(issued.year, issued.month)]
        share = Decimal(usd) / len(months)  # a quarter's fee counts a third in each of its months
        for month in months:
            if first <= month <= last:
                per_month[(customer_id, month)] += share
        month = months[-1]  # a contract-period belongs to the month it ends in
        if not is_labour or not first <= month <= last:
            continue
        key = (contract_id, period, currency)
        item = acc.get(key)
        if item is None:
            item = acc[key] = _PeriodAcc(contract_id, currency, month)
        item.billed += amount
        item.usd += usd
        item.minutes += minutes
    periods = {k: v for k, v in acc.items() if v.minutes > 0}
    values = [v / 100 for v in per_month.values() if v > 0]
    return periods, decimal_median(values), len(values), len({c for c, _m in per_month})


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


def sparkline(values) -> str:
    """▁▂▃▄▅▆▇█ for a series (a space where a month has no figure)."""
    bars = "▁▂▃▄▅▆▇█"
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values)
    low, high = min(known), max(known)
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif high == low:
            out.append(bars[3])
        else:
            out.append(bars[int((v - low) / (high - low) * (len(bars) - 1) + Decimal("0.5"))])
    return "".join(out)


def benchmark_summary(region: str | None = None, today: dt.date | None = None) -> BenchmarkSummary:
    """Everything the benchmark shows, in one call (aggregated in SQL)."""
    from store import settings

    region = (region or settings.get("home_region") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2,8}", region):
        raise ValidationError(f"region must be a code such as US, DE, UK: {region!r}")
    today = today or dt.date.today()
    from store.rates import RateBook

    first, last, since = _window(today)
    book = RateBook()
    conv = _Converter(book)

    periods, inv_median, customer_months, customers = _shop_figures(first, last, since, conv)
    period_ehr = {k: Decimal(v.usd * 60) / Decimal(v.minutes * 100) for k, v in periods.items()}
    median = decimal_median(period_ehr.values())

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

    # Per contract over the window.
    by_contract: dict[int, list[_PeriodAcc]] = defaultdict(list)
    for acc in periods.values():
        by_contract[acc.contract_id].append(acc)
    contract_rates = []
    for cid, accs in by_contract.items():
        minutes = sum(a.minutes for a in accs)
        usd = sum(a.usd for a in accs)
        currency = accs[0].currency
        billed = sum(a.billed for a in accs if a.currency == currency)
        ccy_minutes = sum(a.minutes for a in accs if a.currency == currency)
        ehr_usd = Decimal(usd * 60) / Decimal(minutes * 100)
        contract_rates.append((ehr_usd, cid, currency, len(accs), minutes, billed, ccy_minutes, usd))
    contract_rates.sort(key=lambda t: (t[0], t[1]))
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

    by_month: dict[int, list[Decimal]] = defaultdict(list)
    for key, value in period_ehr.items():
        by_month[periods[key].month].append(value)
    trend = tuple(
        MonthPoint(_month_label(m), cents(decimal_median(by_month.get(m, []))), len(by_month.get(m, [])))
        for m in range(first, last + 1)
    )

    inv_row = choose_reference(rows, region, MONTHLY_INVOICE)
    inv_ref = reference_figure(inv_row, book) if inv_row else None
    invoices = InvoicesVsMarket(
        median_monthly_invoice_usd=cents(inv_median),
        customer_months=customer_months,
        customers=customers,
        basis=("median over customer-months of the amount invoiced (lines net of tax, void invoices "
               "left out), in USD at each invoice's issue date; a quarter or year is spread evenly "
               "over its months"),
        reference=inv_ref,
        gap_percent=gap_percent(inv_median, inv_ref.value_usd if inv_ref else None),
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
    if not periods:
        notes.append("no billed hourly labour in the window: nothing to measure yet")
    n = len(period_ehr)
    return BenchmarkSummary(
        region=region,
        today=today,
        window_start=_month_label(first),
        window_end=_month_label(last),
        median_ehr_usd=cents(median),
        median_label=(f"median effective hourly rate over {n} contract-period(s) of hourly contracts, "
                      f"{_month_label(first)} to {_month_label(last)}, in USD"),
        contract_periods=n,
        hourly_contracts=len(by_contract),
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
