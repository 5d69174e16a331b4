"""CSV import of customers, contracts, service items, tickets, time entries
and expenses, keyed by the source system's ``external_id``.

The whole file is checked before anything is written: one bad row and
nothing is imported, and :class:`ImportFileError` lists every problem as
``FILE:LINE: column: reason``. Re-importing a row updates the record with
that external id; a row that would change a billed record is refused.
The columns of each kind are defined once, in :data:`SPECS`, which also
generates the documentation tables (:func:`columns_markdown`).
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from peewee import IntegrityError, chunked

from store.audit import current_actor
from store.db import db, is_postgres
from store.errors import ImportFileError, ValidationError
from store.models import (
    BILLING_PERIODS,
    CONTRACT_TYPES,
    AuditEvent,
    Batch,
    BilledLedger,
    Contract,
    Customer,
    Expense,
    ServiceItem,
    Setting,
    Ticket,
    TimeEntry,
)
from store.money import MoneyError, check_currency, parse_decimal, to_minor

IMPORT_ORDER = ("customers", "contracts", "service-items", "tickets", "time-entries", "expenses")
IMPORTABLE_TICKET_STATUSES = ("open", "closed")
MAX_SHOWN_PROBLEMS = 50
_CHUNK = 200  # rows per INSERT / IN (...) list: well under SQLite's variable limit


@dataclass(frozen=True)
class Column:
    """One CSV column: its name, type, whether it is required, what it means."""

    name: str
    type: str  # text date datetime money decimal rate int bool currency region enum ref
    required: bool
    meaning: str
    choices: tuple[str, ...] = ()
    ref: str = ""  # the kind an external id column refers to
    max_length: int = 0
    default: object = None


def _c(name, type_, required, meaning, **kw) -> Column:
    return Column(name, type_, required, meaning, **kw)


_EXT = _c("external_id", "text", True, "the record's id in the source system; a re-import updates "
          "the record with this id", max_length=200)

SPECS: dict[str, tuple[Column, ...]] = {
    "customers": (
        _EXT,
        _c("name", "text", True, "customer name, unique", max_length=200),
        _c("region", "region", True, "country/region code, 2 letters (US, CA, UK, DE, FR, NL, AU, IL...)"),
        _c("currency", "currency", True, "invoicing currency, ISO 4217 (USD, EUR, GBP, JPY...)"),
        _c("email", "text", False, "billing e-mail address", max_length=200, default=""),
        _c("address", "text", False, "postal address (may span lines inside quotes)", default=""),
        _c("tax_rate", "rate", False, "sales tax / VAT rate as a fraction (0.0825) or a percentage "
           "(8.25%)", default=Decimal("0")),
        _c("active", "bool", False, "whether the customer is billed", default=True),
    ),
    "contracts": (
        _EXT,
        _c("customer_external_id", "ref", True, "external_id of the customer", ref="customers"),
        _c("name", "text", True, "contract name, unique per customer", max_length=200),
        _c("type", "enum", True, "contract type", choices=CONTRACT_TYPES),
        _c("currency", "currency", False, "contract currency; default: the customer's currency"),
        _c("billing_period", "enum", False, "how often it is billed; default monthly",
           choices=BILLING_PERIODS, default="monthly"),
        _c("start_date", "date", True, "first day of the contract"),
        _c("end_date", "date", False, "last day of the contract; empty = open-ended"),
        _c("taxable", "bool", False, "whether its lines are taxed; default yes", default=True),
        _c("hourly_rate", "money", False, "per hour (hourly: required)", default=0),
        _c("block_hours", "decimal", False, "hours included per period (block_hours: required)",
           default=Decimal("0")),
        _c("block_fee", "money", False, "fee per period for the block (block_hours: required)", default=0),
        _c("overage_rate", "money", False, "per hour over the block (block_hours)", default=0),
        _c("device_count", "int", False, "devices under management (per_device)", default=0),
        _c("device_rate", "money", False, "per device per period (per_device: required)", default=0),
        _c("fixed_fee", "money", False, "one-time fee (project_fixed: required)", default=0),
        _c("active", "bool", False, "whether the contract is billed; default yes", default=True),
    ),
    "service-items": (
        _EXT,
        _c("contract_external_id", "ref", True, "external_id of the contract", ref="contracts"),
        _c("description", "text", True, "what the customer sees on the invoice line", max_length=300),
        _c("quantity", "decimal", False, "quantity per period; default 1", default=Decimal("1")),
        _c("unit_price", "money", True, "price per unit per period, in the contract's currency"),
        _c("active", "bool", False, "whether it is billed; default yes", default=True),
    ),
    "tickets": (
        _EXT,
        _c("number", "text", True, "ticket number shown on invoices, unique", max_length=50),
        _c("customer_external_id", "ref", True, "external_id of the customer", ref="customers"),
        _c("contract_external_id", "ref", False, "external_id of the contract (of that customer) "
           "it is billed under", ref="contracts"),
        _c("title", "text", True, "ticket title", max_length=300),
        _c("status", "enum", True, "open or closed (only closed tickets are billable; 'billed' is "
           "set by saving a batch, never imported)", choices=IMPORTABLE_TICKET_STATUSES),
        _c("opened_at", "datetime", True, "when it was opened"),
        _c("closed_at", "datetime", False, "when it was closed; required when status is closed"),
    ),
    "time-entries": (
        _EXT,
        _c("ticket_external_id", "ref", True, "external_id of the ticket", ref="tickets"),
        _c("technician", "text", True, "who did the work", max_length=100),
        _c("started_at", "datetime", True, "when the work started"),
        _c("minutes", "int", True, "minutes worked, a whole number >= 0"),
        _c("billable", "bool", False, "whether the time is billed; default yes", default=True),
        _c("note", "text", False, "work note", default=""),
    ),
    "expenses": (
        _EXT,
        _c("contract_external_id", "ref", True, "external_id of the contract it is billed under "
           "(the customer is the contract's)", ref="contracts"),
        _c("ticket_external_id", "ref", False, "external_id of a ticket of the same customer",
           ref="tickets"),
        _c("date", "date", True, "date of the expense"),
        _c("description", "text", True, "what the customer sees on the invoice line", max_length=300),
        _c("amount", "money", True, "amount in the contract's currency, >= 0"),
        _c("billable", "bool", False, "whether it is billed; default yes", default=True),
    ),
}
KINDS = tuple(SPECS)

_MODELS = {
    "customers": Customer, "contracts": Contract, "service-items": ServiceItem,
    "tickets": Ticket, "time-entries": TimeEntry, "expenses": Expense,
}

_TYPE_LABELS = {
    "text": "text",
    "date": "date YYYY-MM-DD",
    "datetime": "date-time ISO 8601 (YYYY-MM-DDTHH:MM[:SS][+HH:MM])",
    "money": "money (e.g. 1250.00; no symbol, no thousands separator)",
    "decimal": "decimal >= 0 (e.g. 1.5)",
    "rate": "fraction or percentage (0.0825 or 8.25%)",
    "int": "whole number >= 0",
    "bool": "yes/no (also true/false, 1/0)",
    "currency": "currency code (ISO 4217)",
    "region": "2 letters",
}


def type_label(column: Column) -> str:
    if column.type == "enum":
        return "one of: " + ", ".join(column.choices)
    if column.type == "ref":
        return f"external_id of {column.ref}"
    return _TYPE_LABELS[column.type]


def columns_markdown(kind: str) -> str:
    """The documentation table of a kind's columns (the README's import section shows it)."""
    lines = ["| column | required | type | meaning |", "|---|---|---|---|"]
    for col in SPECS[kind]:
        lines.append(
            f"| `{col.name}` | {'yes' if col.required else 'no'} | {type_label(col)} | {col.meaning} |"
        )
    return "\n".join(lines)


@dataclass
class ImportSummary:
    """What an import did: records created, updated, and left as they were."""

    kind: str
    file: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict:
        return {"kind": self.kind, "file": self.file, "rows": self.rows, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged}


# ---------------------------------------------------------------- reading


class _Abort(Exception):
    """The file cannot be read any further (encoding, header...)."""


_NO_FAILURES: frozenset = frozenset()


@dataclass(slots=True)
class _Row:
    line: int
    values: dict  # column name -> parsed value (None = empty or invalid cell)
    failed: frozenset | set = _NO_FAILURES  # columns whose cell was filled in but invalid

    def given(self, name: str) -> bool:
        """Whether the file filled in this cell (validly or not)."""
        return self.values.get(name) is not None or name in self.failed


@dataclass
class _Parsed:
    name: str
    kind: str
    header: list[str]
    rows: list[_Row] = field(default_factory=list)
    spare_columns: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, line: int, column: str, reason: str) -> None:
        self.problems.append(f"{self.name}:{line}: {column}: {reason}")

    def has(self, column: str) -> bool:
        return column in self.header


def _decode(data: bytes, parsed: _Parsed) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        before = data[line_start:exc.start].decode("utf-8", "replace")[-20:]
        where = f", after {before!r}" if before else ", at the start of the line"
        parsed.problem(
            line, "encoding",
            f"the file is not UTF-8 (byte 0x{byte:02x} at byte offset {exc.start}{where}); re-save it as "
            "UTF-8 (in Excel: Save As > 'CSV UTF-8'; in LibreOffice: character set 'Unicode (UTF-8)')",
        )
        raise _Abort from None


def _read_header(reader, parsed: _Parsed, spec: tuple[Column, ...]) -> list[str]:
    expected = ", ".join(c.name for c in spec)
    required = ", ".join(c.name for c in spec if c.required)
    header = None
    try:
        for header in reader:
            if header:
                break
    except csv.Error as exc:
        parsed.problem(1, "header", f"cannot read the header line ({exc})")
        raise _Abort from None
    if not header or not any(h.strip() for h in header):
        parsed.problem(1, "file", f"the file is empty; it needs a header line with the columns: {expected}")
        raise _Abort
    line = reader.line_num
    shown = [h.strip() for h in header]
    while len(shown) > 1 and not shown[-1]:  # a spreadsheet's trailing empty columns
        shown.pop()
        parsed.spare_columns += 1
    names = [re.sub(r"[\s-]+", "_", h.lower()) for h in shown]
    if len(names) == 1 and (";" in names[0] or "\t" in header[0]):
        sep = "semicolons" if ";" in names[0] else "tabs"
        parsed.problem(line, "header", f"the columns are separated by {sep}; save the file as "
                       f"comma-separated CSV with the columns: {expected}")
        raise _Abort
    known = {c.name for c in spec}
    own = {f"{_SINGULAR[parsed.kind]}_id", f"{_SINGULAR[parsed.kind]}_external_id"}
    seen, suggested = set(), set()
    for name, text in zip(names, shown):
        if not name:
            parsed.problem(line, "header", f"a column has no name; expected columns: {expected}")
        elif name in seen:
            parsed.problem(line, text, "the column appears twice in the header")
        elif name not in known:
            alias = "external_id" if name in own else _ALIASES.get(name)
            close = [alias] if alias in known and alias not in names else (
                difflib.get_close_matches(name, sorted(known - set(names)), n=1, cutoff=0.6))
            hint = f"did you mean {close[0]}? " if close else ""
            suggested.update(close)
            parsed.problem(line, text, f"unknown column ({hint}accepted columns: {expected})")
        seen.add(name)
    if parsed.problems:
        for other, other_spec in SPECS.items():
            other_names = {c.name for c in other_spec}
            if other != parsed.kind and seen <= other_names and all(
                    c.name in seen for c in other_spec if c.required):
                parsed.problems[:] = [f"{parsed.name}:{line}: header: these are the columns of "
                                      f"{other}, not {parsed.kind}: import it as {other}"]
                raise _Abort
    for col in spec:
        if col.required and col.name not in seen and col.name not in suggested:
            parsed.problem(1, col.name, f"required column is missing (required: {required}; "
                           f"optional: {', '.join(c.name for c in spec if not c.required)})")
    if parsed.problems:
        raise _Abort
    return names


_SINGULAR = {"customers": "customer", "contracts": "contract", "service-items": "service_item",
             "tickets": "ticket", "time-entries": "time_entry", "expenses": "expense"}

# Column names other systems use, to suggest ours (never accepted silently).
_ALIASES = {
    "id": "external_id", "externalid": "external_id", "external": "external_id",
    "customer": "customer_external_id", "customer_id": "customer_external_id",
    "customer_name": "customer_external_id", "client": "customer_external_id",
    "contract": "contract_external_id", "contract_id": "contract_external_id",
    "ticket": "ticket_external_id", "ticket_id": "ticket_external_id",
    "ticket_number": "number", "country": "region", "company": "name",
    "tax": "tax_rate", "vat": "tax_rate", "rate": "hourly_rate", "price": "unit_price",
    "qty": "quantity", "duration": "minutes", "tech": "technician", "technician_name": "technician",
    "start": "started_at", "opened": "opened_at", "closed": "closed_at",
    "subject": "title", "summary": "title", "total": "amount", "cost": "amount",
}

_LOCAL_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date_hint(text: str, with_time: bool = False) -> str:
    """For 10/31/2026 or 31.10.2026: the ISO form to write, when the order is clear."""
    m = _LOCAL_DATE.match(text)
    if not m:
        return ""
    a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    time = ""
    if with_time and m.group(4):
        time = f"T{int(m.group(4)):02d}:{m.group(5)}" + (f":{m.group(6)}" if m.group(6) else "")

    def iso(month, day):
        try:
            return dt.date(year, month, day).isoformat() + time
        except ValueError:
            return None

    month_first, day_first = iso(a, b), iso(b, a)
    if month_first and day_first and month_first != day_first:
        return f" ({month_first} if the month comes first, {day_first} if the day does)"
    if month_first or day_first:
        return f" ({'month' if month_first else 'day'} first? write {month_first or day_first})"
    return ""


def _parse_date(text: str) -> dt.date:
    if not _ISO_DATE.match(text):
        raise ValueError(f"{text!r} is not a date; write YYYY-MM-DD{_date_hint(text)}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date (no such day)") from None


def _parse_datetime(text: str) -> dt.datetime:
    bad = f"{text!r} is not a date-time; write YYYY-MM-DDTHH:MM (ISO 8601){_date_hint(text, True)}"
    if not re.match(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$", text):
        raise ValueError(bad)
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date-time (no such day or time)") from None
    if value.tzinfo is not None:  # stored as local wall-clock time, like the rest of the book
        value = value.astimezone().replace(tzinfo=None)
    return value.replace(microsecond=0)


def _parse_number(text: str, what: str = "number") -> Decimal:
    try:
        value = parse_decimal(text)
    except MoneyError:
        hint = ""
        if re.search(r"\d[,.]\d{3}[,.]", text) or re.match(r"^\d{1,3}(,\d{3})+(\.\d+)?$", text):
            hint = "; leave out thousands separators"
        elif "," in text:
            hint = "; use a dot as the decimal separator"
        elif re.search(r"[^\d.\-+ ]", text):
            hint = "; write digits only, without a currency symbol or code"
        raise ValueError(f"{text!r} is not a {what}{hint}") from None
    if value < 0:
        raise ValueError(f"{text} is negative; it must be >= 0")
    return value


_CLOSED_WORDS = {"resolved", "completed", "complete", "done", "finished", "solved", "cancelled"}
_OPEN_WORDS = {"new", "in progress", "in_progress", "pending", "waiting", "on hold", "assigned", "reopened"}
_BOOLS = {"yes": True, "true": True, "1": True, "y": True,
          "no": False, "false": False, "0": False, "n": False}


def _parse_cell(col: Column, text: str):
    """The typed value of a non-empty cell, or ValueError with the reason."""
    kind = col.type
    if kind in ("text", "ref"):
        if col.max_length and len(text) > col.max_length:
            raise ValueError(f"too long ({len(text)} characters, at most {col.max_length})")
        return text
    if kind == "date":
        return _parse_date(text)
    if kind == "datetime":
        return _parse_datetime(text)
    if kind == "money":
        return _parse_number(text, "number")  # to minor units once the currency is known
    if kind == "decimal":
        return _parse_number(text)
    if kind == "rate":
        percent = text.endswith("%")
        value = _parse_number(text.rstrip("%").strip())
        if percent:
            value = value / 100
        if value >= 1:
            raise ValueError(f"{text} is not a rate: write a fraction (0.0825) or a percentage (8.25%)")
        return value
    if kind == "int":
        if re.match(r"^-\d+$", text):
            raise ValueError(f"{text} is negative; it must be a whole number >= 0")
        if not re.match(r"^\+?\d+$", text):
            hint = ""
            m = re.match(r"^(\d+)\s*(?:h|:)\s*(\d{1,2})?\s*m?$", text.lower())
            if col.name == "minutes" and m:
                hint = f" of minutes (write {int(m.group(1)) * 60 + int(m.group(2) or 0)})"
            raise ValueError(f"{text!r} is not a whole number{hint}")
        return int(text)
    if kind == "bool":
        value = _BOOLS.get(text.lower())
        if value is None:
            raise ValueError(f"{text!r} is not yes/no (accepted: yes, no, true, false, 1, 0)")
        return value
    if kind == "currency":
        try:
            return check_currency(text)
        except MoneyError as exc:
            raise ValueError(str(exc)) from None
    if kind == "region":
        if not re.match(r"^[A-Za-z]{2}$", text):
            raise ValueError(f"{text!r} is not a region code: write 2 letters (US, UK, DE...)")
        return text.upper()
    if kind == "enum":
        value = text.lower()
        if value not in col.choices:
            extra = ""
            if col.name == "status" and value == "billed":
                extra = "; tickets become billed when a batch is saved, they cannot be imported as billed"
            elif col.name == "status" and value in _CLOSED_WORDS:
                extra = "; write closed"
            elif col.name == "status" and value in _OPEN_WORDS:
                extra = "; write open"
            raise ValueError(f"{text!r} is not accepted (one of: {', '.join(col.choices)}){extra}")
        return value
    raise AssertionError(kind)  # pragma: no cover


def _read(kind: str, data: bytes, name: str) -> _Parsed:
    spec = SPECS[kind]
    parsed = _Parsed(name=name, kind=kind, header=[])
    try:
        text = _decode(data, parsed)
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
            parsed.problem(line, "file", "the file contains NUL bytes: it is not a text CSV file "
                           "(a spreadsheet saved as .xlsx, or UTF-16? save it as CSV UTF-8)")
            raise _Abort
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        parsed.header = _read_header(reader, parsed, spec)
    except _Abort:
        return parsed
    columns = {c.name: c for c in spec}
    width = len(parsed.header)
    # Trailing empty header cells (spreadsheets add them): empty cells there are ignored.
    spare = parsed.spare_columns
    previous = reader.line_num
    seen_ids: dict[str, int] = {}
    while True:
        start = previous + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            reason = str(exc)
            if "unexpected end of data" in reason:
                reason = "a quoted cell is never closed (a missing '\"', or a half-written file?)"
            else:
                reason = f"malformed CSV ({reason}): quote a cell that contains commas, quotes or line breaks"
            parsed.problem(start, "row", reason + "; nothing after this line could be read")
            break
        previous = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue  # blank line
        if spare and width < len(cells) <= width + spare and not any(c.strip() for c in cells[width:]):
            cells = cells[:width]
        if len(cells) != width:
            what = "too few" if len(cells) < width else "too many"
            parsed.problem(start, "row", f"{what} cells: {len(cells)}, the header has {width} "
                           "(a half-written line, or an unquoted comma in a cell?)")
            continue
        values, failed = {}, _NO_FAILURES
        for name_, cell in zip(parsed.header, cells):
            col = columns[name_]
            cell = cell.strip()
            if not cell:
                if col.required:
                    parsed.problem(start, name_, "required, but the cell is empty")
                values[name_] = None
                continue
            try:
                values[name_] = _parse_cell(col, cell)
            except ValueError as exc:
                parsed.problem(start, name_, str(exc))
                values[name_] = None
                failed = {name_} if failed is _NO_FAILURES else failed | {name_}
        ext = values.get("external_id")
        if ext is not None:
            if ext in seen_ids:
                parsed.problem(start, "external_id", f"{ext} appears twice in the file (first on line "
                               f"{seen_ids[ext]})")
            else:
                seen_ids[ext] = start
        parsed.rows.append(_Row(start, values, failed))
    return parsed


# ---------------------------------------------------------------- resolving


def _guarded(query, model):
    """On PostgreSQL, hold the tickets read for the billed check until commit, so
    that a batch saved meanwhile waits for the import (SQLite takes the write
    lock up front: ``BEGIN IMMEDIATE``)."""
    if model is Ticket and is_postgres():
        return query.for_update("FOR SHARE")
    return query


def _wait_for_batch_saves() -> None:
    """On PostgreSQL, take the row lock a batch save takes (the invoice number
    counter), so that no batch bills an expense or ticket between the billed
    check and the write. SQLite's BEGIN IMMEDIATE already serialises writers."""
    if is_postgres():
        list(Setting.select(Setting.key).where(Setting.key == "next_invoice_number").for_update())


