"""Bulk writes on PostgreSQL with ``COPY ... FROM STDIN`` (psycopg2's
``copy_expert``): the save's invoices, lines and ledger rows and an import's
new records go to the server as one stream of text rows instead of
``INSERT ... VALUES`` statements the driver builds and the server parses
page by page (issue 16: the save on PostgreSQL at 1.5-1.7x its COPY floor).

COPY fires the same constraints and triggers as INSERT (the ledger's unique
index, the billed guard), and its errors are the driver's IntegrityError as
an INSERT's are, so the callers' error handling does not change.
"""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

# COPY's text format: backslash, tab, newline and carriage return escaped; NULL is \N.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """One value as COPY's text format writes it."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is int or kind is Decimal:
        return str(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_ESCAPES)
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return str(value).translate(_ESCAPES)


def _column(values: list) -> list[str]:
    """One column's values as COPY text: whole columns of ints or of plain text
    (the usual case) converted at C speed, the rest value by value."""
    kinds = set(map(type, values))
    if kinds <= _NUMBERS:
        return list(map(str, values))
    if kinds == _TEXT:
        joined = "".join(values)
        if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
            return [v.translate(_ESCAPES) for v in values]
        return values
    return [copy_text(v) for v in values]


_NUMBERS = frozenset((int, Decimal))
_TEXT = frozenset((str,))


def copy_rows(cursor, table: str, columns: list[str], rows) -> int:
    """``COPY table (columns) FROM STDIN`` of these rows (tuples in column
    order); the rows written. Call inside the write's transaction."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return 0
    text_columns = [_column(list(values)) for values in zip(*rows)]
    buffer = io.StringIO()
    buffer.write("\n".join(map("\t".join, zip(*text_columns))))
    buffer.write("\n")
    buffer.seek(0)
    names = ", ".join(f'"{c}"' for c in columns)
    cursor.copy_expert(f'COPY "{table}" ({names}) FROM STDIN', buffer)
    return len(rows)
