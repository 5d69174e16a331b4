"""The market references: the shipped set (store/data/benchmark_references.csv)
merged with rows imported into the ``benchmark_reference`` table, which row a
region's comparison uses, and its value in USD."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from store.benchmark.results import (
    COLUMNS, CONFIDENCES, EHR, LIST_RATE, METRICS, MONTHLY_INVOICE, REQUIRED, ReferenceFigure,
    ReferenceRow, cents,
)
from store.errors import ImportFileError, ValidationError
from store.money import MoneyError, check_currency

if TYPE_CHECKING:
    from store.benchmark.conversion import RateBook

SHIPPED_FILE = "benchmark_references.csv"
_METRIC_WORDS = {
    EHR: "effective hourly rate",
    LIST_RATE: "list hourly rate",
    MONTHLY_INVOICE: "monthly invoice per customer",
}


def _parse_reference_rows(text: str, name: str, origin: str, book: RateBook | None = None) -> list[ReferenceRow]:
    """Rows of a references CSV; ImportFileError lists 'FILE:LINE: column: reason'."""
    import csv
    import io
    from store.benchmark.conversion import RateBook
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
    try:  # in store/data (importlib.resources costs its own import and zipfile's)
        text = (Path(__file__).parent.parent / "data" / SHIPPED_FILE).read_text(encoding="utf-8")
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
    from store.benchmark.conversion import RateBook

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
    from store.benchmark.conversion import fallback_note
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
