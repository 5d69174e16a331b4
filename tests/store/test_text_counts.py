"""Counted nouns read as English on 1 and on 2 ("1 invoice in AUD", "1 of them was
exported"), in the store's messages, the command line and the app's dialogs."""
from __future__ import annotations

import datetime as dt

import pytest

from store.text import count, plural


@pytest.mark.parametrize("n, want", [(0, "0 invoices"), (1, "1 invoice"), (2, "2 invoices")])
def test_count(n, want):
    assert count(n, "invoice") == want


def test_plural_with_an_irregular_form():
    assert (plural(1, "was", "were"), plural(2, "was", "were")) == ("was", "were")
    assert (count(1, "entry", "entries"), count(2, "entry", "entries")) == ("1 entry", "2 entries")


def test_currency_warning_counts_one_and_two(monkeypatch):
    from store import exports, listing

    monkeypatch.setattr(listing, "home_currency", lambda: "USD")

    def inv(number, currency):
        return type("Inv", (), {"number": number, "currency": currency})()

    one = exports._currency_warnings("qbo-csv", [inv("NS-1", "AUD"), inv("NS-2", "USD")])
    assert "has no currency column: 1 invoice in AUD (first NS-1)" in one[0]
    two = exports._currency_warnings("qbd-iif", [inv("NS-1", "AUD"), inv("NS-2", "EUR"), inv("NS-3", "EUR")])
    assert "has no currency column: 1 invoice in AUD, 2 invoices in EUR (first NS-1)" in two[0]


def test_reexport_summary_counts(monkeypatch):
    from store.exports import ExportResult

    when = dt.datetime(2026, 11, 27, 10, 11)
    numbers = [f"NS-{i}" for i in range(1, 6)]
    result = ExportResult(files=[], invoices=5, rows=0, format="csv", reexported=numbers,
                          previously_exported=[(n, when) for n in numbers])
    assert result.reexport_notices()[0].startswith("5 of 5 invoices (NS-1 ... NS-5) were exported before")


def test_void_dialog_warning_on_one_and_two():
    from tui.screens.void_dialog import exported_warning

    assert exported_warning(1, 1) == "1 of its 1 invoice was exported: void it in your accounting system too."
    assert exported_warning(2, 3) == ("2 of its 3 invoices were exported: "
                                      "void them in your accounting system too.")


# --- a batch's export files are named after the batch --------------------------------

@pytest.mark.parametrize("name, want", [
    ("2026-11 billing", "2026-11-billing"),
    ("Zoë Café / Q3: *final*", "zoe-cafe-q3-final"),
    ("../../etc/passwd", "etc-passwd"),
    ("  .hidden. ", "hidden"),
    ("東京", ""),
    ("a" * 100, "a" * 60),
])
def test_slug(name, want):
    from store.exports import slug

    assert slug(name) == want


def test_batch_stem_from_the_name_with_the_id_on_a_collision_and_a_fallback(tmp_path):
    from store.book import open_database
    from store.db import close_database
    from store.exports import batch_stem, default_names
    from store.models import Batch

    close_database()
    open_database(str(tmp_path / "b.sqlite3"))
    try:
        one = Batch.create(name="2026-11 billing", created_by="t", period="2026-11")
        alone = Batch.create(name="2026-10 billing", created_by="t", period="2026-10")
        tokyo = Batch.create(name="東京", created_by="t", period="2026-10")
        assert (batch_stem(one.id), batch_stem(alone.id)) == ("2026-11-billing", "2026-10-billing")
        assert batch_stem(tokyo.id) == f"batch_{tokyo.id}"
        two = Batch.create(name="2026-11 Billing!", created_by="t", period="2026-11")
        assert (batch_stem(one.id), batch_stem(two.id)) == (f"2026-11-billing_{one.id}", f"2026-11-billing_{two.id}")
        assert batch_stem(alone.id) == "2026-10-billing"
        names = default_names(batch=alone.id)
        assert names == {"qbo-csv": "2026-10-billing-qbo.csv", "qbd-iif": "2026-10-billing.iif",
                         "xero-csv": "2026-10-billing-xero.csv", "csv": "2026-10-billing.csv",
                         "pdf": "2026-10-billing-pdf", "ubl": "2026-10-billing-ubl",
                         "facturx": "2026-10-billing-facturx"}
        assert default_names(numbers=["NS-000001"])["facturx"] == "NS-000001-facturx.pdf"
    finally:
        close_database()
