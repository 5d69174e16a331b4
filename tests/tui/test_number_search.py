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


def bill_october_for_whitmore() -> None:
    """A second invoice for Whitmore & Hale: its name then finds two."""
    import datetime as dt

    from store import billing

    batch = billing.create_batch("October run", "2026-10", ["Whitmore & Hale Solicitors LLP"], actor="alice")
    billing.save_batch(batch.id, actor="alice", issue_date=dt.date(2026, 11, 1), today=dt.date(2026, 11, 1))


async def test_enter_on_a_name_goes_to_the_results_to_pick_from(book):
    """Issue 12: `/ whitmore enter` opened the newest invoice and hid the others. A
    query that names several things: enter moves to the results, the first
    highlighted; the user picks with the arrows and enter; esc from the invoice
    comes back to the results' search, the query selected."""
    from textual.widgets import Input

    from tui.screens.invoice_detail import InvoiceDetailScreen
    from tui.screens.search import SearchScreen

    bill_october_for_whitmore()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "slash", *"whitmore", "enter")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        panel = screen.panel
        assert [hit.kind for hit in panel.items] == ["invoice", "invoice"]
        assert app.focused is panel.table and panel.table.cursor_row == 0
        older = panel.items[1].key
        await burst(pilot, "down", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen) and app.screen.number == older
        await burst(pilot, "escape")
        field = app.screen.query_one(Input)
        assert isinstance(app.screen, SearchScreen)
        assert app.focused is field and field.selected_text == "whitmore"


@pytest.mark.parametrize("query, number", [("NS-000002", "NS-000002"), ("ns2", "NS-000002"),
                                           ("hartley", "NS-000001")])
async def test_enter_opens_directly_what_the_query_names_exactly(book, query, number):
    """A number names its invoice (even when other hits match too); a name with
    one result names it: enter opens it, esc comes back to the query, selected."""
    from textual.widgets import Input

    from tui.screens.invoice_detail import InvoiceDetailScreen
    from tui.screens.search import SearchScreen

    bill_october_for_whitmore()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "slash", *query, "enter")
        assert isinstance(app.screen, InvoiceDetailScreen) and app.screen.number == number
        await burst(pilot, "escape")
        field = app.screen.query_one(Input)
        assert isinstance(app.screen, SearchScreen)
        assert app.focused is field and field.selected_text == query


def test_named_hit_needs_one_number_match_or_one_result():
    from store.domain.lists import SearchHit
    from tui.screens.search import named_hit

    def hit(key, matched="customer", kind="invoice"):
        return SearchHit(kind=kind, key=key, title=key, subtitle="issued · x", matched=matched)

    by_number = hit("NS-000002", "number")
    assert named_hit([hit("1", "name", "batch"), by_number, hit("NS-000012", "amount")], False) is by_number
    assert named_hit([hit("NS-000002"), hit("NS-000001")], False) is None
    assert named_hit([hit("NS-000002", "number"), hit("XY-000002", "number")], False) is None
    only = hit("NS-000001")
    assert named_hit([only], False) is only
    assert named_hit([only], True) is None  # one on this page, more on the next
