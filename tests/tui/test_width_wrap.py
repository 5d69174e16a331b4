"""At 80 columns the search's Found and Where wrap instead of cutting the batch's
name, and the invoice screen's contract · period headings wrap instead of losing
the period (issue 12); Where says what matched, as ``batchbill search`` does."""
from __future__ import annotations

import pytest

from tests.tui.conftest import burst, make_app, settle


def _lines(table, row: int) -> list[str]:
    return [c.plain if hasattr(c, "plain") else str(c) for c in table.get_row_at(row)]


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_search_rows_keep_the_batch_name_and_say_what_matched(book, size):
    from store import search
    from tui.widgets.list_panel import ListPanel

    hits = search.search("hartley")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await burst(pilot, "slash", *"hartley")
        await pilot.pause(0.4)
        await settle(pilot)
        panel = app.screen.query_one(ListPanel)
        table = panel.table
        assert panel.items == hits and hits
        for row, hit in enumerate(hits):
            found, where, amount, date = _lines(table, row)
            assert " ".join(found.split()) == hit.title  # wrapped, not cut
            assert " · ".join(where.split("\n")) == hit.where and "…" not in where
            assert where.startswith("by customer") and "September run" in where
            assert amount and date
            height = table.ordered_rows[row].height
            assert height == max(found.count("\n"), where.count("\n")) + 1
            assert (height > 1) == (size[0] < 120)


async def test_number_search_says_by_number(book):
    from tui.widgets.list_panel import ListPanel

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "slash", *"ns2")
        await pilot.pause(0.4)
        await settle(pilot)
        where = _lines(app.screen.query_one(ListPanel).table, 0)[1]
        assert where.startswith("by number")


async def test_invoice_screen_wraps_contract_and_period_at_80_columns(book):
    from store.invoices import load_invoice
    from tui.screens.invoice_detail import InvoiceDetailScreen
    from textual.widgets import DataTable

    inv = load_invoice("NS-000002")
    headings = {f" {l.contract} · {l.period}" for l in inv.lines if l.contract}
    width = max(20, 80 - 46)  # the Description column at 80 columns
    assert any(len(h) > width for h in headings)  # the case seen: a heading longer than its column
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(InvoiceDetailScreen("NS-000002"))
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        shown = {}
        for row in range(table.row_count):
            # a heading longer than its column is wrapped by the screen, its next line
            # indented as its first (issue 12)
            first = " " + " ".join(_lines(table, row)[0].split())
            if first in headings:
                shown[first] = table.ordered_rows[row].height
        assert set(shown) == headings  # whole, no ellipsis
        assert all(height == (2 if len(h) > width else 1) for h, height in shown.items()), shown
