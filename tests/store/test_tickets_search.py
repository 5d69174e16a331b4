"""The Tickets area's search (``T``) is accent- and case-blind like ``/``, on
SQLite and PostgreSQL alike (issue 12)."""
from __future__ import annotations

import pytest

from tests import factories as f


@pytest.fixture
def tickets_book(db):
    zoe = f.customer("Zoë Café GmbH", "DE", "EUR", "0.19")
    muller = f.customer("MÜLLER & Söhne GmbH", "DE", "EUR", "0.19")
    acme = f.customer("Acme Dental", "US", "USD", "0.08")
    f.ticket(zoe, f.contract(zoe, "Réseau Support"), title="Crème brûlée printer", number="T-1")
    f.ticket(muller, f.contract(muller, "Straße Wartung"), title="Großer Drucker", number="T-2")
    f.ticket(acme, f.contract(acme, "Support"), title="Resume CAFE wifi", number="T-3")
    f.ticket(acme, None, title="Naïve ÉCOLE", number="T-4", status="open", closed=None)
    return db


@pytest.mark.parametrize("query, numbers", [
    ("zoe", {"T-1"}), ("ZOË", {"T-1"}), ("cafe", {"T-1", "T-3"}), ("café", {"T-1", "T-3"}),
    ("creme brulee", {"T-1"}), ("reseau", {"T-1"}), ("muller", {"T-2"}), ("müller söhne", {"T-2"}),
    ("grosser", {"T-2"}), ("strasse", {"T-2"}), ("STRASSE", {"T-2"}), ("naive ecole", {"T-4"}),
    ("résumé", {"T-3"}), ("t-4", {"T-4"}), ("xyz", set()),
    # a German user's readings of ü, ö and ß: the customer, its contract, the title
    ("mueller soehne", {"T-2"}), ("MUELLER", {"T-2"}), ("strasse wartung", {"T-2"}),
    ("gruesse", set()),
])
def test_ticket_search_ignores_accents_and_case(tickets_book, query, numbers):
    from store.tickets import list_tickets

    assert {t.number for t in list_tickets(query, page_size=50)} == numbers


def test_ticket_search_still_pages_and_filters_by_status(tickets_book):
    from store.tickets import list_tickets

    assert [t.number for t in list_tickets("e", page_size=50, status="open")] == ["T-4"]
    first = list_tickets("", page=0, page_size=2)
    second = list_tickets("", page=1, page_size=2)
    assert len(first) == 2 and len(second) == 2 and not {t.id for t in first} & {t.id for t in second}