def _by_external_id(model, ids, *fields) -> dict[str, dict]:
    """Records of ``model`` whose external_id is one of ``ids``, as dicts by external id."""
    found: dict[str, dict] = {}
    for chunk in chunked(sorted(set(i for i in ids if i)), _CHUNK):
        query = model.select(*fields) if fields else model.select()
        for rec in _guarded(query.where(model.external_id.in_(chunk)), model).dicts():
            found[rec["external_id"]] = rec
    return found


def _by_id(model, ids, *fields) -> dict[int, dict]:
    found: dict[int, dict] = {}
    for chunk in chunked(sorted(set(i for i in ids if i is not None)), _CHUNK):
        query = model.select(*fields) if fields else model.select()
        for rec in _guarded(query.where(model.id.in_(chunk)), model).dicts():
            found[rec["id"]] = rec
    return found


def _billed_batches(kind: str, ids) -> dict[int, str]:
    """Which batch billed each of these sources (ledger kind ``ticket`` or ``expense``)."""
    found: dict[int, str] = {}
    for chunk in chunked(sorted(set(ids)), _CHUNK):
        query = (BilledLedger.select(BilledLedger.source_id, Batch.name).join(Batch)
                 .where((BilledLedger.source_kind == kind) & BilledLedger.source_id.in_(chunk)))
        for source_id, batch_name in query.tuples():
            found[source_id] = batch_name
    return found


