"""Search finds an invoice by its number's digits without the zeros or the
prefix: "150" and "ns150" find NS-000150 (user finding 6 of the SSH trial)."""
from __future__ import annotations

import pytest

from tests.tui.conftest import burst, make_app, settle


@pytest.mark.parametrize("query", ["2", "ns2", "NS-2", "ns 000002", "NS-000002", "Ns2"])
def test_search_finds_an_invoice_by_its_number_without_zeros_or_prefix(book, query):
    from store import search

    hits = search.search(query)
    invoices = [h for h in hits if h.kind == "invoice"]
    assert invoices and invoices[0].key == "NS-000002"
    assert invoices[0].matched == "number" and invoices[0].where.startswith("by number · ")
    assert search.matching_invoice_ids(query, 20)[0] == search.number_matches("NS-000002")[0]


def test_number_search_never_matches_another_prefix_or_a_longer_number(book):
    from store import search

    assert search.number_matches("xy2") == []
    assert search.number_matches("20") == []  # NS-000020 does not exist; NS-000002 is not 20
    assert search.number_matches("2.50") == []


async def test_slash_150_style_query_opens_the_invoice(book):
    from tui.screens.invoice_detail import InvoiceDetailScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "slash", *"ns3", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen) and app.screen.number == "NS-000003"


async def test_escape_in_the_results_selects_the_query_and_in_the_query_leaves_search(book):
    """Esc toggled between the query and the results and never left the search (issue 12):
    now esc in the results goes back to the query, selected (the next number replaces it),
    and esc in the query goes back to where `/` was pressed."""
    from textual.widgets import Input

    from tui.screens.invoices import InvoicesScreen
    from tui.screens.search import SearchScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "i", "down")
        invoices = app.screen
        row = invoices.panel.table.cursor_row
        await burst(pilot, "slash", *"Hartley")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await burst(pilot, "tab")  # the results
        assert app.focused is app.screen.panel.table
        await burst(pilot, "escape")
        field = app.screen.query_one(Input)
        assert isinstance(app.screen, SearchScreen)
        assert app.focused is field and field.selected_text == "Hartley"
        await burst(pilot, "escape")
        assert app.screen is invoices and isinstance(app.screen, InvoicesScreen)
        assert invoices.panel.table.cursor_row == row
        # and `/` again: the last query, selected
        await burst(pilot, "slash")
        assert isinstance(app.screen, SearchScreen)
        field = app.screen.query_one(Input)
        assert app.focused is field and field.selected_text == "Hartley"
