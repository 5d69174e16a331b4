"""How the screens write money, dates and batch numbers."""
from __future__ import annotations

import datetime as dt

from rich.text import Text

from store.money import format_display


def line(*parts) -> Text:
    """Rich text from plain strings and (text, style) pairs: user data such as
    a customer called "[b]" is never read as markup, and spacing is kept."""
    return Text.assemble(*parts)


def cell(value) -> Text:
    return value if isinstance(value, Text) else Text(str(value))


def clip(text: str, width: int) -> str:
    """The text cut to ``width`` characters, with an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def count(n: int, noun: str) -> str:
    """'1 invoice', '2 invoices'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


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


def home_first(pairs, home: str | None) -> tuple[tuple[str, int], ...]:
    """(currency, minor) pairs with the home currency first when present,
    else the largest total first; the rest by currency code."""
    items = sorted(pairs.items() if isinstance(pairs, dict) else pairs)
    if not items:
        return ()
    lead = next((p for p in items if p[0] == home), None) or max(items, key=lambda p: p[1])
    return (lead, *(p for p in items if p is not lead))


def short_totals(pairs) -> str:
    """The first currency's total, and how many other currencies there are."""
    items = list(pairs.items() if isinstance(pairs, dict) else pairs)
    if not items:
        return "-"
    currency, amount = items[0]
    more = f" +{len(items) - 1}" if len(items) > 1 else ""
    return money(amount, currency) + more


def number_range(numbers, count: int, *, count_too: bool = True) -> str:
    """'NS-000001..000006 (6)': first and last number, the shared prefix once."""
    if not numbers:
        return "-"
    if len(numbers) == 1 or count <= 1:
        return numbers[0]
    first, last = numbers[0], numbers[-1]
    cut = 0
    while cut < min(len(first), len(last)) and first[cut] == last[cut] and not first[cut].isdigit():
        cut += 1
    shown = f"{first}..{last[cut:]}"
    return f"{shown} ({count})" if count_too else shown