def _billed(batches: dict[int, str], source_id: int) -> str:
    name = batches.get(source_id)
    return f"is billed (batch {name!r})" if name else "is billed"


def _named(model, values) -> dict[str, list]:
    """For references that are no external id: the external ids of the records
    with that name (ticket: number), to tell a user what to write instead."""
    column = model.number if model is Ticket else model.name
    found: dict[str, list] = {}
    for chunk in chunked(sorted(values), _CHUNK):
        for rec in model.select(column, model.external_id).where(column.in_(chunk)).dicts():
            found.setdefault(rec["number" if model is Ticket else "name"], []).append(rec["external_id"])
    return found


def _ext_label(rec: dict | None) -> str:
    if rec is None:
        return ""
    ext = rec.get("external_id")
    return f" (external_id {ext})" if ext else " (created in batchbill, no external_id)"


class _Resolver:
    """Turns parsed rows into complete field dicts, checking references,
    uniqueness and the billed guard; collects problems on ``parsed``."""

    def __init__(self, parsed: _Parsed):
        self.p = parsed
        self.existing = _by_external_id(
            _MODELS[parsed.kind], [r.values.get("external_id") for r in parsed.rows])
        self.columns = {c.name: c for c in SPECS[parsed.kind]}
        self.misnamed: dict[str, dict[str, list]] = {}

    def value(self, row: _Row, name: str, existing: dict | None):
        """The cell's value; an empty optional cell means the default; an absent
        column keeps the stored value (or the default for a new record)."""
        col = self.columns[name]
        if self.p.has(name):
            value = row.values.get(name)
            return col.default if value is None else value
        if existing is not None:
            return existing[name]
        return col.default

    def refs(self, name: str, model, *fields) -> dict[str, dict]:
        if not self.p.has(name):
            return {}
        wanted = {r.values.get(name) for r in self.p.rows} - {None}
        found = _by_external_id(model, wanted, *fields)
        self.misnamed[name] = _named(model, wanted - set(found))
        return found

    def ref(self, row: _Row, name: str, table: dict, what: str) -> dict | None:
        ext = row.values.get(name)
        if ext is None:
            return None
        rec = table.get(ext)
        if rec is None:
            label = "number" if what == "ticket" else "name"
            owners = self.misnamed.get(name, {}).get(ext)
            if owners and len(owners) == 1 and owners[0]:
                hint = (f"; that is the {label} of the {what} whose external_id is {owners[0]}: "
                        f"write {owners[0]}")
            elif owners:
                hint = f"; that is a {what} {label}: write the {what}'s external_id"
            else:
                hint = f" (import the {what}s first)"
            self.p.problem(row.line, name, f"unknown {what} {ext!r}: no {what} has this external_id{hint}")
        return rec

    def money(self, row: _Row, name: str, existing: dict | None, currency: str | None):
        if self.p.has(name):
            value = row.values.get(name)
            if value is None:
                return self.columns[name].default
            if currency is None:
                return None
            try:
                return to_minor(value, currency)
            except MoneyError:
                self.p.problem(row.line, name, f"{value} has more decimals than {currency} has")
                return None
        if existing is not None:
            return existing[name]
        return self.columns[name].default

    def unique(self, rows_fields: list[tuple[_Row, dict, dict | None]], key, column: str, model,
               where, describe) -> None:
        """Refuse a natural key (name, number) used twice in the file or by another record."""
        first: dict = {}
        for row, fields, existing in rows_fields:
            k = key(fields)
            if None in k:
                continue
            if k in first:
                self.p.problem(row.line, column, f"{describe(k)} appears twice in the file (first on line "
                               f"{first[k]})")
                continue
            first[k] = row.line
        if not first:
            return
        owners: dict = {}
        for chunk in chunked(list(first), _CHUNK):
            for rec in model.select().where(where(chunk)).dicts():
                owners[key(rec)] = rec
        for row, fields, existing in rows_fields:
            owner = owners.get(key(fields))
            if owner is not None and (existing is None or owner["id"] != existing["id"]):
                self.p.problem(row.line, column, f"{describe(key(fields))} already belongs to another "
                               f"record{_ext_label(owner)}")


