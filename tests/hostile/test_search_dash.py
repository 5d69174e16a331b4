"""Issue 13 finding 9: a search query that starts with '-' is a query, not an option."""
from __future__ import annotations

import json

import pytest

from batchbill.cli import main
from batchbill.commands.search import query_first
from store.book import open_database
from store.db import close_database
from tests.exporters.test_export_service import make_book


@pytest.fixture
def book(tmp_path):
    path = str(tmp_path / "book.sqlite3")
    open_database(path)
    make_book(invoices=2)
    from store.models import Invoice
    from store.search import index_invoices

    index_invoices([i.id for i in Invoice.select()])
    close_database()
    yield path
    close_database()


def keys(capsys, *argv):
    assert main(list(argv)) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return [h["key"] for h in json.loads(out)]


def test_search_dash_word_finds_what_the_word_finds(book, capsys):
    plain = keys(capsys, "search", "printer", "--json", "--db", book)
    assert plain == ["INV-000002", "INV-000001"]
    assert keys(capsys, "search", "-printer", "--json", "--db", book) == plain
    assert keys(capsys, "--db", book, "search", "--json", "-printer") == plain
    assert keys(capsys, "search", "--db", book, "--json", "--", "-printer") == plain


def test_query_first_moves_only_the_query_words():
    assert query_first(["search", "-discount", "--db", "b", "--page", "2"]) == [
        "search", "--db", "b", "--page", "2", "--", "-discount"]
    assert query_first(["batch", "plan", "--period", "2026-10"]) == ["batch", "plan", "--period", "2026-10"]
    assert query_first(["--db", "x", "search", "acme"]) == ["--db", "x", "search", "--", "acme"]
