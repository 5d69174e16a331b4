"""Issue 16: on PostgreSQL `/` (and `batchbill search`) runs one statement a
search, with the hits, their order and their Where column the several-statement
path's (still SQLite's). Queries: a whole invoice number, a number's fragment and
its bare digits, a customer's name with accents (typed with and without them), a
batch's name, a period, words of line text, and a second page."""
from __future__ import annotations

import pytest

from store.search import _search_by_parts, index_invoices, search
from tests.exporters.test_export_service import make_book
from tests.support.statements import statements_sent


def _book():
    from store.models import Invoice

    make_book(invoices=12)
    make_book(invoices=3, name="Zoë November run", customer_name="Zoë Müller GmbH")
    make_book(invoices=2, name="Draft December", status="draft", customer_name="Nolan Pty")
    index_invoices([i.id for i in Invoice.select()])


QUERIES = {
    "INV-000007": ["INV-000007"],
    "7": ["INV-000007"],
    "INV-0000": ["INV-000017", "INV-000016", "INV-000015", "INV-000014", "INV-000013"],
    "000013": ["INV-000013"],
    "zoe muller": ["INV-000015", "INV-000014", "INV-000013"],
    "Zoë Müller": ["INV-000015", "INV-000014", "INV-000013"],
    "november": ["INV-000015", "INV-000014", "INV-000013"],
    "2026-10": None,  # a phrase on SQLite, two words on PostgreSQL (INV-000010): as before
    "printer": ["INV-000017", "INV-000016", "INV-000015", "INV-000014", "INV-000013"],
    "sum work": ["INV-000017", "INV-000016", "INV-000015", "INV-000014", "INV-000013"],
    "187.50": None,  # an amount
    "nothing-like-this": [],
}


@pytest.mark.parametrize("page_size", [5, 20])
def test_postgresql_searches_in_one_statement_with_the_same_hits_in_the_same_order(db, page_size):
    _book()
    postgres = type(db).__name__.startswith("Postgres")
    for query, first_invoices in QUERIES.items():
        for page in (0, 1):
            before = _search_by_parts(query, page, page_size)
            hits, sent = statements_sent(db, lambda: search(query, page, page_size))
            assert hits == before, (query, page)
            if postgres:
                assert len(sent) == 1, (query, page, sent)
            if page == 0 and first_invoices is not None:
                invoices = [h.key for h in hits if h.kind == "invoice"]
                assert invoices[:5] == first_invoices[:page_size], query
    # the batches: by name (accent-blind) and by period, newest first, on page 0 only
    assert [(h.title, h.matched) for h in search("zoe") if h.kind == "batch"] == [("Zoë November run", "name")]
    assert [h.title for h in search("2026-10") if h.kind == "batch"] == [
        "Draft December", "Zoë November run", "October 2026"]
    assert [h for h in search("2026-10", page=1) if h.kind == "batch"] == []
    # the Where column: number, customer, line text, amount
    assert {h.matched for h in search("INV-000007") if h.kind == "invoice"} == {"number"}
    assert {h.matched for h in search("zoe") if h.kind == "invoice"} == {"customer"}
    assert {h.matched for h in search("printer") if h.kind == "invoice"} == {"line text"}
    # a second page past the number's invoice: nothing lost, nothing twice
    all_keys = [h.key for p in range(4) for h in search("INV-0000", p, 5) if h.kind == "invoice"]
    assert all_keys == [f"INV-{n:06d}" for n in range(17, 0, -1)]
    seven = [h.key for p in range(4) for h in search("7", p, 5) if h.kind == "invoice"]
    assert seven[0] == "INV-000007" and len(seven) == len(set(seven))