def _resolve_customers(r: _Resolver):
    out = []
    for row in r.p.rows:
        ex = r.existing.get(row.values.get("external_id"))
        fields = {name: r.value(row, name, ex) for name in
                  ("name", "region", "currency", "email", "address", "tax_rate", "active")}
        email = fields["email"]
        if email and "@" not in email:
            r.p.problem(row.line, "email", f"{email!r} is not an e-mail address")
        out.append((row, fields, ex))
    r.unique(out, lambda f: (f["name"],), "name", Customer,
             lambda keys: Customer.name.in_([k[0] for k in keys]), lambda k: f"customer name {k[0]!r}")
    return out


# What a contract of each type cannot be billed without; an explicit 0 is accepted.
_TYPE_NEEDS = {
    "hourly": ("hourly_rate",),
    "block_hours": ("block_hours", "block_fee"),
    "per_device": ("device_rate",),
    "project_fixed": ("fixed_fee",),
}


def _resolve_contracts(r: _Resolver):
    customers = r.refs("customer_external_id", Customer, Customer.id, Customer.external_id,
                       Customer.currency, Customer.name)
    out = []
    for row in r.p.rows:
        ex = r.existing.get(row.values.get("external_id"))
        cust = r.ref(row, "customer_external_id", customers, "customer")
        fields = {name: r.value(row, name, ex) for name in
                  ("name", "type", "billing_period", "start_date", "end_date", "taxable",
                   "block_hours", "device_count", "active")}
        fields["customer"] = cust["id"] if cust else None
        currency = row.values.get("currency") if r.p.has("currency") else None
        if currency is None:
            currency = ex["currency"] if ex is not None and not r.p.has("currency") else (
                cust["currency"] if cust else None)
        fields["currency"] = currency
        for name in ("hourly_rate", "block_fee", "overage_rate", "device_rate", "fixed_fee"):
            fields[name] = r.money(row, name, ex, currency)
        for name in _TYPE_NEEDS.get(fields["type"], ()):
            if (not fields[name] and not row.given(name) and currency is not None
                    and (ex is None or r.p.has(name))):
                r.p.problem(row.line, name, f"required for {fields['type']} contracts (write 0 if it "
                            "really is free)")
        if fields["end_date"] and fields["start_date"] and fields["end_date"] < fields["start_date"]:
            r.p.problem(row.line, "end_date", f"{fields['end_date']} is before start_date "
                        f"{fields['start_date']}")
        out.append((row, fields, ex))
    r.unique(out, lambda f: (f["customer"], f["name"]), "name", Contract,
             lambda keys: Contract.name.in_([k[1] for k in keys]),
             lambda k: f"contract name {k[1]!r} of this customer")
    return out


