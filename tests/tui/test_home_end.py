"""Home and End in a list (issue 12 walk): the help says "↑↓ home end: move" but in
Batches (and every list) they did nothing: Textual binds them to the leftmost and
rightmost column, which a row cursor has no use for. Home goes to the first row,
End to the last row of the page shown."""
from __future__ import annotations

import pytest

from tests.tui.conftest import burst, make_app, settle


@pytest.mark.parametrize("key", ["b", "i", "T"], ids=["batches", "invoices", "tickets"])
async def test_home_and_end_go_to_the_first_and_last_row_of_the_page(book, key):
    if key == "b":  # the book has one batch: two drafts more
        from store import billing

        for period in ("2026-10", "2026-11"):
            billing.create_batch(f"Draft {period}", period, ["Zoë Café GmbH"], actor="tester")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, key)
        panel = app.screen.panel
        table = panel.table
        assert app.focused is table
        last = len(panel.items) - 1
        assert last >= 2
        assert table.cursor_row == 0
        await burst(pilot, "end")
        assert (table.cursor_row, panel.page) == (last, 0)
        assert panel.current is panel.items[-1]
        await burst(pilot, "home")
        assert (table.cursor_row, panel.page) == (0, 0)
        if last >= 2:
            await burst(pilot, "down", "end", "up", "home")
            assert table.cursor_row == 0


async def test_home_and_end_on_the_dashboard_and_an_invoice(book):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#recent-invoices")
        await burst(pilot, "tab")
        while app.focused is not panel.table:
            await burst(pilot, "tab")
        await burst(pilot, "end")
        assert panel.table.cursor_row == len(panel.items) - 1
        await burst(pilot, "enter")  # the invoice: its lines
        table = app.screen.query_one("#invoice-lines")
        assert app.focused is table and table.row_count > 1
        await burst(pilot, "end")
        assert table.cursor_row == table.row_count - 1
        await burst(pilot, "home")
        assert table.cursor_row == 0


async def test_the_help_says_what_home_and_end_do(book):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "b", "question_mark")
        keys = app.screen.query_one("#help-keys")
        rows = [tuple(str(c) for c in keys.get_row_at(i)) for i in range(keys.row_count)]
        assert ("home end", "A list's first, last row (of the page shown)") in rows
