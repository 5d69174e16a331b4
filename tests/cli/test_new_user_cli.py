"""A new user's first hour with the command line: what they tried and what it
must do (an empty -o, credit notes' file names, counted nouns, 80-column
tables, ASCII spellings of umlauts, ``invoice list``)."""
from __future__ import annotations

import pytest

from tests.cli.test_customer_formats_cli import nl_book  # noqa: F401  (the fixture)
from tests.cli.test_export_cli import book, run  # noqa: F401  (the fixture)


@pytest.mark.parametrize("fmt", ["csv", "qbo-csv", "pdf"])
@pytest.mark.parametrize("target", ["", "  "])
def test_export_to_an_empty_destination_is_refused_in_one_line(book, capsys, fmt, target):  # noqa: F811
    path, batch_id, work = book
    status, out, err = run(capsys, "export", "--batch", str(batch_id), "-f", fmt, "-o", target, "--db", path)
    assert status == 2 and out == ""
    assert err.startswith("batchbill: ") and err.count("\n") == 1 and "-o" in err
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("fmt, invoice_file, credit_file", [
    ("pdf", "PIT-000001.pdf", "PIT-000001-CN.pdf"),
    ("ubl", "PIT-000001.xml", "PIT-000001-CN.xml"),
    ("facturx", "PIT-000001-facturx.pdf", "PIT-000001-CN-facturx.pdf"),
])
def test_credit_note_of_one_invoice_gets_its_own_file_name(nl_book, capsys, fmt, invoice_file, credit_file):  # noqa: F811
    path, work = nl_book
    assert run(capsys, "export", "--invoice", "PIT-000001", "-f", fmt, "--db", path)[:2] == (
        0, f"wrote {invoice_file}\n")
    sent = (work / invoice_file).read_bytes()
    assert run(capsys, "invoice", "void", "PIT-000001", "--reason", "wrong rate", "--db", path)[0] == 0
    status, out, err = run(capsys, "export", "--invoice", "PIT-000001", "-f", fmt, "--db", path)
    assert (status, err) == (0, "") and out.startswith(f"wrote {credit_file}\n")
    assert sorted(p.name for p in work.iterdir()) == sorted([invoice_file, credit_file])
    assert (work / invoice_file).read_bytes() == sent  # the invoice the customer had is kept


def test_default_names_of_a_credit_note_are_its_own(book, capsys):  # noqa: F811
    from store.book import open_database
    from store.db import close_database
    from store.exports import default_names

    path, _, _ = book
    assert run(capsys, "export", "--invoice", "INV-000001", "-f", "csv", "--db", path)[0] == 0
    assert run(capsys, "invoice", "void", "INV-000001", "--reason", "wrong rate", "--db", path)[0] == 0
    open_database(path)
    try:
        names = default_names(numbers=["INV-000001"])
        live = default_names(numbers=["INV-000002"])
    finally:
        close_database()
    assert (names["pdf"], names["ubl"], names["facturx"]) == (
        "INV-000001-CN.pdf", "INV-000001-CN.xml", "INV-000001-CN-facturx.pdf")
    assert (live["pdf"], live["ubl"], live["facturx"]) == ("INV-000002.pdf", "INV-000002.xml", "INV-000002-facturx.pdf")



@pytest.mark.parametrize("numbers, said", [(["INV-000001"], ": 1 invoice\n"),
                                           (["INV-000001", "INV-000002"], ": 2 invoices\n")])
def test_batch_save_message_counts_invoices_in_good_english(capsys, numbers, said):
    from types import SimpleNamespace

    from batchbill.commands.batch import _print_saved

    _print_saved(SimpleNamespace(batch_id=3, batch_name="October", invoice_numbers=numbers, totals={}), False)
    first = capsys.readouterr().out.splitlines(keepends=True)[0]
    assert first == f"Saved batch 3 'October'{said}"


def test_zip_export_message_counts_invoices_and_rows(nl_book, capsys):  # noqa: F811
    path, work = nl_book
    status, out, _ = run(capsys, "export", "--batch", "1", "-f", "ubl", "-o", "october.zip", "--db", path)
    assert status == 0
    line = [l for l in out.splitlines() if l.startswith("  ")][0]
    assert line.startswith("  12 invoices, ") and line.endswith(" rows in october.zip")