def _resolve_service_items(r: _Resolver):
    contracts = r.refs("contract_external_id", Contract, Contract.id, Contract.external_id, Contract.currency)
    out = []
    for row in r.p.rows:
        ex = r.existing.get(row.values.get("external_id"))
        con = r.ref(row, "contract_external_id", contracts, "contract")
        fields = {name: r.value(row, name, ex) for name in ("description", "quantity", "active")}
        fields["contract"] = con["id"] if con else None
        fields["unit_price"] = r.money(row, "unit_price", ex, con["currency"] if con else None)
        out.append((row, fields, ex))
    return out


def _resolve_tickets(r: _Resolver):
    customers = r.refs("customer_external_id", Customer, Customer.id, Customer.external_id, Customer.name)
    contracts = r.refs("contract_external_id", Contract, Contract.id, Contract.external_id,
                       Contract.customer, Contract.name)
    batches = _billed_batches("ticket", [e["id"] for e in r.existing.values() if e["status"] == "billed"])
    out = []
    for row in r.p.rows:
        ex = r.existing.get(row.values.get("external_id"))
        cust = r.ref(row, "customer_external_id", customers, "customer")
        fields = {name: r.value(row, name, ex)
                  for name in ("number", "title", "status", "opened_at", "closed_at")}
        fields["customer"] = cust["id"] if cust else None
        if r.p.has("contract_external_id"):
            con = r.ref(row, "contract_external_id", contracts, "contract")
            fields["contract"] = con["id"] if con else None
            if con and cust and con["customer"] != cust["id"]:
                r.p.problem(row.line, "contract_external_id", f"contract {con['external_id']} "
                            f"({con['name']}) belongs to another customer, not to {cust['name']}")
        else:
            fields["contract"] = ex["contract"] if ex else None
        if (fields["status"] == "closed" and fields["closed_at"] is None and row.values.get("status")
                and not row.given("closed_at")):
            r.p.problem(row.line, "closed_at", "required when status is closed")
        if fields["closed_at"] and fields["opened_at"] and fields["closed_at"] < fields["opened_at"]:
            r.p.problem(row.line, "closed_at", f"{_minutes(fields['closed_at'])} is before opened_at "
                        f"{_minutes(fields['opened_at'])}")
        if ex is not None and ex["status"] == "billed":
            if fields["status"] == "closed":
                fields["status"] = "billed"  # the source says closed; billing made it billed
            if _changes(fields, ex):
                r.p.problem(row.line, "external_id", f"ticket {ex['number']} {_billed(batches, ex['id'])}; "
                            "void its batch first (the row would change it)")
        out.append((row, fields, ex))
    r.unique(out, lambda f: (f["number"],), "number", Ticket,
             lambda keys: Ticket.number.in_([k[0] for k in keys]), lambda k: f"ticket number {k[0]!r}")
    return out


