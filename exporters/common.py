"""What every export format shares: the result type, formula-injection
neutralising, date formatting, CSV encoding and splitting a batch into files
without ever splitting an invoice.

Pure: domain dataclasses and bytes only, no database.
"""
from __future__ import annotations

import csv as _csv
import datetime as dt
import importlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterable, Sequence

from store.domain import ExportSettings, InvoiceData, tax_rate_key
from store.errors import ValidationError
from store.money import exponent, round_half_up

# Format name -> (module, file suffix used for default file names, extension).
FORMATS: dict[str, tuple[str, str, str]] = {
    "qbo-csv": ("exporters.qbo_csv", "-qbo", ".csv"),
    "qbd-iif": ("exporters.qbd_iif", "", ".iif"),
    "xero-csv": ("exporters.xero_csv", "-xero", ".csv"),
    "csv": ("exporters.csv", "", ".csv"),
    "pdf": ("exporters.pdf", "-pdf", ".pdf"),
    "ubl": ("exporters.ubl", "-ubl", ".xml"),
    "facturx": ("exporters.facturx", "-facturx", ".pdf"),
}
# Formats that write one file per invoice (a folder, or a zip when the output ends in .zip).
PER_INVOICE = frozenset({"pdf", "ubl", "facturx"})

# A spreadsheet evaluates a cell starting with one of these (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


class ExportError(ValidationError):
    """Invoices a target cannot take (too long a number, a negative amount...)."""


@dataclass(frozen=True)
class ExportPart:
    """One file's content: the bytes, the invoices in it and its data rows."""

    data: bytes
    invoices: tuple[str, ...]
    rows: int
    name: str = ""  # per-invoice formats (pdf, ubl, facturx): the file's name in the output folder or zip


@dataclass
class ExportOutput:
    parts: list[ExportPart]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DocumentPlan:
    """What a one-file-per-invoice format (pdf, ubl, facturx) would write, found
    without rendering anything: ``names`` the file of each invoice, in order (a
    void invoice that was exported gets its credit note, ``NUMBER-CN``);
    ``missing`` what must be set first, one line each (which invoice or the
    settings, which field, the command that sets it); ``rows`` the lines written.
    The preview and the export share it: what is previewed is what is written."""

    names: tuple[str, ...]
    missing: tuple[str, ...] = ()
    rows: int = 0


