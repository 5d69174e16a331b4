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