def _resolve_time_entries(r: _Resolver):
    tickets = r.refs("ticket_external_id", Ticket, Ticket.id, Ticket.external_id, Ticket.number,
                     Ticket.status)
    old_tickets = _by_id(Ticket, [e["ticket"] for e in r.existing.values()],
                         Ticket.id, Ticket.number, Ticket.status)
    batches = _billed_batches("ticket", [t["id"] for t in [*tickets.values(), *old_tickets.values()]
                                         if t["status"] == "billed"])
    out = []
    for row in r.p.rows:
        ex = r.existing.get(row.values.get("external_id"))
        tic = r.ref(row, "ticket_external_id", tickets, "ticket")
        fields = {name: r.value(row, name, ex)
                  for name in ("technician", "started_at", "minutes", "billable", "note")}
        fields["ticket"] = tic["id"] if tic else None
        old = old_tickets.get(ex["ticket"]) if ex else None
        if old is not None and old["status"] == "billed":
            if _changes(fields, ex):
                r.p.problem(row.line, "external_id", f"time entry {ex['external_id']} is on ticket "
                            f"{old['number']}, which {_billed(batches, old['id'])}; void its batch first "
                            "(the row would change it)")
        elif tic is not None and tic["status"] == "billed":
            r.p.problem(row.line, "ticket_external_id",
                        f"ticket {tic['number']} {_billed(batches, tic['id'])}; void its batch first "
                        "(time cannot be added to a billed ticket)")
        out.append((row, fields, ex))
    return out


