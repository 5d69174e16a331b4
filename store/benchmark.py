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

How the shop's figures are computed (all three give the same figures, to the last
Decimal digit, as the per-group loop over the invoice lines did before):

1. :func:`_figures_kept`: from the sums billing keeps with its invoices
   (store/facts.py: USD per customer-month and per hourly contract-period, each
   group of lines converted once with an exact integer fraction of the ECB rates);
   medians are read in index order. Used when the kept conversions and hourly
   contracts match today's (they are brought up to date first when they do not).
2. :func:`_figures_sql`: from the facts (the groups), converted and summed by the
   database at each call: when the kept sums cannot be used (a group issued before a
   month it counts in, within the window; a book that cannot take the write that
   would bring them up to date).
3. :func:`_figures_python`: the groups converted one by one in Python, the old
   loop: for what the other two leave (a period label billing does not write, one
   of the lowest contracts billed in two currencies, amounts beyond 64-bit sums).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
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
    """One reference figure of a region, shipped or imported."""

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
    """The median EHR of the contract-periods ending in one month."""

    month: str  # YYYY-MM (the last month of the billed period)
    median_ehr_usd: Decimal | None
    contract_periods: int


@dataclass(frozen=True)
class InvoicesVsMarket:
    """The median amount invoiced per customer and month against a reference."""

    median_monthly_invoice_usd: Decimal | None
    customer_months: int
    customers: int
    basis: str
    reference: ReferenceFigure | None
    gap_percent: Decimal | None
    message: str


@dataclass(frozen=True)
class BenchmarkSummary:
    """Everything the benchmark shows (:func:`benchmark_summary`)."""

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
    return list(_shipped_references())


@lru_cache(maxsize=1)
def _shipped_references() -> tuple[ReferenceRow, ...]:
    try:  # beside this module (importlib.resources costs its own import and zipfile's)
        text = (Path(__file__).with_name("data") / SHIPPED_FILE).read_text(encoding="utf-8")
    except OSError:
        from importlib import resources

        text = resources.files("store").joinpath("data", SHIPPED_FILE).read_text(encoding="utf-8")
    return tuple(_parse_reference_rows(text, f"store/data/{SHIPPED_FILE}", "shipped"))


def _key(row: ReferenceRow) -> tuple:
    return (row.region, row.metric, row.year, row.source)


def all_references(region: str | None = None) -> list[ReferenceRow]:
    """Shipped rows, replaced or extended by imported ones (same region, metric, year, source)."""
    from store.db import db

    merged = {_key(r): r for r in _shipped_references()}
    sql = ("SELECT region, metric, value, currency, statistic, year, sample_size, source, confidence, notes "
           'FROM "benchmark_reference"')
    params: tuple = ()
    if region:
        sql += f" WHERE region = {db.obj.param}"
        params = (region.upper(),)
    for reg, metric, value, currency, statistic, year, sample, source, confidence, notes in (
            db.obj.execute_sql(sql, params).fetchall()):
        row = ReferenceRow(reg, metric, Decimal(value), currency, statistic, year, sample, source,
                           confidence or "", notes or "", "imported")
        merged[_key(row)] = row
    rows = [r for r in merged.values() if not region or r.region == region.upper()]
    return sorted(rows, key=lambda r: (r.region, r.metric, -(r.year or 0), r.source))


@dataclass(frozen=True)
class ReferencesImportResult:
    """What ``benchmark import`` did."""

    added: int
    replaced: int
    rows: int


def import_references(path: str | Path) -> ReferencesImportResult:
    """Add or replace reference rows keyed by (region, metric, year, source), all or nothing."""
    from store.db import db
    from store.models import AuditEvent
    from store.models import BenchmarkReference as BR
    from store.audit import current_actor
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

