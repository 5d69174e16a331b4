"""The paged list services behind the tui's screens (store/listing.py), on
SQLite and PostgreSQL: newest first, filtered and paged in SQL."""
from __future__ import annotations

import datetime as dt

from tests.tui.conftest import TODAY


def _book():
    from store import billing, demo

    demo.make_demo(customers=6, months=3, seed=1, today=TODAY, bill=False)
    first = billing.create_batch("September run", "2026-09", ["Hartley Dental Group", "Zoë Café GmbH"],
                                 actor="alice")
    billing.save_batch(first.id, actor="alice", today=dt.date(2026, 10, 1))
    second = billing.create_batch("October Maple", "2026-10", ["Maple Leaf Physiotherapy Inc."],
                                  actor="alice")
    return first, second


def test_batches_newest_first_with_first_and_last_invoice_number(db):
    from store import listing

    first, second = _book()
    rows = listing.list_batches()
    assert [b.name for b in rows] == ["October Maple", "September run"]
    assert rows[0].status == "draft" and rows[0].invoice_numbers == () and rows[0].totals == ()
    saved = rows[1]
    assert saved.invoice_count == 2
    assert saved.invoice_numbers == ("NS-000001", "NS-000002")
    assert sorted(c for c, _ in saved.totals) == ["EUR", "USD"]


def test_batches_page_and_filter_in_sql(db):
    from store import listing

    _book()
    assert [b.name for b in listing.list_batches(page=0, page_size=1)] == ["October Maple"]
    assert [b.name for b in listing.list_batches(page=1, page_size=1)] == ["September run"]
    assert listing.list_batches(page=2, page_size=1) == []
    assert [b.name for b in listing.list_batches("septem")] == ["September run"]
    assert [b.name for b in listing.list_batches("2026-10")] == ["October Maple"]


def test_recent_invoices_filter_by_number_customer_or_batch(db):
    from store import listing

    first, _ = _book()
    everything = listing.recent_invoices()
    assert [i.number for i in everything] == ["NS-000002", "NS-000001"]
    assert [i.customer for i in listing.recent_invoices("zoë")] == ["Zoë Café GmbH"]
    assert [i.number for i in listing.recent_invoices("000001")] == ["NS-000001"]
    assert len(listing.recent_invoices("September")) == 2
    assert listing.recent_invoices("no such thing") == []
    assert [i.number for i in listing.recent_invoices(page=1, page_size=1)] == ["NS-000001"]
    assert len(listing.recent_invoices(batch_id=first.id)) == 2
    hartley = listing.recent_invoices("Hartley")[0]
    assert hartley.currency == "USD" and hartley.total > 0 and hartley.batch_name == "September run"


def test_change_token_moves_with_every_change(db):
    from store import billing, listing

    _, draft = _book()
    before = listing.change_token()
    assert listing.change_token() == before  # reading changes nothing
    billing.update_draft(draft.id, excluded=[], actor="bob")
    assert listing.change_token() > before


def test_batch_totals_show_the_home_region_currency_first_else_the_largest(sqlite_db):
    from store import listing, settings
    from tui.format import home_first, short_totals
    from tui.screens.batches import load_batches

    totals = (("AUD", 50_000), ("EUR", 900_000), ("USD", 120_000))
    assert short_totals(home_first(totals, "USD")) == "1,200.00 USD +2"
    assert short_totals(home_first(totals, "CHF")) == "9,000.00 EUR +2"  # no CHF: the largest
    assert short_totals(home_first(totals, None)) == "9,000.00 EUR +2"
    assert home_first((), "USD") == ()

    _book()
    settings.set_value("home_region", "US")
    assert listing.home_currency() == "USD"
    saved = [b for b in load_batches("", 0, 20) if b.status == "saved"][0]
    assert saved.totals[0][0] == "USD"
    settings.set_value("home_region", "DE")
    assert listing.home_currency() == "EUR"
    saved = [b for b in load_batches("", 0, 20) if b.status == "saved"][0]
    assert saved.totals[0][0] == "EUR"


def test_dashboard_lists_match_like_slash_accent_and_case_blind(db):
    """Seen: recent invoices found nothing for 'zoe' or 'cafe' ('/' did), recent batches
    nothing for an invoice number they hold."""
    from store import listing

    first, second = _book()
    for query in ("zoe", "ZOË", "cafe", "café gmbh"):
        assert [i.customer for i in listing.recent_invoices(query)] == ["Zoë Café GmbH"], query
    assert [i.number for i in listing.recent_invoices("ns-000001")] == ["NS-000001"]
    # a batch is found by an invoice number inside its range, whole or its digits only
    for query in ("NS-000002", "000001", "hartley", "zoe"):
        assert [b.name for b in listing.list_batches(query)] == ["September run"], query
    # a draft (no invoices yet) by its name or period, any case
    assert [b.name for b in listing.list_batches("october MAPLE")] == ["October Maple"]
    assert [b.name for b in listing.list_batches("2026-10")] == ["October Maple"]
    assert listing.list_batches("NS-000099") == []
    # the batch's own invoices, filtered the same way
    assert [i.number for i in listing.recent_invoices("zoe", batch_id=first.id)] == ["NS-000002"]
    assert listing.recent_invoices("zoe", batch_id=second.id) == []


def test_list_filters_rank_as_slash_does(db):
    """The dashboard's and the lists' filters ranked newest first only: "1" in the
    invoices' filter put NS-000001, the invoice it names, under every newer invoice
    with a word starting with 1 (issue 12). As `/` ranks: the invoice named by its
    number first; a batch named by the query (name or period) before a batch found
    through one of its invoices."""
    from store import billing, listing, search

    first, second = _book()
    billing.save_batch(second.id, actor="alice", today=dt.date(2026, 11, 1))
    query = "1"
    hits = [h.key for h in search.search(query) if h.kind == "invoice"]
    assert hits[0] == "NS-000001" and len(hits) > 1  # `/`: the number first, others too
    rows = listing.recent_invoices(query)
    assert [r.number for r in rows] == hits
    assert listing.recent_invoices(query, batch_id=first.id)[0].number == "NS-000001"
    # "Maple": the older batch by its name, the newer only through its invoice (Maple Leaf
    # Physiotherapy): the batch the query names first
    from store.models import Batch

    Batch.update(name="Maple catch-up").where(Batch.id == first.id).execute()
    Batch.update(name="October run").where(Batch.id == second.id).execute()
    assert [b.name for b in listing.list_batches("maple")] == ["Maple catch-up", "October run"]
    assert [b.name for b in listing.list_batches("")] == ["October run", "Maple catch-up"]
