"""The command line's tables, fitted to the terminal.

On a terminal a table wider than the window would wrap and become unreadable,
so the long text columns (names, titles, descriptions: ``names``) give way,
cut with an ellipsis, and a list column (several amounts: ``lists``) keeps as
many whole items as fit and says how many more there are (``+4``), and a
column that must stay readable whole (a batch's name, the search's Where:
``wraps``) wraps within its column, on more lines, instead of being cut. Numbers,
amounts, currencies, statuses and dates are never cut. When stdout is not a
terminal (a pipe, a file, a script) every cell is printed whole.
"""
from __future__ import annotations

import os
import shutil
import sys
from typing import Mapping, Sequence

from tabulate import tabulate

ELLIPSIS = "…"
GAP = 2  # tabulate's "simple" format puts two spaces between columns
NAME_MINIMUM = 8
HEADER_PADDING = 2  # tabulate's MIN_PADDING: a column is its header and two cells wide at least


def terminal_width() -> int | None:
    """The columns to fit, or None to print whole: stdout is not a terminal.
    ``COLUMNS`` (when set) wins over the window's size, as for ``ls``."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return shutil.get_terminal_size((80, 24)).columns


def clip(text: str, width: int) -> str:
    """The text in ``width`` characters, an ellipsis where it was cut."""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + ELLIPSIS if width > 0 else ""


def clip_list(text: str, width: int, sep: str = ", ") -> str:
    """Whole items of a ``sep``-separated list in ``width`` characters, then
    '+N' for the N left out (the first item is kept whole, whatever its width)."""
    items = text.split(sep)
    if len(text) <= width or len(items) == 1:
        return text
    for keep in range(len(items) - 1, 0, -1):
        shown = f"{sep.join(items[:keep])} +{len(items) - keep}"
        if len(shown) <= width:
            return shown
    return f"{items[0]} +{len(items) - 1}"


def _list_minimum(cells: Sequence[str], sep: str = ", ") -> int:
    return max((len(c.split(sep)[0]) + (len(f" +{len(c.split(sep)) - 1}") if sep in c else 0)
                for c in cells), default=0)


def fit_widths(natural: Sequence[int], headers: Sequence[str], flexible: Mapping[int, int],
               minimums: Mapping[int, int], width: int) -> list[int]:
    """Column widths that fit ``width``: the ``flexible`` columns (index ->
    weight) shrink, the one with the most width per weight first, none under
    its minimum; the others keep their natural width."""
    widths = list(natural)
    total = sum(widths) + GAP * (len(widths) - 1)
    while total > width:
        candidates = [i for i in flexible if widths[i] > minimums[i]]
        if not candidates:
            break
        i = max(candidates, key=lambda c: (widths[c] / flexible[c], c))
        widths[i] -= 1
        total -= 1
    return widths


def render(rows: Sequence[Sequence], headers: Sequence[str], *, names: Mapping[str, int] = (),
           lists: Sequence[str] = (), optional: Sequence[str] = (), wraps: Mapping[str, int] = (),
           width: int | None = None, **options) -> str:
    """A tabulate "simple" table fitted to ``width`` (default: the terminal's,
    None when stdout is not one). ``names``: the headers of the columns that may
    be cut, with their weight (a heavier one keeps more); ``lists``: the headers
    of columns holding a ', '-separated list, cut between whole items;
    ``wraps``: the headers of columns never cut but wrapped within the column
    (between ' · '-separated parts first, then at spaces), with the width each
    keeps on one line before the names and lists give way; ``optional``:
    columns left out, in that order, while the table cannot fit otherwise (a
    detail such as who created a batch)."""
    from store.text import escape_controls

    if width is None:
        width = terminal_width()
    text = [["" if v is None else escape_controls(str(v)) for v in row] for row in rows]
    names, wraps = dict(names), dict(wraps)
    headers = [str(h) for h in headers]
    if width is not None and text:
        for drop in optional:
            if drop not in headers or _narrowest(text, headers, names, lists, wraps) <= width:
                break
            i = headers.index(drop)
            headers = headers[:i] + headers[i + 1:]
            text = [r[:i] + r[i + 1:] for r in text]
            if options.get("colalign"):  # the alignments follow their columns
                options["colalign"] = tuple(options["colalign"][:i]) + tuple(options["colalign"][i + 1:])
        heads = headers
        # tabulate's simple format gives a header two more cells than its text
        natural = [max([len(h) + HEADER_PADDING] + [len(r[i]) for r in text]) for i, h in enumerate(heads)]
        flexible, minimums = {}, {}
        for i, h in enumerate(heads):
            if h in names:
                flexible[i] = max(1, names[h])
                minimums[i] = min(natural[i], max(len(h) + HEADER_PADDING, NAME_MINIMUM))
            elif h in lists:
                flexible[i] = 1
                minimums[i] = min(natural[i], max(len(h) + HEADER_PADDING, _list_minimum([r[i] for r in text])))
        wrapped = {i: 1 for i, h in enumerate(heads) if h in wraps}
        kept = {i: min(natural[i], max(len(heads[i]) + HEADER_PADDING, wraps[heads[i]])) for i in wrapped}
        floor = {i: min(natural[i], max(len(heads[i]) + HEADER_PADDING, NAME_MINIMUM)) for i in wrapped}
        # the wrapped columns give way to the width they keep, then the names
        # and lists, then the wrapped columns again (on more lines) to their floor
        widths = fit_widths(natural, heads, wrapped, kept, width)
        widths = fit_widths(widths, heads, flexible, minimums, width)
        widths = fit_widths(widths, heads, wrapped, floor, width)
        for i in flexible:
            if widths[i] < natural[i]:
                cut = clip_list if heads[i] in lists else clip
                for r in text:
                    r[i] = cut(r[i], widths[i])
        for i in wrapped:
            if widths[i] < natural[i]:
                for r in text:
                    r[i] = wrap_cell(r[i], widths[i])
    return tabulate(text, headers=headers, **options)


def wrap_cell(text: str, width: int, sep: str = " · ") -> str:
    """The cell's text on lines of ``width`` characters, broken between its
    ``sep``-separated parts (the separator is left out at a break: the break
    says it), a part wider than a line broken at spaces, a word wider than a
    line cut across lines: every character is kept."""
    import textwrap

    lines: list[str] = []
    for part in text.split(sep):
        if lines and len(lines[-1]) + len(sep) + len(part) <= width:
            lines[-1] += sep + part
        elif len(part) <= width:
            lines.append(part)
        else:
            lines.extend(textwrap.wrap(part, width, break_on_hyphens=False) or [part])
    return "\n".join(lines)


def _narrowest(text, headers, names, lists, wraps=None) -> int:
    """The table's width with every name and list column at its minimum and
    every wrapped column at the width it keeps."""
    wraps = wraps or {}
    total = GAP * (len(headers) - 1)
    for i, h in enumerate(headers):
        natural = max([len(h) + HEADER_PADDING] + [len(r[i]) for r in text])
        if h in wraps:
            natural = min(natural, max(len(h) + HEADER_PADDING, wraps[h]))
        elif h in names:
            natural = min(natural, max(len(h) + HEADER_PADDING, NAME_MINIMUM))
        elif h in lists:
            natural = min(natural, max(len(h) + HEADER_PADDING, _list_minimum([r[i] for r in text])))
        total += natural
    return total


def wrap(text: str, width: int | None = None, indent: str = "  ") -> str:
    """A line of prose fitted to the terminal (default: its width; whole when
    stdout is not one): broken at spaces, the later lines indented by
    ``indent``; a word wider than a line (a URL) is cut across lines."""
    import textwrap

    if width is None:
        width = terminal_width()
    if width is None or len(text) <= width:
        return text
    lead = text[: len(text) - len(text.lstrip(" "))]
    return "\n".join(textwrap.wrap(text, width, initial_indent=lead, subsequent_indent=indent or lead,
                                   break_on_hyphens=False, drop_whitespace=True)) or text


def pairs(rows: Sequence[Sequence], width: int | None = None) -> str:
    """Label and value rows as tabulate's "plain" format prints them (the
    labels in a column, two spaces, the values), a value wider than the
    terminal wrapped under itself (whole when stdout is not a terminal). A
    value given as a list is printed ', '-separated, wrapped between items."""
    from store.text import escape_controls

    if width is None:
        width = terminal_width()
    column = max((len(str(label)) for label, _ in rows), default=0) + GAP
    lines = []
    for label, value in rows:
        label = escape_controls(str(label))
        items = [escape_controls(str(v)) for v in value] if isinstance(value, (list, tuple)) else None
        value = ", ".join(items) if items is not None else ("" if value is None else escape_controls(str(value)))
        line = f"{label:<{column}}{value}".rstrip()
        if width is not None and len(line) > width and width - column >= 20:
            if items is not None:
                line = _pack(items, f"{label:<{column}}", " " * column, width)
            else:
                line = wrap(line, width, indent=" " * column)
        lines.append(line)
    return "\n".join(lines)


def _pack(items: Sequence[str], first: str, indent: str, width: int) -> str:
    """The items ', '-separated, as many whole items on a line as fit."""
    lines, line = [], first
    for n, item in enumerate(items):
        piece = item + ("," if n < len(items) - 1 else "")
        if line.strip() and len(line) + 1 + len(piece) > width and line != first:
            lines.append(line)
            line = indent + piece
        else:
            line = (line + " " + piece) if line != first else line + piece
    lines.append(line)
    return "\n".join(lines)
