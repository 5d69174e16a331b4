"""A German user types ö as oe (ä ae, ü ue, ß ss): `koehler` finds Köhler on
both backends, as `kohler` and `köhler` do; `muller` still finds Müller and
`cafe` Café; the lists' filters and the name completion match the same way."""
from __future__ import annotations

import pytest

from store.listing import customer_names, list_batches, recent_invoices
from store.models import Invoice
from store.search import index_invoices, search
from store.text import umlaut_readings
from tests.exporters.test_export_service import make_book

NAMES = {"October 2026": "Köhler Haustechnik GmbH", "November 2026": "Müller & Söhne KG",
         "December 2026": "Café Zoë SARL", "January 2027": "Großmann Straße AG", "February 2027": "Bluebird Ltd"}


@pytest.fixture
def book(db):
    for batch, customer in NAMES.items():
        make_book(invoices=1, name=batch, customer_name=customer)
    index_invoices([i.id for i in Invoice.select()])
    return db


def customers_found(query):
    return {h.title.split(" ", 1)[1] for h in search(query) if h.kind == "invoice"}


def test_umlaut_readings_are_the_ascii_forms_a_german_user_types():
    assert umlaut_readings("koehler") == ["koehler", "kohler"]
    assert umlaut_readings("strasse") == ["strasse", "straße"]
    assert umlaut_readings("muller") == ["muller"]
    assert len(umlaut_readings("aeoeuessaeoe")) == 8


@pytest.mark.parametrize("query, customer", [
    ("koehler", "Köhler Haustechnik GmbH"), ("Koehler", "Köhler Haustechnik GmbH"),
    ("koeh", "Köhler Haustechnik GmbH"), ("kohler", "Köhler Haustechnik GmbH"),
    ("köhler", "Köhler Haustechnik GmbH"), ("koehler haustechnik", "Köhler Haustechnik GmbH"),
    ("mueller", "Müller & Söhne KG"), ("muller", "Müller & Söhne KG"), ("soehne", "Müller & Söhne KG"),
    ("cafe", "Café Zoë SARL"), ("zoe", "Café Zoë SARL"),
    ("grossmann", "Großmann Straße AG"), ("strasse", "Großmann Straße AG"), ("straße", "Großmann Straße AG"),
])
def test_search_finds_a_name_typed_as_its_umlaut_reading_on_both_backends(book, query, customer):
    assert customers_found(query) == {customer}


def test_the_where_column_says_customer_for_an_umlaut_reading(book):
    hits = [h for h in search("koehler") if h.kind == "invoice"]
    assert [h.matched for h in hits] == ["customer"]


def test_a_reading_does_not_loosen_a_word_without_one(book):
    assert customers_found("bluebird") == {"Bluebird Ltd"}
    assert customers_found("koehlerx") == set()


def test_list_filters_and_name_completion_match_the_readings_as_search_does(book):
    assert [i.customer for i in recent_invoices("koehler")] == ["Köhler Haustechnik GmbH"]
    assert [b.name for b in list_batches("koehler")] == ["October 2026"]
    assert customer_names("koeh") == ["Köhler Haustechnik GmbH"]
    assert customer_names("muell") == ["Müller & Söhne KG"]
    assert customer_names("gross") == ["Großmann Straße AG"]