def exporter(fmt: str) -> Callable[[Sequence[InvoiceData], ExportSettings], ExportOutput]:
    """The ``export`` function of a format name (qbo-csv, qbd-iif, xero-csv, csv, pdf, ubl, facturx)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    return importlib.import_module(FORMATS[fmt][0]).export


def planner(fmt: str) -> Callable[[Sequence[InvoiceData], ExportSettings], DocumentPlan]:
    """The ``plan`` function of a one-file-per-invoice format (:data:`PER_INVOICE`)."""
    if fmt not in PER_INVOICE:
        raise ExportError(f"{fmt} writes no file per invoice: it has no plan")
    return importlib.import_module(FORMATS[fmt][0]).plan


def money_text(minor: int, currency: str) -> str:
    """store.money.format_minor's text ('1234.50', '-0.05', '1200' for JPY) by
    integer arithmetic: it runs for several cells of every exported line."""
    exp = _EXPONENT.get(currency)
    if exp is None:
        exp = _EXPONENT[currency] = exponent(currency)
    minor = int(minor)
    if exp == 0:
        return str(minor)
    whole, part = divmod(abs(minor), 10 ** exp)
    return f"{'-' if minor < 0 else ''}{whole}.{part:0{exp}d}"


_EXPONENT: dict[str, int] = {}


def neutralise(text: str) -> str:
    """Free text made inert for spreadsheets: a leading = + - @ tab CR LF gets a `'`."""
    text = "" if text is None else str(text)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


# Control characters, found by a regex and replaced by str.translate (both in C:
# these run for every free-text cell of a batch of thousands of lines).
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_TO_SPACE = {i: " " for i in (*range(32), 0x7F)}
_PLAIN_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PLAIN_TO_SPACE = {i: " " for i in (*range(32), 0x7F) if chr(i) not in "\t\r\n"}


def flatten(text: str) -> str:
    """Tabs, CR, LF (and other control characters) replaced by single spaces."""
    text = "" if text is None else str(text)
    if _CONTROL.search(text) is None:
        return text
    return text.replace("\r\n", " ").translate(_TO_SPACE)


# Text that needs nothing done: no formula start, no control character (one
# regex call for the usual cell instead of the steps below).
_SAFE_AS_IS = re.compile("\\A[=+\\-@]|[\x00-\x1f\x7f]")
safe_as_is = _SAFE_AS_IS.search  # None: safe_text(text) is text (for a str)
_PLAIN_AS_IS = re.compile("\\A[=+\\-@\t\r\n]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(text: str) -> str:
    """A neutralised multi-line cell (plain CSV): tab, CR and LF kept, other
    control characters (ESC, BEL, NUL...) replaced by spaces."""
    if type(text) is str and _PLAIN_AS_IS.search(text) is None:
        return text
    text = neutralise(text)
    if _PLAIN_CONTROL.search(text) is None:
        return text
    return text.translate(_PLAIN_TO_SPACE)


def safe_text(text: str) -> str:
    """A one-line, neutralised free-text cell (QBO, Xero, IIF)."""
    if type(text) is str and _SAFE_AS_IS.search(text) is None:
        return text
    return flatten(neutralise(text))


def required_text(value: str, what: str, number: str, *, clean=safe_text) -> str:
    """A cell the target requires: the cleaned text, or ExportError when nothing
    readable is left (blank, or only control characters)."""
    text = clean(value)
    if not text.strip():
        raise ExportError(f"{number}: {what} is empty (or only control characters); the target requires it")
    return text


_DATE_PATTERNS = {
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD/MM/YYYY": "%d/%m/%Y",
    "MM/DD/YY": "%m/%d/%y",
    "YYYY-MM-DD": "%Y-%m-%d",
}


def format_date(day: dt.date, fmt: str) -> str:
    try:
        return day.strftime(_DATE_PATTERNS[fmt.upper()])
    except KeyError:
        raise ExportError(
            f"unsupported date format {fmt!r}: use one of {', '.join(_DATE_PATTERNS)}"
        ) from None


def quantity_text(q: Decimal) -> str:
    """A quantity as plain decimal text: no exponent, no trailing zeros, never '-0'."""
    text = _QUANTITIES.get(q)  # the text depends only on the value, and values repeat
    if text is None:
        if len(_QUANTITIES) > 10_000:
            _QUANTITIES.clear()
        text = _QUANTITIES[q] = _quantity_text(q)
    return text


_QUANTITIES: dict[Decimal, str] = {}


def _quantity_text(q: Decimal) -> str:
    q = Decimal(q)
    if q == 0:
        return "0"
    if q == q.to_integral_value():
        return str(q.quantize(Decimal(1)))
    return format(q.normalize(), "f")


def percent_text(rate: Decimal) -> str:
    """0.0825 -> '8.25%'."""
    value = (Decimal(rate) * 100).normalize()
    return f"{value:f}%"


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]], *, quoted: dict | None = None) -> bytes:
    """RFC 4180: comma, CRLF, quotes doubled, UTF-8 without BOM.

    The bytes ``csv.writer`` (QUOTE_MINIMAL, CRLF) writes for rows of text, made
    by joining cells: each distinct cell is quoted once (a batch repeats the
    same names, dates, amounts and codes in every row), which takes half the
    time of the csv module on a batch's thousands of 27-column rows. Rows with a
    cell that is not text go through ``csv.writer``. ``quoted``: a
    :func:`quoted_cells` memo shared by the files of one export."""
    rows = rows if isinstance(rows, list) else list(rows)
    cell = (_Quoted() if quoted is None else quoted).__getitem__
    try:
        out = [",".join(map(cell, header)), *[",".join(map(cell, row)) for row in rows], ""]
    except TypeError:  # a cell that is not text (None, a number): the csv module's rules
        out = None
    if out is None or "" in out[:-1]:  # ... and a row of one empty cell, which it writes as ""
        buf = io.StringIO(newline="")
        writer = _csv.writer(buf, lineterminator="\r\n", quoting=_csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(rows)
        return buf.getvalue().encode("utf-8")
    return "\r\n".join(out).encode("utf-8")


def quoted_cells() -> dict:
    """A memo of cells as :func:`csv_bytes` writes them, for the files of one export."""
    return _Quoted()


class _Quoted(dict):
    """cell text -> the cell as csv.writer writes it (QUOTE_MINIMAL, CRLF): in
    quotes, with quotes doubled, when it holds a comma, a quote, CR or LF."""

    def __missing__(self, text: str) -> str:
        if type(text) is not str:
            raise TypeError(type(text).__name__)
        if '"' in text:
            value = '"' + text.replace('"', '""') + '"'
        elif "," in text or "\r" in text or "\n" in text:
            value = '"' + text + '"'
        else:
            value = text
        self[text] = value
        return value


def csv_files(
    groups: Sequence[tuple[str, list]],
    header: Sequence[str],
    *,
    max_rows: int | None,
    max_invoices: int | None,
    target: str,
    warnings: Iterable[str] = (),
) -> ExportOutput:
    """(invoice number, rows) pairs as CSV files within the target's limits."""
    quoted = quoted_cells()
    parts = [
        ExportPart(
            data=csv_bytes(header, [row for _, rows in chunk for row in rows], quoted=quoted),
            invoices=tuple(n for n, _ in chunk),
            rows=sum(len(rows) for _, rows in chunk),
        )
        for chunk in split_into_files(groups, max_rows=max_rows, max_invoices=max_invoices,
                                      target=target)
    ]
    return ExportOutput(parts=parts, warnings=list(warnings))


