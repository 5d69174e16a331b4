"""Parsing one cell: dates, date-times, numbers, rates, booleans, codes and
choices, each refused with the reason a user can act on."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from store.importing.specs import Column
from store.money import MoneyError, check_currency, parse_decimal

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

