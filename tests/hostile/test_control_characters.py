"""Issue 13 finding 5: control characters are refused at import, and every
command-line output escapes what a book already holds (rows from older
versions or direct SQL), so looking an invoice up cannot drive the terminal."""
from __future__ import annotations

import pytest

from batchbill.cli import main
from store.book import open_database
from store.db import close_database
from store.importing import import_bytes
from store.models import Customer
from store.text import escape_controls
from tests.exporters.test_export_service import make_book
from tests.store.test_import import problems_of

EVIL = "Evil\x1b[2J\x1b]0;pwned\x07Co"
SHOWN = "Evil\\x1b[2J\\x1b]0;pwned\\x07Co"


def test_a_customer_name_with_terminal_escapes_is_refused_at_import(db):
    text = f'external_id,name,region,currency\nC1,"{EVIL}",US,USD\n'
    assert problems_of("customers", text) == [
        "customers.csv:2: name: contains the control character U+001B (ESC) at character 5: remove it (text "
        "may hold line breaks and tabs, no other control characters)"]


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b"])
def test_every_c0_and_c1_control_character_is_refused_in_text(db, char):
    text = f'external_id,name,region,currency,address\nC1,Acme,US,USD,"1 Main{char}St"\n'
    problems = problems_of("customers", text.encode("utf-8") if char != "\x00" else text.encode("utf-8"))
    assert len(problems) == 1 and problems[0].startswith("customers.csv:2:")


def test_tabs_and_line_breaks_stay_accepted(db):
    text = 'external_id,name,region,currency,address\nC1,Acme,US,USD,"1 Main St\r\nSuite\t4"\n'
    import_bytes("customers", text.encode(), "c.csv")
    assert Customer.get(Customer.external_id == "C1").address == "1 Main St\nSuite\t4"


def test_escape_controls_keeps_newlines_and_tabs():
    assert escape_controls(EVIL) == SHOWN
    assert escape_controls("a\tb\nc\rd\x9be") == "a\tb\nc\\rd\\x9be"


@pytest.fixture
def evil_book(tmp_path):
    path = str(tmp_path / "book.sqlite3")
    open_database(path)
    make_book(invoices=1, customer_name=EVIL)
    from store.models import Invoice
    from store.search import index_invoices

    index_invoices([i.id for i in Invoice.select()])
    close_database()
    yield path
    close_database()


@pytest.mark.parametrize("argv", [
    ["invoice", "show", "INV-000001"],
    ["invoice", "show", "INV-000001", "--json"],
    ["search", "INV-000001"],
    ["search", "INV-000001", "--json"],
    ["batch", "show", "1"],
    ["batch", "show", "1", "--json"],
    ["batch", "list"],
    ["customer-that-does-not-exist"],
])
def test_cli_output_escapes_stored_control_characters(evil_book, capsys, argv):
    if argv[0].startswith("customer-"):
        argv = ["batch", "plan", "--period", "2026-10", "--customer", EVIL]
    try:
        main([*argv, "--db", evil_book])
    except SystemExit:
        pass
    out, err = capsys.readouterr()
    for stream in (out, err):
        assert "\x1b" not in stream and "\x07" not in stream
    if argv[0] in ("invoice", "search") or argv[:2] == ["batch", "show"]:
        assert "Evil" in out and ("\\x1b[2J" in out or "\\u001b[2J" in out)
