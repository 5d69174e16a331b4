"""The new-batch dialog's name completion (store.listing.customer_names)."""
from __future__ import annotations

from store import listing
from tests.factories import customer


def test_names_complete_ignoring_case_and_accents(db):
    customer("Müller & Söhne GmbH", region="DE", currency="EUR")
    customer("Mullen Logistics")
    customer("Zoë Café GmbH", region="DE", currency="EUR")
    customer("Straße Bau AG", region="DE", currency="EUR")
    customer("Mulberry Farms", active=False)
    assert listing.customer_names("Mu") == ["Mullen Logistics", "Müller & Söhne GmbH"]
    assert listing.customer_names("mull") == ["Mullen Logistics", "Müller & Söhne GmbH"]
    assert listing.customer_names("MÜL") == ["Mullen Logistics", "Müller & Söhne GmbH"]
    assert listing.customer_names("zoe c") == ["Zoë Café GmbH"]
    assert listing.customer_names("strasse") == ["Straße Bau AG"]
    assert listing.customer_names("mulb") == []  # inactive customers are not offered
    assert listing.customer_names("  ") == []
    assert listing.customer_names("m", limit=1) == ["Mullen Logistics"]