def split_into_files(
    groups: Sequence[tuple[str, list]],
    *,
    max_rows: int | None,
    max_invoices: int | None,
    target: str,
) -> list[list[tuple[str, list]]]:
    """Group (invoice number, rows) pairs into files within the target's limits,
    keeping each invoice's rows together. An invoice that alone exceeds the
    row limit cannot be imported: ExportError."""
    files: list[list[tuple[str, list]]] = []
    current: list[tuple[str, list]] = []
    count = 0
    for number, rows in groups:
        if max_rows is not None and len(rows) > max_rows:
            raise ExportError(
                f"{number} has {len(rows)} lines; {target} takes at most {max_rows} rows per file "
                "and an invoice cannot be split across files"
            )
        full = current and (
            (max_rows is not None and count + len(rows) > max_rows)
            or (max_invoices is not None and len(current) >= max_invoices)
        )
        if full:
            files.append(current)
            current, count = [], 0
        current.append((number, rows))
        count += len(rows)
    if current:
        files.append(current)
    return files


class Memo(dict):
    """``memo[value]`` is ``fn(value)``, computed once per distinct value (a dict
    lookup in C for every repeat: the same names, items, prices and quantities
    fill the cells of a batch)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable):
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        value = self[key] = self.fn(key)
        return value


class MoneyTexts(dict):
    """currency -> Memo of minor units -> :func:`money_text`, for one export."""

    def __missing__(self, currency: str) -> Memo:
        memo = self[currency] = Memo(lambda minor: money_text(minor, currency))
        return memo


def _line_amount(key: tuple[Decimal, int]) -> int:
    quantity, unit_price = key
    return int(round_half_up(Decimal(quantity) * unit_price))


# (quantity, unit price) -> amount: the pairs repeat across a batch's lines.
_AMOUNTS = Memo(_line_amount)


def check_consistent(invoice: InvoiceData) -> None:
    """Refuse an invoice whose lines do not add up (the formats restate totals)."""
    if not invoice.lines:
        raise ExportError(f"{invoice.number} has no lines: nothing to export")
    subtotal = sum([line.amount for line in invoice.lines])
    if subtotal != invoice.subtotal or invoice.subtotal + invoice.tax != invoice.total:
        raise ExportError(
            f"{invoice.number}: lines add up to {subtotal}, subtotal {invoice.subtotal}, "
            f"tax {invoice.tax}, total {invoice.total} (minor units): the invoice is inconsistent"
        )
    if len(_AMOUNTS) > 50_000:
        _AMOUNTS.clear()
    amounts = _AMOUNTS
    for line in invoice.lines:
        expected = amounts[(line.quantity, line.unit_price)]
        if expected != line.amount:
            raise ExportError(
                f"{invoice.number} line {line.position}: amount {line.amount} is not "
                f"quantity {line.quantity} x unit price {line.unit_price} (minor units)"
            )


def effectively_taxable(invoice: InvoiceData, taxable: bool) -> bool:
    """A line the accounting system should tax: taxable and the invoice has a tax rate."""
    return bool(taxable) and Decimal(invoice.tax_rate) != 0


def allocate_tax(invoice: InvoiceData) -> list[int]:
    """The invoice's tax spread over its taxable lines (largest remainder), so that
    per-line tax amounts add up to the invoice's tax exactly."""
    if invoice.tax == 0:
        return [0] * len(invoice.lines)
    weights = [line.amount if effectively_taxable(invoice, line.taxable) else 0 for line in invoice.lines]
    base = sum(weights)
    if base == 0 or invoice.tax == 0:
        return [0] * len(weights)
    shares = []
    for w in weights:
        exact = Decimal(invoice.tax) * w / base
        shares.append((int(exact.to_integral_value(rounding="ROUND_FLOOR")), exact))
    out = [s for s, _ in shares]
    rest = invoice.tax - sum(out)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i][1] - shares[i][0]), i))
    for i in order[: max(rest, 0)]:
        out[i] += 1
    return out


