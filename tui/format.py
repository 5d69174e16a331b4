"""How the screens write money, dates and batch numbers."""
from __future__ import annotations

import datetime as dt

from store.money import format_display


def money(minor: int, currency: str) -> str:
    return format_display(minor, currency)


def totals(pairs) -> str:
    """'1,200.00 USD + 300.00 EUR' for (currency, minor) pairs; '-' for none."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    text = " + ".join(money(amount, currency) for currency, amount in items)
    return text or "-"


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


def number_range(numbers, count: int) -> str:
    if not numbers:
        return "-"
    if len(numbers) == 1 or count <= 1:
        return numbers[0]
    return f"{numbers[0]}..{numbers[-1]} ({count})"
