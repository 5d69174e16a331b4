"""Parsing one cell: dates, date-times, numbers, rates, booleans, codes and
choices, each refused with the reason a user can act on."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from store.importing.specs import FIRST_DATE, LAST_DATE, Column
from store.money import MoneyError, check_currency
from store.text import control_name, first_control, normalise_newlines

_LOCAL_DATE = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})(?:[ T,]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


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


def _in_range(value: dt.date, text: str) -> None:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"{text!r} is out of range: dates go from {FIRST_DATE} to {LAST_DATE}")


def _parse_date(text: str) -> dt.date:
    if not _ISO_DATE.match(text):
        raise ValueError(f"{text!r} is not a date; write YYYY-MM-DD{_date_hint(text)}")
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date (no such day)") from None
    _in_range(value, text)
    return value


_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
                       r"(Z|[+-][0-9]{2}:?[0-9]{2})?)?$")


# The usual cell: a local date-time to the minute or second, no fraction, no zone.
_PLAIN_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?")


def _parse_datetime(text: str) -> dt.datetime:
    if _PLAIN_DATETIME.fullmatch(text):  # fast path: the same value and errors as below
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            value = None  # no such day or time: the full path says which
        if value is not None:
            _in_range(value.date(), text)
            return value
    bad = f"{text!r} is not a date-time; write YYYY-MM-DDTHH:MM (ISO 8601){_date_hint(text, True)}"
    if not _DATETIME.match(text):
        raise ValueError(bad)
    if _valid_day(text[:10]):  # before any time zone arithmetic (year 9999 + 5 h overflows)
        _in_range(dt.date.fromisoformat(text[:10]), text)
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date-time (no such day or time)") from None
    if value.tzinfo is not None:  # stored as local wall-clock time, like the rest of the book
        value = value.astimezone().replace(tzinfo=None)
    value = value.replace(microsecond=0)
    _in_range(value.date(), text)
    return value


def _valid_day(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


# The number grammar: ASCII digits, optionally a dot and ASCII digits. No sign
# (no column takes a negative number), no exponent, no grouping, no spaces.
NUMBER = re.compile(r"^([0-9]+)(?:\.([0-9]+))?$")


def _number_hint(text: str) -> str:
    if text.startswith("+"):
        return "; write it without '+'"
    if any(ch.isdigit() and not "0" <= ch <= "9" for ch in text):
        return "; write the digits as ASCII 0-9"
    if re.match(r"^[0-9.]+[eE][+-]?[0-9]+$", text):
        return "; write it without an exponent (all digits, e.g. 125 for 1.25E2)"
    if re.search(r"[0-9][,._' ][0-9]{3}([,._' ]|$)", text) and not re.match(r"^[0-9]+\.[0-9]+$", text):
        return "; leave out thousands separators"
    if "," in text:
        return "; use a dot as the decimal separator"
    if re.search(r"[^0-9.\-+ ]", text):
        return "; write digits only, without a currency symbol or code"
    return ""


def _parse_number(text: str, what: str = "number", *, high=None, places: int | None = None,
                  whole: bool = False) -> Decimal | int:
    """A number of the grammar above within 0..``high`` with at most ``places``
    decimals (``whole``: none), or ValueError saying which rule it breaks."""
    if text.startswith("-") and NUMBER.match(text[1:]):
        raise ValueError(f"{text} is negative; it must be {'a whole number ' if whole else ''}>= 0")
    m = NUMBER.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a {what}{_number_hint(text)}")
    decimals = m.group(2) or ""
    if whole and decimals:
        raise ValueError(f"{text!r} is not a whole number")
    if places is not None and len(decimals.rstrip("0")) > places:
        raise ValueError(f"{text} has more than {places} decimals")
    if len(m.group(1).lstrip("0")) > 30:  # far beyond any bound: do not build the number
        raise ValueError(f"{text[:20]}... is far too large (at most {high:,})" if high is not None
                         else f"{text[:20]}... is far too large")
    value = Decimal(text) if not whole else int(text)
    if high is not None and value > high:
        raise ValueError(f"{text} is too large: at most {high:,}")
    return value


_CLOSED_WORDS = {"resolved", "completed", "complete", "done", "finished", "solved", "cancelled"}
_OPEN_WORDS = {"new", "in progress", "in_progress", "pending", "waiting", "on hold", "assigned", "reopened"}
_BOOLS = {"yes": True, "true": True, "1": True, "y": True,
          "no": False, "false": False, "0": False, "n": False}


def _parse_rate(text: str, places: int) -> Decimal:
    """``0.19`` (a fraction) or ``19%`` (a percentage): one '%' at most, right after the digits."""
    percent = text.endswith("%")
    digits = text[:-1] if percent else text
    if digits.startswith("-") and NUMBER.match(digits[1:]):
        raise ValueError(f"{text} is negative; it must be >= 0")
    m = NUMBER.match(digits)
    if not m:
        hint = "" if "%" in digits else _number_hint(digits)
        raise ValueError(f"{text!r} is not a rate: write a fraction (0.0825) or a percentage (8.25%){hint}")
    most = places - 2 if percent else places
    if len((m.group(2) or "").rstrip("0")) > most:
        raise ValueError(f"{text} has more than {most} decimals")
    if len(m.group(1).lstrip("0")) > 3:
        raise ValueError(f"{text} is not a rate: write a fraction (0.0825) or a percentage (8.25%), under 100%")
    value = Decimal(digits) / 100 if percent else Decimal(digits)
    if value >= 1:
        raise ValueError(f"{text} is not a rate: write a fraction (0.0825) or a percentage (8.25%), "
                         "under 100%")
    return value


def _parse_cell(col: Column, text: str):
    """The typed value of a non-empty cell, or ValueError with the reason."""
    kind = col.type
    if kind in ("text", "ref"):
        text = normalise_newlines(text)
        bad = first_control(text)
        if bad:
            raise ValueError(f"contains the control character {control_name(bad[1])} at character {bad[0]}: "
                             "remove it (text may hold line breaks and tabs, no other control characters)")
        if col.max_length and len(text) > col.max_length:
            raise ValueError(f"too long ({len(text)} characters, at most {col.max_length})")
        return text
    if kind == "date":
        return _parse_date(text)
    if kind == "datetime":
        return _parse_datetime(text)
    if kind == "money":  # to minor units once the currency is known (its decimals checked then)
        return _parse_number(text, high=col.high)
    if kind == "decimal":
        return _parse_number(text, high=col.high, places=col.places)
    if kind == "rate":
        return _parse_rate(text, col.places)
    if kind == "int":
        m = re.match(r"^([0-9]+)\s*(?:h|:)\s*([0-9]{1,2})?\s*m?$", text.lower())
        if col.name == "minutes" and m:
            raise ValueError(f"{text!r} is not a whole number of minutes "
                             f"(write {int(m.group(1)) * 60 + int(m.group(2) or 0)})")
        return _parse_number(text, "whole number", high=col.high, whole=True)
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



def cell_parser(col: Column):
    """:func:`_parse_cell` for one column, with a fast path for the usual cell of
    its type (plain text, digits, an ISO date-time); every other cell takes the
    full path, so values and messages are the same (issue 16: a time-entries
    import spent a quarter of its time here)."""
    kind = col.type
    if kind in ("text", "ref"):
        most = col.max_length

        def parse_text(text: str):
            # printable: no control character, no CR (nothing to normalise)
            if text.isprintable() and (not most or len(text) <= most):
                return text
            return _parse_cell(col, text)
        return parse_text
    if kind == "int":
        high = col.high

        def parse_int(text: str):
            if text.isdigit() and text.isascii() and len(text) <= 18:
                value = int(text)
                if high is None or value <= high:
                    return value
            return _parse_cell(col, text)
        return parse_int
    if kind == "datetime":
        return _parse_datetime
    if kind == "date":
        return _parse_date
    return lambda text: _parse_cell(col, text)
