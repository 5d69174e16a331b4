"""Reading a CSV file: decoding, the header (with suggestions for unknown
columns), and every row's cells parsed into typed values; problems are
collected as ``FILE:LINE: column: reason``."""
from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field

from store.importing.cells import cell_parser
from store.importing.specs import SPECS, Column

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


# Problems kept to show (the command line prints 50); the rest are counted.
MAX_KEPT_PROBLEMS = 1000


@dataclass
class _Parsed:
    name: str
    kind: str
    header: list[str]
    spare_columns: int = 0
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0  # found beyond MAX_KEPT_PROBLEMS
    rows_read: int = 0
    sorted_upto: int = 0  # problems[:sorted_upto] are in line order
    reader: object = None  # the csv reader, positioned after the header

    def problem(self, line: int, column: str, reason: str) -> None:
        if not column.isprintable():  # a header cell with a line break or a control character
            column = repr(column)[1:-1]
        if len(self.problems) < MAX_KEPT_PROBLEMS:
            self.problems.append(f"{self.name}:{line}: {column}: {reason}")
        else:
            self.more_problems += 1

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more_problems

    def has(self, column: str) -> bool:
        return column in self.header


_NOT_UTF8 = ("re-save it as UTF-8 (in Excel: Save As > 'CSV UTF-8'; in LibreOffice: character set "
             "'Unicode (UTF-8)')")


def _physical_lines(stream):
    """Lines ending in LF, CRLF or a lone CR (an old Mac file), as bytes."""
    for raw in stream:
        if b"\r" in raw[:-2] or raw.endswith(b"\r"):
            yield from raw.splitlines(keepends=True)
        else:
            yield raw


def _lines(stream, parsed: _Parsed):
    """The file's lines as text, decoded one at a time (never the whole file in
    memory): UTF-8, a leading BOM dropped; a byte that is not UTF-8 or a NUL
    ends the reading with a located problem."""
    offset = 0
    number = 0
    for raw in _physical_lines(stream):
        number += 1
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
            offset += 3
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            before = raw[:exc.start].decode("utf-8", "replace").rstrip("\r\n")[-20:]
            where = f", after {before!r}" if before else ", at the start of the line"
            parsed.problem(number, "encoding", f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x} at byte "
                           f"offset {offset + exc.start}{where}); {_NOT_UTF8}")
            raise _Abort from None
        if "\x00" in text:
            parsed.problem(number, "file", "the file contains NUL bytes: it is not a text CSV file "
                           "(a spreadsheet saved as .xlsx, or UTF-16? save it as CSV UTF-8)")
            raise _Abort
        offset += len(raw)
        yield text


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

def open_file(kind: str, stream, name: str) -> _Parsed:
    """Read the header of a binary stream; ``problems`` says why not when it cannot
    be read (then :func:`rows` yields nothing)."""
    parsed = _Parsed(name=name, kind=kind, header=[])
    reader = csv.reader(_lines(stream, parsed), strict=True)
    try:
        parsed.header = _read_header(reader, parsed, SPECS[kind])
    except _Abort:
        return parsed
    parsed.reader = reader
    return parsed


def _csv_problem(exc: csv.Error) -> str:
    reason = str(exc)
    if "unexpected end of data" in reason:
        return "a quoted cell is never closed (a missing '\"', or a half-written file?)"
    if "field larger than field limit" in reason:
        return (f"a cell is longer than {csv.field_size_limit():,} characters, the most a cell may hold "
                "(a quote that never closes can make the rest of the file one cell)")
    return f"malformed CSV ({reason}): quote a cell that contains commas, quotes or line breaks"


def rows(parsed: _Parsed):
    """The data rows, parsed, one at a time; problems go to ``parsed``."""
    reader = parsed.reader
    if reader is None:
        return
    spec = SPECS[parsed.kind]
    columns = {c.name: c for c in spec}
    plan = [(name, columns[name], cell_parser(columns[name])) for name in parsed.header]
    width = len(parsed.header)
    # Trailing empty header cells (spreadsheets add them): empty cells there are ignored.
    spare = parsed.spare_columns
    previous = reader.line_num
    while True:
        start = previous + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except _Abort:
            break
        except csv.Error as exc:
            parsed.problem(start, "row", _csv_problem(exc) + "; nothing after this line could be read")
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
        for (name_, col, parse), cell in zip(plan, cells):
            cell = cell.strip()
            if not cell:
                if col.required:
                    parsed.problem(start, name_, "required, but the cell is empty")
                values[name_] = None
                continue
            try:
                values[name_] = parse(cell)
            except ValueError as exc:
                parsed.problem(start, name_, str(exc))
                values[name_] = None
                failed = {name_} if failed is _NO_FAILURES else failed | {name_}
        parsed.rows_read += 1
        yield _Row(start, values, failed)
