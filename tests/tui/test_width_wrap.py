"""At 80 columns the search's Found and Where wrap instead of cutting the batch's
name, and the invoice screen's contract · period headings wrap instead of losing
the period (issue 12); Where says what matched, as ``batchbill search`` does."""
from __future__ import annotations

import pytest

from tests.tui.conftest import burst, make_app, settle


async def search_for(pilot, query: str) -> None:
    """``/`` and the query typed, from a settled app: its hits listed (the search
    follows the typing after a pause)."""
    await settle(pilot)
    await burst(pilot, "slash", *query)
    await pilot.pause(0.4)
    await settle(pilot)


def _lines(table, row: int) -> list[str]:
    return [c.plain if hasattr(c, "plain") else str(c) for c in table.get_row_at(row)]


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_search_rows_keep_the_batch_name_and_say_what_matched(book, size):
    from store import search
    from tui.widgets.list_panel import ListPanel

    hits = search.search("hartley")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await search_for(pilot, "hartley")
        panel = app.screen.query_one(ListPanel)
        table = panel.table
        assert panel.items == hits and hits
        for row, hit in enumerate(hits):
            found, where, amount, date = _lines(table, row)
            assert " ".join(found.split()) == hit.title  # wrapped, not cut
            assert " · ".join(part.strip() for part in where.split("\n")) == hit.where and "…" not in where
            assert where.startswith("by customer") and "September run" in where
            assert amount and date
            height = table.ordered_rows[row].height
            assert height == max(found.count("\n"), where.count("\n")) + 1
            assert (height > 1) == (size[0] < 120)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_a_wrapped_search_hit_continues_indented_in_its_column(book, size):
    """Issue 12: a long hit's second line started at its column's edge and read as
    the next hit. Now Found's and Where's next lines start two cells in, on screen
    too; a row's first line stays at the column's edge."""
    from tests.tui.test_focus_marker import screen_text
    from store.models import Batch
    from tui.widgets.list_panel import ListPanel

    Batch.update(name="September run for managed services").execute()
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await search_for(pilot, "whitmore")
        table = app.screen.query_one(ListPanel).table
        found, where, _, _ = _lines(table, 0)
        assert "\n" in found + where
        for cell in (found, where):
            first, *rest = cell.split("\n")
            assert not first.startswith(" ")
            assert all(line.startswith("  ") and line[2] != " " for line in rest), cell
        # on screen: the hit's first line at the column's edge (after the cell's one-cell
        # padding), its next lines two cells further in, in the Found and in the Where column
        text = screen_text(app)
        top = next(i for i, line in enumerate(text) if line.startswith(" NS-000002 "))
        header = next(line for line in text if line.startswith(" Found"))
        where_x = header.index("Where")
        assert table.ordered_rows[0].height > 1
        for cell, x in ((found, 1), (where, where_x)):
            for offset, line in enumerate(cell.split("\n")[1:], start=1):
                # the screen row under the hit's first: its text two cells into the column
                assert text[top + offset][x:].startswith(line), (text[top + offset], line)
                assert line.startswith("  ") and text[top + offset][x + 2] != " "


async def test_number_search_says_by_number(book):
    from tui.widgets.list_panel import ListPanel

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(pilot, "ns2")
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


def test_wrap_hang_indents_only_the_next_lines_and_keeps_the_width():
    from tui.format import wrap

    title = "NS-000258 Whitmore & Hale Solicitors LLP"
    assert wrap(title, 21) == "NS-000258 Whitmore &\nHale Solicitors LLP"
    assert wrap(title, 21, hang=2) == "NS-000258 Whitmore &\n  Hale Solicitors LLP"
    where = "by customer, line text · issued · September run for managed services"
    for width in (12, 21, 30):
        for text, sep in ((title, None), (where, " · ")):
            lines = wrap(text, width, sep=sep, hang=2).split("\n")
            assert all(len(line) <= width for line in lines)
            assert not lines[0].startswith(" ") and all(line.startswith("  ") for line in lines[1:])
    assert wrap(title, 60, hang=2) == title
