"""A list laid out again for the terminal's new width (issue 12): after a shrink from
120 to 80 columns the rows were refilled but the columns kept their wide widths, so
Status and Invoice went off screen (Tickets, and every list)."""
from __future__ import annotations

import pytest

from tests.tui.conftest import burst, make_app, settle


def screen_text(app) -> list[str]:
    """The screen as plain text, what `tmux capture-pane` shows (no colour)."""
    return [strip.text.rstrip() for strip in app.screen._compositor.render_strips()]


# (area key, the columns that must stay on screen, a cell of the first row that must too)
AREAS = [
    ("T", ["Ticket", "Status", "Invoice"], lambda item: item.status),
    ("i", ["Invoice", "Total", "Status", "Batch"], lambda item: item.status),
    ("b", ["Status"], None),
]


def columns_width(table) -> int:
    return sum(c.get_render_width(table) for c in table.columns.values())


@pytest.mark.parametrize("key, headers, last_cell", AREAS)
async def test_a_list_shrunk_from_120_to_80_columns_keeps_its_columns_on_screen(book, key, headers, last_cell):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await burst(pilot, key)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        panel = app.screen.panel
        table = panel.table
        # the table's columns fit its width: nothing to scroll sideways to
        assert table.virtual_size.width <= table.size.width, (table.virtual_size, table.size)
        text = screen_text(app)
        header = next(line for line in text if all(h in line.split() for h in headers[:1]))
        for name in headers:
            assert name in header, "\n".join(text)
        if last_cell is not None:
            first = panel.items[0]
            row = next(line for line in text if str(getattr(first, "number", "")) in line)
            assert str(last_cell(first)) in row, "\n".join(text)
        # and back: the names get the room again
        await pilot.resize_terminal(120, 36)
        await settle(pilot)
        assert table.virtual_size.width <= table.size.width
        wide = columns_width(table)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        narrow = columns_width(table)
        assert narrow <= table.size.width
        if key == "T":  # the customer and title give way at 80 columns, get the room at 120
            assert narrow < wide
