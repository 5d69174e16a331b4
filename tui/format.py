"""How the screens write money, dates and batch numbers, and user text made
safe to draw (:func:`safe`)."""
from __future__ import annotations

import datetime as dt

from rich.text import Text

from store.money import format_display, home_first  # noqa: F401 (home_first: the lists order totals with it)
from store.text import count, escape_controls, plural  # noqa: F401 (count, plural: the screens' words)


def safe(text) -> str:
    """User text as it may reach the terminal: a control character (ESC, BEL,
    CSI...) is shown as ``\\x1b`` instead of being sent raw (an imported
    ``ESC[2J`` would clear the screen); the command line's rule
    (:func:`store.text.escape_controls`). Markup is another matter: user text
    is drawn as Text or with ``markup=False``, never parsed."""
    return escape_controls("" if text is None else str(text))


def home_short(path, width: int | None = None, home: str | None = None) -> str:
    """A book's path as the title bar shows it: under the user's home as
    ``~/...``; longer than ``width``, cut from the left (the file's name is what
    tells two books apart): ``…/books/2026/main.sqlite3``. A URL is kept as
    given (its password already removed by store.session)."""
    import os

    text = safe(path)
    home = (os.path.expanduser("~") if home is None else home).rstrip("/")
    if home and "://" not in text:
        if text == home:
            text = "~"
        elif text.startswith(home + "/"):
            text = "~" + text[len(home):]
    if width is not None and len(text) > width:
        text = "…" + text[len(text) - (width - 1):] if width > 1 else "…"
    return text


def line(*parts) -> Text:
    """Rich text from plain strings and (text, style) pairs: user data such as
    a customer called "[b]" is never read as markup, spacing is kept and control
    characters are escaped."""
    return Text.assemble(*(
        (safe(part[0]), part[1]) if isinstance(part, tuple) else part if isinstance(part, Text) else safe(part)
        for part in parts
    ))


def cell(value) -> Text:
    return value if isinstance(value, Text) else Text(safe(value))


def clip(text: str, width: int) -> str:
    """The text cut to ``width`` characters, with an ellipsis when cut (escaped first)."""
    text = safe(text)
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def wrap(text: str, width: int, lines: int = 3, sep: str | None = None, hang: int = 0) -> str:
    """The text folded on spaces into lines of at most ``width`` characters (a
    word longer than that is cut), at most ``lines`` of them, the last cut with
    an ellipsis when more is left (escaped first). ``sep`` (e.g. " · "): lines
    break between its parts first, a part too long for a line on its spaces.
    ``hang``: the lines after the first are indented by that many spaces (and
    hold that much less), so that in a table they read as the same cell's, not
    as the next row's (issue 12: a search hit's second line started at the
    column's edge, like a new hit). A list row with such a cell grows to its
    lines (tui.widgets.list_panel)."""
    import textwrap

    text = safe(text)
    if len(text) <= width:
        return text
    width = max(1, width)
    hang = max(0, min(hang, width // 3))
    pad = " " * hang

    def room(index: int) -> int:
        return width if index == 0 else width - hang

    if sep:
        folded: list[str] = []
        for part in text.split(sep):
            if folded and len(folded[-1]) + len(sep) + len(part) <= room(len(folded) - 1):
                folded[-1] += sep + part
            elif len(part) <= room(len(folded)):
                folded.append(part)
            elif folded:
                folded.extend(textwrap.wrap(part, width - hang, break_on_hyphens=False) or [""])
            else:
                first, *rest = textwrap.wrap(part, width, subsequent_indent=pad, break_on_hyphens=False) or [""]
                folded.extend([first, *(piece[hang:] for piece in rest)])
        folded = [clip(f, room(i)) for i, f in enumerate(folded)]
    else:
        first, *rest = textwrap.wrap(text, width, subsequent_indent=pad, break_on_hyphens=False) or [""]
        folded = [first, *(piece[hang:] for piece in rest)]
    if len(folded) > lines:
        folded = folded[:lines]
        folded[-1] = clip(folded[-1] + "…", room(lines - 1))
    return ("\n" + pad).join(folded)


WIDE_DIALOG = 110  # .wide-dialog in app.tcss: its width at most (less on a narrower terminal)


def widest(headers, rows) -> list[int]:
    """Each column's width in terminal cells as a table draws it: its widest cell
    or its header (the dialogs' amount columns, sized to show whole)."""
    from rich.cells import cell_len

    return [max([cell_len(str(h))] + [cell_len(str(r[i])) for r in rows]) for i, h in enumerate(headers)]


def flex_widths(total: int, fixed, weights, minimum: int = 8) -> list[int]:
    """Widths of a table's flexible columns (names): what ``total`` cells leave once
    the ``fixed`` columns, each column's padding (2) and a scrollbar (2) are in,
    shared by ``weights``; never under ``minimum``. Names then use the width the
    terminal gives, from 80 to 200 columns and more."""
    columns = len(fixed) + len(weights)
    room = max(minimum * len(weights), total - sum(fixed) - 2 * columns - 2)
    share = sum(weights) or 1
    widths = [max(minimum, room * w // share) for w in weights]
    return widths


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
