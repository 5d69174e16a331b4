"""What the benchmark shows: the result dataclasses, the metric names, and the
small exact helpers (median, cents, gap, months of a period label, sparkline)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal


def _ecb_credit() -> str:
    # the conversion module (and the currency_converter package and zipfile behind it)
    # loads only when something is converted: a dashboard start that finds its summary
    # kept does without it
    from store.benchmark.conversion import ECB_CREDIT

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

_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")


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


def cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(_CENT, rounding=ROUND_HALF_UP)


def gap_percent(value: Decimal | None, reference: Decimal | None) -> Decimal | None:
    if value is None or not reference:
        return None
    return ((value - reference) / reference * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_months(period: str) -> list[int] | None:
    """Month indexes a period label covers (2026-10, 2026-Q4, 2026); None if unknown."""
    value = (period or "").strip().upper()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        if 1 <= int(m[2]) <= 12:
            return [month_index(int(m[1]), int(m[2]))]
    elif m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
        first = month_index(int(m[1]), 3 * int(m[2]) - 2)
        return [first, first + 1, first + 2]
    elif m := re.fullmatch(r"(\d{4})", value):
        first = month_index(int(m[1]), 1)
        return list(range(first, first + 12))
    return None


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