class _PeriodAcc:
    """One contract-period's labour, summed over its groups."""

    __slots__ = ("contract_id", "currency", "month", "billed", "usd", "minutes")

    def __init__(self, contract_id: int, currency: str, month: int):
        self.contract_id = contract_id
        self.currency = currency
        self.month = month
        self.billed = 0  # minor units of ``currency``
        self.usd = 0  # cents
        self.minutes = 0


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

    def lookup(self, currency: str, day: dt.date) -> tuple | str:
        """The book's rate tuple for (currency, day), or why there is none."""
        key = (currency, day)
        got = self._cache.get(key)
        if got is None:
            try:
                got = self.book.rate(currency, "USD", day)
            except ValidationError as exc:
                return str(exc)
            self._cache[key] = got
        return got

    def used(self, currency: str, day: dt.date, got: tuple) -> None:
        """Count a converted group's rate day (and fallback) as :meth:`to_usd` does."""
        if currency != "USD":
            self.days.add(got[1])
            if got[1] < day:
                self.fallbacks.add(day)

    def to_usd(self, minor: int, currency: str, day: dt.date) -> int | None:
        got = self.lookup(currency, day)
        if isinstance(got, str):
            self.problems[got] += 1
            return None
        rate, rate_day, per_eur_src, per_eur_usd = got
        self.used(currency, day, got)
        if currency == "USD":
            return int(minor)
        scaled = Decimal(int(minor)).scaleb(2 - exponent(currency))
        return int((scaled * per_eur_usd / per_eur_src).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class _Figures:
    """What the summary needs of the shop's invoices in the window."""

    def __init__(self, **values):
        self.median: Decimal | None = None  # median EHR in USD over the contract-periods (not rounded)
        self.contract_periods = 0
        # month index -> (median EHR in USD, contract-periods ending in that month)
        self.months: dict[int, tuple[Decimal | None, int]] = {}
        # the hourly contracts with the lowest EHR, lowest first (at most BELOW_COUNT):
        # (ehr_usd, contract id, currency, periods, minutes, billed in that currency,
        # minutes of that currency's periods, usd)
        self.contracts: list[tuple] = []
        self.hourly_contracts = 0
        self.invoice_median: Decimal | None = None  # USD, not rounded
        self.customer_months = 0
        self.customers = 0
        for name, value in values.items():
            setattr(self, name, value)


def _ehr(usd: int, minutes: int) -> Decimal:
    return Decimal(usd * 60) / Decimal(minutes * 100)


def _contract_tuple(cid: int, accs: list[_PeriodAcc]) -> tuple:
    minutes = sum(a.minutes for a in accs)
    usd = sum(a.usd for a in accs)
    currency = accs[0].currency
    billed = sum(a.billed for a in accs if a.currency == currency)
    ccy_minutes = sum(a.minutes for a in accs if a.currency == currency)
    return (_ehr(usd, minutes), cid, currency, len(accs), minutes, billed, ccy_minutes, usd)


# Reading the facts (store/facts.py). SQLite gives dates back as text, PostgreSQL as dates;
# both order them as days.

def _day_param(database, day: dt.date):
    from store.db import is_postgres

    return day if is_postgres(database) else day.isoformat()


def _fact_groups(since: dt.date, customers=None):
    """The groups the benchmark converts, from the facts: (customer, contract, is hourly
    labour, period, issue date, currency, amount, minutes), one per customer, contract,
    labour or not, period, issue date and currency of the lines of non-void invoices issued
    since ``since``, in that order (that of the GROUP BY over the lines this replaced).
    ``customers``: only theirs."""
    from store.db import db

    database = db.obj
    mark = database.param
    sql = ("SELECT f.customer_id, f.contract_id, CASE WHEN c.type = 'hourly' THEN 1 ELSE 0 END, f.period, "
           "f.issue_date, f.currency, f.labour_amount, f.labour_minutes, f.labour_lines, f.other_amount, "
           'f.other_lines FROM "benchmark_fact" f LEFT JOIN "contract" c ON c.id = f.contract_id '
           f"WHERE f.issue_date >= {mark}")
    params: list = [_day_param(database, since)]
    if customers is not None:
        customers = sorted(customers)
        sql += f" AND f.customer_id IN ({', '.join([mark] * len(customers))})"
        params += customers
    groups = []
    for cu, co, hourly, period, issued, currency, la, lm, ll, oa, ol in database.execute_sql(sql, params):
        contract = co or None  # 0: lines without a contract
        if hourly:
            if ll:
                groups.append((cu, contract, 1, period, issued, currency, int(la), int(lm)))
            if ol:
                groups.append((cu, contract, 0, period, issued, currency, int(oa), 0))
        else:  # the lines of other contracts are one group (minutes count only for labour)
            groups.append((cu, contract, 0, period, issued, currency, int(la) + int(oa), int(lm)))
    groups.sort(key=lambda g: (g[0], g[1] or 0, g[2], g[3], g[4], g[5]))
    days: dict = {}
    for cu, contract, labour, period, issued, currency, amount, minutes in groups:
        day = days.get(issued)
        if day is None:
            day = days[issued] = _as_date(issued)
        yield cu, contract, bool(labour), period, day, currency, amount, minutes


def _customer_months(groups, first: int, last: int, conv: _Converter, acc=None):
    """{(customer, month): USD cents} of the groups, each spread over its period's months
    (the Decimal sums the median is taken of); ``acc`` receives the labour per
    contract-period when given."""
    per_month: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    spans: dict[str, list[int] | None] = {}  # period label -> its months (a few dozen labels)
    for customer_id, contract_id, is_labour, period, issued, currency, amount, minutes in groups:
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
        if acc is None:
            continue
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
    return per_month


def _figures_python(first: int, last: int, since: dt.date, conv: _Converter) -> _Figures:
    """Every group converted in Python, one at a time: exact in every case the SQL of
    :func:`_figures_sql` leaves to it (a period label billing does not write, a contract
    billed in two currencies, amounts too large for 64-bit sums)."""
    acc: dict[tuple, _PeriodAcc] = {}
    per_month = _customer_months(_fact_groups(since), first, last, conv, acc)
    periods = {k: v for k, v in acc.items() if v.minutes > 0}
    period_ehr = {k: _ehr(v.usd, v.minutes) for k, v in periods.items()}
    by_contract: dict[int, list[_PeriodAcc]] = defaultdict(list)
    by_month: dict[int, list[Decimal]] = defaultdict(list)
    for key, item in periods.items():
        by_contract[item.contract_id].append(item)
        by_month[item.month].append(period_ehr[key])
    values = [v / 100 for v in per_month.values() if v > 0]
    return _Figures(
        median=decimal_median(period_ehr.values()),
        contract_periods=len(period_ehr),
        months={m: (decimal_median(vs), len(vs)) for m, vs in by_month.items()},
        contracts=sorted((_contract_tuple(cid, accs) for cid, accs in by_contract.items()),
                         key=lambda t: (t[0], t[1]))[:BELOW_COUNT],
        hourly_contracts=len(by_contract),
        invoice_median=decimal_median(values),
        customer_months=len(values),
        customers=len({c for c, _m in per_month}),
    )


_INT64 = (1 << 63) - 1
_DOUBLE_EXACT = 1 << 53


def _integer_rate(currency: str, per_eur_src: Decimal, per_eur_usd: Decimal) -> tuple[int, int] | None:
    from store.facts import integer_rate

    return integer_rate(currency, per_eur_src, per_eur_usd)


def _usd_sql(amount: str) -> str:
    """SQL for round_half_up(amount x r.a / r.b) in integers (half away from zero)."""
    from store.facts import usd_sql

    return usd_sql(amount, "r.a", "r.b")


def _figures_sql(first: int, last: int, since: dt.date, conv: _Converter) -> _Figures | None:
    """The figures from the facts with the conversions and sums done by the database.

    Each group is converted in SQL with integer arithmetic that rounds exactly as
    :meth:`_Converter.to_usd` does; contract-periods and customer-months are summed
    there, and only the few values around each median come back to be ordered
    exactly here (the database orders by a float key, which never misorders two
    different ratios of integers below 2^53, and ties are ordered again as Decimals).
    None when a case needs :func:`_figures_python` (see there)."""
    from store.db import db

    database = db.obj
    mark = database.param
    since_param = _day_param(database, since)
    pairs = database.execute_sql(
        "SELECT pair_key, currency, issue_date, MIN(months), MAX(ABS(labour_amount) + ABS(other_amount)), "
        "SUM(ABS(labour_amount) + ABS(other_amount)), SUM(ABS(labour_minutes)), COUNT(*) "
        f'FROM "benchmark_fact" WHERE issue_date >= {mark} GROUP BY issue_date, pair_key, currency',
        (since_param,)).fetchall()
    rates: dict[int, tuple[int, int]] = {}
    failed: dict[int, str] = {}
    seen: set[int] = set()
    usd_bound = minutes_bound = 0
    for key, currency, issued, months, biggest, total, minutes, rows in pairs:
        if key in seen or not months:
            return None  # a pair number standing for two pairs, or a label billing does not write
        seen.add(key)
        day = _as_date(issued)
        got = conv.lookup(currency, day)
        if isinstance(got, str):
            failed[key] = got
            continue
        conv.used(currency, day, got)
        fraction = _integer_rate(currency, got[2], got[3])
        if fraction is None:
            return None
        a, b = fraction
        if 2 * int(biggest) * a + b > _INT64:
            return None
        rates[key] = fraction
        usd_bound += (int(total) * a) // b + 2 * int(rows)
        minutes_bound += int(minutes)
    if 12 * usd_bound >= _DOUBLE_EXACT or minutes_bound >= _DOUBLE_EXACT:
        return None
    if failed:
        _count_failed_groups(database, since_param, failed, conv)
    figures = _Figures()
    if rates:
        rate_cte = "rate(k, a, b) AS (VALUES " + ", ".join(
            f"(CAST({k} AS BIGINT), CAST({a} AS BIGINT), CAST({b} AS BIGINT))" for k, (a, b) in rates.items()) + ")"
        if not _labour_sql(database, rate_cte, mark, since_param, first, last, figures):
            return None
        try:
            _invoices_sql(database, rate_cte, mark, since_param, first, last, figures, since, conv)
        except _NeedPython:
            return None
    return figures


def _figures_kept(first: int, last: int, since: dt.date, conv: _Converter) -> _Figures | None:
    """The figures from the sums kept with the facts (store/facts.py): a few hundred rows
    read in value order instead of 30,000 groups converted. Used when the conversions
    and hourly contracts they were made with are today's (else they are brought up to
    date first, if the book takes the write at once); None when they cannot be used
    (then :func:`_figures_sql` computes the same figures from the facts)."""
    from store import facts
    from store.db import db

    database = db.obj
    mark = database.param
    since_param = _day_param(database, since)
    pairs = database.execute_sql(
        'SELECT pair_key, currency, issue_date, state, rate_a, rate_b, odd_labels FROM "benchmark_pair" '
        f"WHERE issue_date >= {mark}", (since_param,)).fetchall()
    stale, failed = [], {}
    ok = 0
    for key, currency, issued, state, a, b, odd in pairs:
        if odd or state == facts.STATE_OVERFLOW:
            return None
        day = _as_date(issued)
        got = conv.lookup(currency, day)
        if isinstance(got, str):
            failed[key] = got
            if state != facts.STATE_FAILED:
                stale.append(key)
            continue
        conv.used(currency, day, got)
        ok += 1
        if state != facts.STATE_OK or (a, b) != facts.integer_rate(currency, got[2], got[3]):
            stale.append(key)
    if ok > 512:  # sums of more pairs could pass 2^53 in the float ratios
        return None
    if stale or facts.kept_hourly(database) != facts.current_hourly(database):
        if not _bring_kept_up_to_date(stale, conv.book):
            return None
    window = (first, last)
    for table in ("benchmark_month", "benchmark_period"):
        if database.execute_sql(
                f'SELECT 1 FROM "{table}" WHERE bucket < month AND month BETWEEN {mark} AND {mark} '
                f"AND bucket >= {mark} LIMIT 1", (*window, first)).fetchone():
            return None  # a group issued inside the window before a month it counts in
    if failed:
        _count_failed_groups(database, since_param, failed, conv)
    figures = _Figures()
    if not _labour_kept(database, mark, window, figures):
        return None
    if not _invoices_kept(database, mark, window, figures, since, conv):
        return None
    return figures


def _bring_kept_up_to_date(stale_pairs, book) -> bool:
    """Restamp the pairs whose conversion moved and follow changed contract types, in a
    write the book takes at once (another process saving, or a read-only book: False)."""
    import peewee

    from store import facts
    from store.db import db, is_postgres

    database = db.obj
    waited = None
    try:
        if not is_postgres(database):
            waited = database.execute_sql("PRAGMA busy_timeout").fetchone()[0]
            database.execute_sql("PRAGMA busy_timeout = 200")
        with database.atomic():
            if is_postgres(database):  # as SQLite's busy timeout: no long wait for a saving process
                database.execute_sql("SET LOCAL lock_timeout = '200ms'")
            facts.sync_hourly(database, book)
            facts.restamp(database, stale_pairs, book)
        return True
    except peewee.DatabaseError:
        return False
    finally:
        if waited is not None:
            database.execute_sql(f"PRAGMA busy_timeout = {int(waited)}")


_BASE_PERIOD = "bucket = month AND minutes > 0"


def _labour_kept(database, mark: str, window: tuple[int, int], figures: _Figures) -> bool:
    """Contract-periods from benchmark_period: the lowest contracts, medians per month and
    overall (False: one of the lowest contracts billed in two currencies, left to the
    Python path).
    ``+month``: SQLite then walks the indexes in contract or ratio order instead of
    sorting the window's rows."""
    by_contract = database.execute_sql(
        "SELECT contract_id, SUM(usd), SUM(minutes) "
        f'FROM "benchmark_period" WHERE {_BASE_PERIOD} AND +month BETWEEN {mark} AND {mark} '
        "GROUP BY contract_id", window).fetchall()
    figures.hourly_contracts = len(by_contract)
    if by_contract:
        # the lowest effective rates: ordered by a float first (never against the exact
        # order, only ties), then the few up to the BELOW_COUNT-th float exactly
        keyed = sorted((int(usd) / int(minutes), cid) for cid, usd, minutes in by_contract)
        edge = keyed[min(BELOW_COUNT, len(keyed)) - 1][0]
        few = [cid for key, cid in keyed if key <= edge]
        rows = database.execute_sql(
            "SELECT contract_id, COUNT(*), SUM(minutes), SUM(usd), SUM(billed), MIN(currency), MAX(currency) "
            f'FROM "benchmark_period" WHERE {_BASE_PERIOD} AND month BETWEEN {mark} AND {mark} '
            f"AND contract_id IN ({', '.join(str(int(c)) for c in few)}) GROUP BY contract_id", window).fetchall()
        if any(cur != cur2 for *_x, cur, cur2 in rows):
            return False  # which currency such a contract shows depends on the order of its groups
        figures.contracts = sorted(
            ((_ehr(int(usd), int(minutes)), cid, cur, int(periods), int(minutes), int(billed), int(minutes), int(usd))
             for cid, periods, minutes, usd, billed, cur, _cur in rows), key=lambda t: (t[0], t[1]))[:BELOW_COUNT]
    counts = {m: int(n) for m, n in database.execute_sql(
        f'SELECT month, COUNT(*) FROM "benchmark_period" WHERE {_BASE_PERIOD} AND month BETWEEN {mark} AND {mark} '
        "GROUP BY month", window)}
    n = sum(counts.values())
    figures.contract_periods = n
    value = lambda row: _ehr(int(row[0]), int(row[1]))  # noqa: E731
    figures.median = _kept_median(database, "benchmark_period", "ratio", ("usd", "minutes"),
                                  f"{_BASE_PERIOD} AND +month BETWEEN {mark} AND {mark}", window, n, value)
    for month, count in counts.items():
        figures.months[month] = (_kept_median(
            database, "benchmark_period", "ratio", ("usd", "minutes"), f"{_BASE_PERIOD} AND month = {mark}",
            (month,), count, value), count)
    return True


def _kept_median(database, table: str, key: str, columns: tuple[str, ...], where: str, params,
                 n: int, value_of, rows_of=None) -> Decimal | None:
    """The median of ``n`` rows of ``table`` matching ``where``, ordered by ``key`` (which
    never orders two rows against their exact values, only ties them): the rows at the
    middle positions are read by key, then each tie is ordered by the exact values
    (``value_of`` a row of ``columns``; ``rows_of(key value)``, when given, supplies
    the tied rows' values instead)."""
    if not n:
        return None
    low = (n - 1) // 2
    keys = [k for (k,) in database.execute_sql(
        f'SELECT {key} FROM "{table}" WHERE {where} ORDER BY {key} LIMIT 2 OFFSET {int(low)}', params)]
    picked = []
    classes: dict = {}
    for position in sorted({low, n // 2}):
        k = keys[position - low]
        if k not in classes:
            mark = database.param
            lo = database.execute_sql(
                f'SELECT COUNT(*) FROM "{table}" WHERE {where} AND {key} < {mark}', (*params, k)).fetchone()[0]
            if rows_of is not None:
                values = rows_of(k)
            else:
                values = [value_of(row) for row in database.execute_sql(
                    f'SELECT {", ".join(columns)} FROM "{table}" WHERE {where} AND {key} = {mark}', (*params, k))]
            classes[k] = (int(lo), sorted(values))
        lo, values = classes[k]
        picked.append(values[position - lo])
    return picked[0] if len(picked) == 1 else (picked[0] + picked[1]) / 2


def _invoices_kept(database, mark: str, window: tuple[int, int], figures: _Figures, since: dt.date,
                   conv: _Converter) -> bool:
    """Customer-months from benchmark_month (False: a customer-month whose twelfths sum to
    0 but whose Decimal sum in to_usd may not, left to the Python path)."""
    n, zero_inexact = database.execute_sql(
        "SELECT SUM(CASE WHEN total > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN total = 0 AND inexact = 1 THEN 1 ELSE 0 END) "
        f'FROM "benchmark_month" WHERE bucket = month AND month BETWEEN {mark} AND {mark}', window).fetchone()
    if zero_inexact:
        return False
    figures.customers = database.execute_sql(
        'SELECT COUNT(*) FROM "customer" c WHERE EXISTS (SELECT 1 FROM "benchmark_month" m '
        f"WHERE m.customer_id = c.id AND m.month BETWEEN {mark} AND {mark} AND m.bucket = m.month)",
        window).fetchone()[0]
    figures.customer_months = n = int(n or 0)
    # "+month": SQLite walks the totals' index in order instead of sorting the window's rows
    where = f"bucket = month AND +month BETWEEN {mark} AND {mark} AND total > 0"

    def tied(total):
        """The tied customer-months' values in US dollars: twelfths / 1200 where that sum
        is exact in Decimal, else the Decimal sum to_usd and the spread make."""
        count, = database.execute_sql(
            f'SELECT COUNT(*) FROM "benchmark_month" WHERE {where} AND total = {mark}', (*window, total)).fetchone()
        odd = database.execute_sql(
            f'SELECT customer_id, month FROM "benchmark_month" WHERE {where} AND total = {mark} AND inexact = 1',
            (*window, total)).fetchall()
        values = [Decimal(int(total)) / 12 / 100] * (int(count) - len(odd))
        if odd:
            # the Decimal sums of these customers' groups, as the per-group loop makes them
            # (a converter of their own: these groups were counted once already)
            sums = _customer_months(_fact_groups(since, {cu for cu, _m in odd}), window[0], window[1],
                                    _Converter(conv.book))
            values += [sums[(cu, mo)] / 100 for cu, mo in odd]
        return values

    figures.invoice_median = _kept_median(database, "benchmark_month", "total", (), where, window, n, None,
                                          rows_of=tied)
    return True


def _shop_figures(first: int, last: int, since: dt.date, book: RateBook) -> tuple[_Figures, _Converter]:
    """The figures and the converter that counted their rate days, fallbacks and problems."""
    conv = _Converter(book)
    figures = _figures_kept(first, last, since, conv)
    if figures is None:
        conv = _Converter(book)
        figures = _figures_sql(first, last, since, conv)
    if figures is None:
        conv = _Converter(book)  # counted afresh, group by group
        figures = _figures_python(first, last, since, conv)
    return figures, conv


def _count_failed_groups(database, since_param, failed: dict[int, str], conv: _Converter) -> None:
    """problems[why] += the groups of each pair without a rate (to_usd counts each group)."""
    mark = database.param
    keys = sorted(failed)
    rows = database.execute_sql(
        "SELECT f.pair_key, SUM(CASE WHEN c.type = 'hourly' THEN "
        "(CASE WHEN f.labour_lines > 0 THEN 1 ELSE 0 END) + (CASE WHEN f.other_lines > 0 THEN 1 ELSE 0 END) "
        'ELSE 1 END) FROM "benchmark_fact" f LEFT JOIN "contract" c ON c.id = f.contract_id '
        f"WHERE f.issue_date >= {mark} AND f.pair_key IN ({', '.join([mark] * len(keys))}) GROUP BY f.pair_key",
        [since_param, *keys]).fetchall()
    for key, groups in rows:
        conv.problems[failed[key]] += int(groups)


def _median_from_ties(n: int, classes: dict, value_of) -> Decimal | None:
    """The median of ``n`` ordered values, given for each position it needs the values
    whose float key equals the key there: classes[position] = (first position of
    those values, the values). ``value_of`` makes a value's exact Decimal."""
    if not n:
        return None
    picked = []
    for position in sorted({(n - 1) // 2, n // 2}):
        lo, members = classes[position]
        picked.append(sorted(value_of(m) for m in members)[position - lo])
    return picked[0] if len(picked) == 1 else (picked[0] + picked[1]) / 2


def _labour_sql(database, rate_cte: str, mark: str, since_param, first: int, last: int,
                figures: _Figures) -> bool:
    """Contract-periods of hourly contracts: per contract sums, and the values around the
    medians (overall and per month). False when a contract has periods in two currencies
    (which currency it is shown in then depends on the order of its groups)."""
    usd = _usd_sql("f.labour_amount")
    sql = f"""
WITH {rate_cte},
cp AS MATERIALIZED (
  SELECT f.contract_id AS co, f.first_month + f.months - 1 AS mo, f.currency AS cur,
         SUM(f.labour_amount) AS billed, SUM({usd}) AS usd, SUM(f.labour_minutes) AS mins
  FROM "benchmark_fact" f JOIN rate r ON r.k = f.pair_key JOIN "contract" c ON c.id = f.contract_id
  WHERE f.issue_date >= {mark} AND f.labour_lines > 0 AND c.type = 'hourly'
    AND f.first_month + f.months - 1 BETWEEN {int(first)} AND {int(last)}
  GROUP BY f.contract_id, f.first_month, f.months, f.currency
  HAVING SUM(f.labour_minutes) > 0),
ranked AS MATERIALIZED (
  SELECT mo, usd, mins, q,
         ROW_NUMBER() OVER (ORDER BY q) - 1 AS ra, COUNT(*) OVER () AS na,
         ROW_NUMBER() OVER (PARTITION BY mo ORDER BY q) - 1 AS rm, COUNT(*) OVER (PARTITION BY mo) AS nm
  FROM (SELECT mo, usd, mins, CAST(usd AS DOUBLE PRECISION) / CAST(mins AS DOUBLE PRECISION) AS q
        FROM cp) x),
picks AS (
  SELECT q FROM ranked WHERE ra = (na - 1) / 2 OR ra = na / 2
  UNION SELECT q FROM ranked WHERE rm = (nm - 1) / 2 OR rm = nm / 2)
SELECT 'c', co, COUNT(*), SUM(mins), SUM(usd), SUM(billed), 0, 0, CAST(NULL AS DOUBLE PRECISION),
       MIN(cur), MAX(cur) FROM cp GROUP BY co
UNION ALL
SELECT 'q', mo, usd, mins, ra, rm, na, nm, q, '', '' FROM ranked WHERE q IN (SELECT q FROM picks)
"""
    contracts = []
    ties = []
    for tag, a, b, c, d, e, f, g, q, cur, cur2 in database.execute_sql(sql, (since_param,)):
        if tag == "c":
            if cur != cur2:
                return False
            cid, periods, minutes, usd_sum, billed = a, int(b), int(c), int(d), int(e)
            contracts.append((_ehr(usd_sum, minutes), cid, cur, periods, minutes, billed, minutes, usd_sum))
        else:  # (month, usd, minutes, rank overall, rank in month, float key, count, count in month)
            ties.append((int(a), int(b), int(c), int(d), int(e), q, int(f), int(g)))
    contracts.sort(key=lambda t: (t[0], t[1]))
    figures.contracts = contracts[:BELOW_COUNT]
    figures.hourly_contracts = len(contracts)
    value = lambda t: _ehr(t[1], t[2])  # noqa: E731
    if ties:
        n = ties[0][6]
        figures.contract_periods = n
        figures.median = _median_from_ties(n, _classes(ties, n, rank=3), value)
        by_month: dict[int, list] = defaultdict(list)
        for t in ties:
            by_month[t[0]].append(t)
        for month, rows in by_month.items():
            count = rows[0][7]
            figures.months[month] = (_median_from_ties(count, _classes(rows, count, rank=4), value), count)
    return True


def _classes(rows: list[tuple], n: int, rank: int) -> dict[int, tuple[int, list]]:
    """For the median positions of ``n`` rows ranked in column ``rank`` (float key in
    column 5): (first rank of the rows sharing that position's key, those rows)."""
    out = {}
    for position in {(n - 1) // 2, n // 2}:
        key = next(r[5] for r in rows if r[rank] == position)
        members = [r for r in rows if r[5] == key]
        out[position] = (min(r[rank] for r in members), members)
    return out


def _invoices_sql(database, rate_cte: str, mark: str, since_param, first: int, last: int,
                  figures: _Figures, since: dt.date, conv: _Converter) -> None:
    """Customer-months: the amount invoiced in USD, each group converted then spread
    over its months, summed in twelfths of a cent (a quarter's third and a year's
    twelfth are whole twelfths); the median's neighbours come back with, for the
    customer-months whose Decimal sum in to_usd is not exact (a third or a twelfth
    that does not end), their customers' groups summed again as to_usd does."""
    total = _usd_sql("f.labour_amount + f.other_amount")
    labour = _usd_sql("f.labour_amount")
    other = _usd_sql("f.other_amount")
    sql = f"""
WITH {rate_cte},
hourly AS MATERIALIZED (SELECT id FROM "contract" WHERE type = 'hourly'),
g AS MATERIALIZED (
  SELECT f.customer_id AS cu, f.first_month AS m0, f.months AS n,
         CASE WHEN h.id IS NULL THEN {total} ELSE 0 END AS ua,
         CASE WHEN h.id IS NULL THEN 0 ELSE {labour} END AS ul,
         CASE WHEN h.id IS NULL THEN 0 ELSE {other} END AS uo
  FROM "benchmark_fact" f JOIN rate r ON r.k = f.pair_key LEFT JOIN hourly h ON h.id = f.contract_id
  WHERE f.issue_date >= {mark} AND f.first_month <= {int(last)} AND f.first_month + f.months - 1 >= {int(first)}),
spread(i) AS (VALUES {", ".join(f"({i})" for i in range(12))}),
parts AS (
  SELECT cu, m0 AS mo, (ua + ul + uo) * 12 AS t, 0 AS x FROM g WHERE n = 1
  UNION ALL
  SELECT g.cu, g.m0 + s.i, (g.ua + g.ul + g.uo) * (12 / g.n),
         CASE WHEN g.ua - (g.ua / 3) * 3 <> 0 OR g.ul - (g.ul / 3) * 3 <> 0 OR g.uo - (g.uo / 3) * 3 <> 0
              THEN 1 ELSE 0 END
  FROM g JOIN spread s ON s.i < g.n WHERE g.n > 1),
cm AS MATERIALIZED (
  SELECT cu, mo, SUM(t) AS t, MAX(x) AS x FROM parts WHERE mo BETWEEN {int(first)} AND {int(last)}
  GROUP BY cu, mo),
pos AS MATERIALIZED (
  SELECT t, ROW_NUMBER() OVER (ORDER BY t) - 1 AS rn, COUNT(*) OVER () AS c FROM cm WHERE t > 0),
picks AS (SELECT DISTINCT t FROM pos WHERE rn = (c - 1) / 2 OR rn = c / 2)
SELECT 's', COUNT(DISTINCT cu), SUM(CASE WHEN t > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN t = 0 AND x = 1 THEN 1 ELSE 0 END), 0 FROM cm
UNION ALL
SELECT 't', pos.t, MIN(pos.rn), COUNT(*), 0 FROM pos WHERE pos.t IN (SELECT t FROM picks) GROUP BY pos.t
UNION ALL
SELECT 'x', cu, mo, t, 0 FROM cm WHERE x = 1 AND t IN (SELECT t FROM picks)
"""
    stats = None
    classes: dict[int, list] = {}  # twelfths -> [first rank, count, inexact (customer, month)s]
    inexact = []
    for tag, a, b, c, _ in database.execute_sql(sql, (since_param,)):
        if tag == "s":
            stats = (int(a or 0), int(b or 0), int(c or 0))
        elif tag == "t":
            classes[int(a)] = [int(b), int(c), []]
        else:
            inexact.append((a, int(b), int(c)))
    customers, n, zero_inexact = stats
    figures.customers = customers
    figures.customer_months = n
    if not n:
        return
    old: dict[tuple[int, int], Decimal] = {}
    if inexact or zero_inexact:
        # their Decimal sums as to_usd and the old loop made them (a separate converter:
        # these groups were counted once already)
        wanted = {cu for cu, _m, _t in inexact}
        if zero_inexact:  # a customer-month summing to 0 in twelfths may be a hair above 0 in Decimal
            raise _NeedPython
        sums = _customer_months(_fact_groups(since, wanted), first, last, _Converter(conv.book))
        old = {(cu, mo): sums[(cu, mo)] for cu, mo, _t in inexact}
        for cu, mo, t in inexact:
            classes[t][2].append(old[(cu, mo)])
    picked = []
    for position in sorted({(n - 1) // 2, n // 2}):
        for t, (lo, count, odd) in classes.items():
            if lo <= position < lo + count:
                exact = Decimal(t) / 12
                values = sorted(odd + [exact] * (count - len(odd)))
                picked.append(values[position - lo] / 100)
                break
    figures.invoice_median = picked[0] if len(picked) == 1 else (picked[0] + picked[1]) / 2


class _NeedPython(Exception):
    """A case :func:`_figures_sql` leaves to :func:`_figures_python`."""


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
    """Everything the benchmark shows, in one call (see the module's notes for how)."""
    from store import settings

    region = (region or settings.get("home_region") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2,8}", region):
        raise ValidationError(f"region must be a code such as US, DE, UK: {region!r}")
    today = today or dt.date.today()
    from store.rates import RateBook

    first, last, since = _window(today)
    book = RateBook()
    figures, conv = _shop_figures(first, last, since, book)
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
        MonthPoint(_month_label(m), cents(figures.months.get(m, (None, 0))[0]), figures.months.get(m, (None, 0))[1])
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
        window_start=_month_label(first),
        window_end=_month_label(last),
        median_ehr_usd=cents(median),
        median_label=(f"median effective hourly rate over {n} contract-period(s) of hourly contracts, "
                      f"{_month_label(first)} to {_month_label(last)}, in USD"),
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