def _resolve_expenses(r: _Resolver):
    contracts = r.refs("contract_external_id", Contract, Contract.id, Contract.external_id,
                       Contract.customer, Contract.currency)
    tickets = r.refs("ticket_external_id", Ticket, Ticket.id, Ticket.external_id, Ticket.customer,
                     Ticket.number)
    billed = _billed_batches("expense", [e["id"] for e in r.existing.values()])
    out = []
    for row in r.p.rows:
        ex = r.existing.get(row.values.get("external_id"))
        con = r.ref(row, "contract_external_id", contracts, "contract")
        fields = {name: r.value(row, name, ex) for name in ("date", "description", "billable")}
        fields["contract"] = con["id"] if con else None
        fields["customer"] = con["customer"] if con else None
        if r.p.has("ticket_external_id"):
            tic = r.ref(row, "ticket_external_id", tickets, "ticket")
            fields["ticket"] = tic["id"] if tic else None
            if tic and con and tic["customer"] != con["customer"]:
                r.p.problem(row.line, "ticket_external_id", f"ticket {tic['number']} belongs to another "
                            f"customer than contract {con['external_id']}")
        else:
            fields["ticket"] = ex["ticket"] if ex else None
        fields["amount"] = r.money(row, "amount", ex, con["currency"] if con else None)
        if ex is not None and ex["id"] in billed and _changes(fields, ex):
            r.p.problem(row.line, "external_id", f"expense {ex['external_id']} {_billed(billed, ex['id'])}; "
                        "void its batch first (the row would change it)")
        out.append((row, fields, ex))
    return out


