"""Resize round trips (issue 12 walk over SSH): 80x24 -> 110x30 -> 80x24, twice, on
Invoices and on the dashboard's Recent invoices, with a right-to-left customer name
('כרמל מערכות תוכנה בע״מ', cut at 80 columns) in the list. The user saw the columns
stay wide after each trip: Created gone, Batch cut to 4 cells without '…', worse
with every trip. Each 80x24 screen must be the first one again, each 110x30 too."""
from __future__ import annotations

import pytest

from tests.tui.conftest import burst, make_app, settle

HEBREW = "כרמל מערכות תוכנה בע״מ"


def screen_text(app) -> list[str]:
    """The screen as plain text, what `tmux capture-pane` shows (no colour)."""
    return [strip.text.rstrip() for strip in app.screen._compositor.render_strips()]


def rename_a_billed_customer() -> None:
    from store.models import Customer

    Customer.update(name=HEBREW).where(Customer.name == "Hartley Dental Group").execute()


# (area key, the panel's id, the columns that must stay on screen at 80)
AREAS = [
    ("i", "invoices", ["Invoice", "Customer", "Total", "Status", "Batch"]),
    (None, "recent-invoices", ["Invoice", "Customer", "Amount", "Batch", "Created"]),
]


@pytest.mark.parametrize("key, panel_id, headers", AREAS, ids=["invoices", "dashboard"])
async def test_two_resize_round_trips_leave_the_list_as_it_was(book, key, panel_id, headers):
    rename_a_billed_customer()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if key:
            await burst(pilot, key)
        panel = app.screen.query_one(f"#{panel_id}")
        table = panel.table
        assert any(item.customer == HEBREW for item in panel.items)
        first_narrow = screen_text(app)
        assert any(HEBREW[:8] in line for line in first_narrow), "\n".join(first_narrow)
        first_wide = None
        for trip in range(2):
            await pilot.resize_terminal(110, 30)
            await settle(pilot)
            wide = screen_text(app)
            assert any(HEBREW in line for line in wide), "\n".join(wide)  # room: the whole name
            assert table.virtual_size.width <= table.size.width
            if first_wide is None:
                first_wide = wide
            assert wide == first_wide, f"trip {trip + 1}:\n" + "\n".join(wide)
            await pilot.resize_terminal(80, 24)
            await settle(pilot)
            narrow = screen_text(app)
            assert table.virtual_size.width <= table.size.width, (trip, table.virtual_size, table.size)
            header = next(line for line in narrow if line.split()[:1] == ["Invoice"])
            for name in headers:
                assert name in header, f"trip {trip + 1}:\n" + "\n".join(narrow)
            hebrew_row = next(line for line in narrow if HEBREW[:8] in line)
            assert "Sept" in hebrew_row, hebrew_row  # the batch, cut with '…' at most
            assert narrow == first_narrow, f"trip {trip + 1}:\n" + "\n".join(narrow)
