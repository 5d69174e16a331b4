"""Fixtures of the customer-format tests: the official validation rules,
compiled once per test session, and small demo books per home country."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.exporters.official_rules import OfficialRules, rules_dir

TODAY = dt.date(2026, 11, 27)
# Twelve customers cover every treatment of an EU home (domestic S, EU reverse charge,
# exports), and a Hebrew and a Japanese name; four months bill two batches.
DEMO_CUSTOMERS = 12
DEMO_MONTHS = 4


@pytest.fixture(scope="session")
def official_rules():
    directory = rules_dir()
    if directory is None:
        pytest.skip("the official EN 16931 / Peppol rules are not at ../shared/einvoice "
                    "(a clone without the shared folder): e-invoice validation skipped")
    pytest.importorskip("saxonche", reason="saxonche (a test dependency) is not installed")
    return OfficialRules(directory)


def build_home_book(home: str, path) -> dict:
    """A demo book for ``home`` whose first batch was exported, then voided (so its
    invoices become credit notes), and whose second batch is saved: returns the
    invoices of both (void ones included) and the export settings, read back
    through the store as the export service reads them."""
    from store import billing, invoices, settings
    from store.book import open_database
    from store.db import close_database
    from store.demo import make_demo
    from store.exports import export_invoices

    close_database()
    open_database(str(path))
    try:
        make_demo(customers=DEMO_CUSTOMERS, months=DEMO_MONTHS, today=TODAY, home=home)
        export_invoices(fmt="ubl", batch=1, out_path=str(path.parent / f"first-{home}"))
        billing.void_batch(1, "wrong period, billed again", actor="test")
        docs = invoices.batch_invoices(1, include_void=True) + invoices.batch_invoices(2)
        from dataclasses import replace

        export = replace(invoices.export_settings(), tax_names=settings.tax_names())
        return {"invoices": docs, "settings": export}
    finally:
        close_database()


@pytest.fixture(scope="session")
def home_books(tmp_path_factory):
    cache: dict[str, dict] = {}

    def get(home: str) -> dict:
        if home not in cache:
            cache[home] = build_home_book(home, tmp_path_factory.mktemp(f"home-{home}") / "book.sqlite3")
        return cache[home]

    return get