_RESOLVERS = {
    "customers": _resolve_customers, "contracts": _resolve_contracts,
    "service-items": _resolve_service_items, "tickets": _resolve_tickets,
    "time-entries": _resolve_time_entries, "expenses": _resolve_expenses,
}


def _minutes(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def _changes(fields: dict, existing: dict) -> dict:
    return {k: v for k, v in fields.items() if existing.get(k) != v}


# ---------------------------------------------------------------- public API


def import_bytes(kind: str, data: bytes, name: str) -> ImportSummary:
    """Import a CSV file's bytes (``name`` is the file name used in messages).

    All or nothing: raises :class:`ImportFileError` listing every problem, and
    then nothing is written.
    """
    if kind not in SPECS:
        raise ValidationError(f"unknown import kind {kind!r}: one of {', '.join(KINDS)}")
    parsed = _read(kind, data, name)
    summary = ImportSummary(kind=kind, file=name)
    if parsed.problems and not parsed.rows:
        raise ImportFileError(parsed.problems)
    model = _MODELS[kind]
    with db.atomic():  # IMMEDIATE on SQLite: see store.db.make_database
        if kind in ("tickets", "time-entries", "expenses"):
            _wait_for_batch_saves()
        resolved = _RESOLVERS[kind](_Resolver(parsed))
        if parsed.problems:
            raise ImportFileError(_sorted(parsed.problems, name))
        creates, updates = [], []
        for row, fields, ex in resolved:
            if ex is None:
                fields["external_id"] = row.values["external_id"]
                creates.append(fields)
                continue
            changed = _changes(fields, ex)
            if changed:
                updates.append((ex["id"], changed))
            else:
                summary.unchanged += 1
        try:
            for chunk in chunked(creates, _CHUNK):
                model.insert_many(chunk).execute()
            for pk, changed in updates:
                model.update(**changed).where(model.id == pk).execute()
        except IntegrityError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValidationError(f"{name}: the database refused the import ({first}); nothing was "
                                  "imported") from None
        summary.created, summary.updated = len(creates), len(updates)
        AuditEvent.create(
            actor=current_actor(), action="import", subject=f"{kind} {Path(name).name}"[:200],
            details=f"created {summary.created}, updated {summary.updated}, unchanged {summary.unchanged}",
        )
    return summary


def import_file(kind: str, path: str | Path) -> ImportSummary:
    """Import a CSV file; messages name the file as given."""
    path_text = str(path)
    p = Path(path)
    if not p.exists():
        raise ValidationError(f"{path_text}: no such file")
    if p.is_dir():
        raise ValidationError(f"{path_text}: is a directory, not a CSV file")
    return import_bytes(kind, p.read_bytes(), path_text)


def _sorted(problems: list[str], name: str) -> list[str]:
    """Problems in line order, stable within a line (a row's cells, then its references)."""
    def line_of(problem: str) -> int:
        return int(problem[len(name) + 1:].split(":", 1)[0])
    return sorted(problems, key=line_of)