class TaxNames:
    """One export's tax type (Xero) or tax code (QBO) of taxable lines, per tax
    rate: the rate-specific setting ``{family}.{rate}`` when set, else the one
    ``{family}`` setting. Remembers which rates each name was used for, so that
    :meth:`warnings` can say when one name stands for several rates (the target
    computes tax from the name: its totals would differ from batchbill's)."""

    def __init__(self, settings: ExportSettings, family: str, column: str, target: str):
        self.settings = settings
        self.family = family
        self.column = column
        self.target = target
        self._names: dict[Decimal, tuple[str, str, str]] = {}  # rate -> (cell text, setting key, name)
        self._used: dict[Decimal, tuple[str, str]] = {}  # rate -> (name, setting key)

    def __call__(self, invoice: InvoiceData, *, used: bool = True) -> str:
        """The cell text for the invoice's taxable lines (refused when empty);
        ``used``: the invoice has taxable lines that carry it."""
        rate = invoice.tax_rate
        found = self._names.get(rate)
        if found is None:
            specific = self.settings.tax_name(self.family, rate)
            key = f"{self.family}.{tax_rate_key(rate)}" if specific else self.family
            name = specific or getattr(self.settings, self.family)
            found = (required_text(name, f"setting {key}", invoice.number), key, name)
            self._names[rate] = found
        if used and rate != 0:
            self._used[rate] = found[2], found[1]
        return found[0]

    def warnings(self) -> list[str]:
        by_name: dict[str, dict[Decimal, str]] = {}
        for rate, (name, key) in self._used.items():
            by_name.setdefault(name, {})[rate] = key
        out = []
        for name, rates in by_name.items():
            if len(rates) < 2:
                continue
            ordered = sorted(rates)
            keys = sorted(set(rates.values()))
            out.append(
                f"{self.column} {name!r} (setting {', '.join(keys)}) is used for invoices taxed at "
                f"{', '.join(percent_text(r) for r in ordered)}: {self.target} computes the tax from the "
                f"{self.column}, so its totals would differ from batchbill's; set one per rate, e.g. "
                f"batchbill settings set {self.family}.{tax_rate_key(ordered[-1])} NAME"
            )
        return out
