"""Issue 16 on PostgreSQL: the search's rare-word form (the GIN matches of an
invoice number's digits read first) finds what the plain form finds, and the
save's COPY writes text with tabs, line breaks and backslashes, NULLs and
booleans as INSERT did."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from store.db import db as proxy
from store.pgcopy import copy_rows, copy_text
from store.search import (
    _PG_SEARCH,
    _indexed_invoice_ids,
    _pg_tsquery,
    index_invoices,
    pg_search_statement,
    query_tokens,
    rare_word,
    search,
)
from tests.exporters.test_export_service import make_book


def test_rare_words_are_an_invoice_numbers_digits_not_years_or_short_numbers():
    assert rare_word("000150") and rare_word("0001") and rare_word("123450")
    assert not rare_word("2026") and not rare_word("150") and not rare_word("ns") and not rare_word("0150a")


def test_number_queries_find_the_same_invoices_as_the_plain_form(db):
    from store.models import Invoice

    make_book(invoices=12)
    make_book(invoices=3, name="November 2026", customer_name="Zoë 000150 Ltd")
    index_invoices([i.id for i in Invoice.select()])
    queries = ["INV-000001", "INV-0000", "000012", "inv 000007", "000150", "zoe 000150", "INV-000099",
               "printer 00001", "0000 printer", "2026", "printer"]
    for query in queries:
        found = _indexed_invoice_ids(query, 20)
        numbers = {i.id: i.number for i in Invoice.select()}
        if query == "INV-000001":
            assert [numbers[i] for i in found] == ["INV-000001"]
        if query == "INV-0000":
            assert len(found) == 15
        if query == "000150":
            assert len(found) == 3  # the customer's name holds the digits
        if query == "INV-000099":
            assert found == []
        if db.__class__.__name__.startswith("Postgres"):
            tokens = query_tokens(query)
            plain = [r[0] for r in db.execute_sql(_PG_SEARCH, (_pg_tsquery(tokens), 20, 0)).fetchall()]
            assert found == plain, query
            sql, _ = pg_search_statement(tokens, 20)
            assert ("MATERIALIZED" in sql) == any(rare_word(t) for t in tokens), query
    hits = search("INV-000003")
    assert [h.key for h in hits if h.kind == "invoice"][:1] == ["INV-000003"]


def test_copy_text_escapes_as_copy_reads_it():
    assert copy_text(None) == "\\N"
    assert copy_text(True) == "t" and copy_text(False) == "f"
    assert copy_text("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e"
    assert copy_text(dt.date(2026, 10, 31)) == "2026-10-31"
    assert copy_text(Decimal("1.50")) == "1.50"
    assert copy_text("\\N") == "\\\\N"  # the text, not a NULL


@pytest.mark.postgres
def test_copy_rows_round_trips_every_kind_of_value(pg_db):
    pg_db.execute_sql("CREATE TABLE copy_probe (id INT, t TEXT, n NUMERIC, b BOOLEAN, d DATE, "
                      "ts TIMESTAMP, i BIGINT)")
    rows = [
        (1, "plain", Decimal("1.50"), True, dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 3, 4, 5), None),
        (2, "tab\there\nline\r\\back \\N", Decimal("0"), False, None, None, 7),
        (3, "", None, None, dt.date(2026, 12, 31), None, 2**40),
        (4, "Zoë ß 日本", Decimal("-3.25"), True, None, None, 0),
    ]
    with proxy.atomic():
        assert copy_rows(pg_db.cursor(), "copy_probe", ["id", "t", "n", "b", "d", "ts", "i"], rows) == 4
        assert copy_rows(pg_db.cursor(), "copy_probe", ["id"], []) == 0
    back = pg_db.execute_sql("SELECT id, t, n, b, d, ts, i FROM copy_probe ORDER BY id").fetchall()
    assert [tuple(r) for r in back] == rows


def test_an_imports_seen_keys_are_found_after_thousands_and_analyzed_on_postgresql(db):
    from store.importing.seen import Seen

    with proxy.atomic():
        seen = Seen()
        seen.add((f"ext:T-{n}", n + 2, None, "tab\there") for n in range(1500))
        seen.add([("name:acme", None, 7, '["Acme", ""]')])
        found = seen.find(["ext:T-0", "ext:T-1499", "ext:T-1500", "name:acme"])
        assert found == {"ext:T-0": [(2, None, "tab\there")], "ext:T-1499": [(1501, None, "tab\there")],
                         "name:acme": [(None, 7, '["Acme", ""]')]}
        assert seen.find([]) == {}
        if db.__class__.__name__.startswith("Postgres"):
            known = db.execute_sql("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
                                   (f"pg_temp.{seen.table}",)).fetchone()[0]
            assert known >= 1500  # analyzed: the planner knows its size
        seen.drop()
