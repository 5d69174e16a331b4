"""Reading a CSV file: decoding, the header (with suggestions for unknown
columns), and every row's cells parsed into typed values; problems are
collected as ``FILE:LINE: column: reason``."""
from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field

from store.importing.cells import _parse_cell
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

