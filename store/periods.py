"""Billing periods: ``2026-10`` (a month), ``2026-Q4`` (a quarter), ``2026``
(a year), and how a contract's billing period maps onto a batch's period."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from store.errors import ValidationError


@dataclass(frozen=True, order=True)
class Span:
    start: dt.date
    end: dt.date  # exclusive
    label: str
    unit: str  # month | quarter | year

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + (day.month - 1) + months
    return dt.date(total // 12, total % 12 + 1, 1)


def month_span(year: int, month: int) -> Span:
    start = dt.date(year, month, 1)
    return Span(start, _add_months(start, 1), f"{year:04d}-{month:02d}", "month")


def quarter_span(year: int, quarter: int) -> Span:
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    return Span(start, _add_months(start, 3), f"{year:04d}-Q{quarter}", "quarter")


def year_span(year: int) -> Span:
    return Span(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), f"{year:04d}", "year")


def parse_period(text: str) -> Span:
    """A period label to its span; ValidationError says what is accepted."""
    value = (text or "").strip().upper()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12 and year >= 1970:
            return month_span(year, month)
    elif m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
        return quarter_span(int(m[1]), int(m[2]))
    elif m := re.fullmatch(r"(\d{4})", value):
        if int(m[1]) >= 1970:
            return year_span(int(m[1]))
    raise ValidationError(
        f"bad period {text!r}: use a month (2026-10), a quarter (2026-Q4) or a year (2026)"
    )


def unit_span(unit: str, day: dt.date) -> Span:
    if unit == "month":
        return month_span(day.year, day.month)
    if unit == "quarter":
        return quarter_span(day.year, (day.month - 1) // 3 + 1)
    return year_span(day.year)


_CONTRACT_UNIT = {"monthly": "month", "quarterly": "quarter", "yearly": "year"}
_SIZE = {"month": 1, "quarter": 3, "year": 12}


def contract_periods(billing_period: str, batch: Span) -> list[Span]:
    """The contract periods a batch period covers.

    A contract period larger than the batch's is the one that contains it
    (a quarterly contract in a 2026-10 batch: 2026-Q4); a smaller one is each
    of its periods inside the batch (a monthly contract in a 2026-Q4 batch:
    three months). ``on_demand`` contracts bill the batch period itself.
    """
    unit = _CONTRACT_UNIT.get(billing_period)
    if unit is None:  # on_demand
        return [batch]
    if _SIZE[unit] >= _SIZE[batch.unit]:
        return [unit_span(unit, batch.start)]
    spans = []
    day = batch.start
    while day < batch.end:
        span = unit_span(unit, day)
        spans.append(span)
        day = span.end
    return spans


def previous_month(today: dt.date) -> Span:
    first = today.replace(day=1)
    last = first - dt.timedelta(days=1)
    return month_span(last.year, last.month)


def months_of(span: Span) -> list[str]:
    """The calendar months a span covers, as ``YYYY-MM`` (the billed ledger's keys)."""
    out = []
    day = span.start
    while day < span.end:
        out.append(f"{day.year:04d}-{day.month:02d}")
        day = _add_months(day, 1)
    return out
