"""Command-line findings of the SSH trial (5) and the export files' mode (4)."""
from __future__ import annotations

import os
import stat
import tempfile

import pytest

from tests.cli.test_export_cli import book, run  # noqa: F401  (the fixture)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_export_file_gets_the_mode_a_new_file_gets_under_the_umask(book, capsys, umask, mode):  # noqa: F811
    path, batch_id, work = book
    old = os.umask(umask)
    try:
        status, _, err = run(capsys, "export", "--batch", str(batch_id), "-f", "qbo-csv", "--db", path)
    finally:
        os.umask(old)
    assert (status, err) == (0, "")
    assert stat.S_IMODE(os.stat(work / "october-2026-qbo.csv").st_mode) == mode


def test_export_over_an_existing_file_keeps_its_mode(book, capsys):  # noqa: F811
    path, batch_id, work = book
    target = work / "mine.csv"
    target.write_text("old")
    target.chmod(0o640)
    old = os.umask(0o022)
    try:
        assert run(capsys, "export", "--batch", str(batch_id), "-f", "qbo-csv", "-o", str(target),
                   "--db", path)[0] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() != "old"


def test_unwritable_destination_names_the_destination_not_the_hidden_temp_file(book, capsys, monkeypatch):  # noqa: F811
    """The tests run as root, which writes anywhere: the refusal of a read-only
    folder is made by mkstemp as the kernel would (EACCES on the .tmp name)."""
    path, batch_id, work = book
    target = work / "out.csv"

    def refused(prefix="", suffix="", dir=None, **_):
        raise PermissionError(13, "Permission denied", os.path.join(dir, f"{prefix}abc{suffix}"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    status, out, err = run(capsys, "export", "--batch", str(batch_id), "-f", "qbo-csv", "-o", str(target),
                           "--db", path)
    assert status != 0 and out == ""
    assert str(target) in err and ".tmp" not in err and "Permission denied" in err
    assert not target.exists()


@pytest.mark.parametrize("fmt, target", [("qbo-csv", "QuickBooks Online CSV"), ("qbd-iif", "QuickBooks Desktop IIF")])
def test_cli_export_in_a_currency_other_than_home_warns_as_the_app_does(book, capsys, fmt, target):  # noqa: F811
    from store import exports, settings
    from store.book import open_database
    from store.db import close_database

    path, batch_id, work = book
    assert run(capsys, "settings", "set", "home_region", "DE", "--db", path)[0] == 0
    open_database(path)
    shown = exports.preview_export(fmt=fmt, batch=batch_id, out_path=str(work / "x")).warnings
    close_database()
    status, out, _ = run(capsys, "export", "--batch", str(batch_id), "-f", fmt, "--db", path)
    assert status == 0
    (line,) = [l for l in out.splitlines() if "currency" in l]
    assert line == f"warning: {shown[-1]}"
    assert line.startswith(f"warning: {target} has no currency column: 2 invoices in USD (first INV-000001)")


def test_cli_export_in_the_home_currency_does_not_warn(book, capsys):  # noqa: F811
    path, batch_id, _ = book
    assert run(capsys, "settings", "set", "home_region", "US", "--db", path)[0] == 0
    status, out, _ = run(capsys, "export", "--batch", str(batch_id), "-f", "qbo-csv", "--db", path)
    assert status == 0 and "warning" not in out


@pytest.fixture
def customers_book(tmp_path):
    from batchbill.cli import main
    from store.book import open_database
    from store.db import close_database
    from store.models import Customer

    path = str(tmp_path / "c.sqlite3")
    open_database(path)
    for name in ("Bytown Legal Services LLP", "Byward Bakery", "Zoë Café GmbH", "Bytes & Co"):
        Customer.create(name=name, region="CA", currency="CAD")
    close_database()
    assert main is not None
    yield path
    close_database()


@pytest.mark.parametrize("given, found", [
    ("Bytown", "Bytown Legal Services LLP"), ("bytown legal", "Bytown Legal Services LLP"),
    ("BYTOWN LEGAL SERVICES LLP", "Bytown Legal Services LLP"), ("cafe", "Zoë Café GmbH"),
    ("zoe", "Zoë Café GmbH"), ("Legal", "Bytown Legal Services LLP"), ("Byward Bakery", "Byward Bakery"),
])
def test_customer_option_takes_a_unique_prefix_or_part_of_the_name(customers_book, capsys, given, found):
    status, out, err = run(capsys, "batch", "plan", "--period", "2026-10", "--customer", given, "--json",
                           "--db", customers_book)
    assert (status, err) == (0, "")
    from store.customers import match_customer
    from store.book import open_database
    from store.db import close_database

    open_database(customers_book)
    assert match_customer(given).name == found
    close_database()


def test_customer_option_matching_several_names_them_and_exits_2(customers_book, capsys):
    status, out, err = run(capsys, "batch", "plan", "--period", "2026-10", "--customer", "By",
                           "--db", customers_book)
    assert status == 2 and out == ""
    assert "'By' matches 3 customers" in err
    for name in ("Bytown Legal Services LLP", "Byward Bakery", "Bytes & Co"):
        assert name in err
    assert "Traceback" not in err


def test_customer_option_matching_none_says_so(customers_book, capsys):
    status, _, err = run(capsys, "batch", "plan", "--period", "2026-10", "--customer", "Nobody",
                         "--db", customers_book)
    assert status == 2 and "no customer named 'Nobody'" in err


def test_export_takes_an_invoice_number_without_the_invoice_flag(book, capsys):  # noqa: F811
    path, _, work = book
    status, out, err = run(capsys, "export", "INV-000001", "--format", "qbd-iif", "--db", path)
    assert (status, err) == (0, "")
    assert out == "wrote INV-000001.iif: 1 invoice, 5 rows\n"


@pytest.mark.parametrize("argv, wanted", [
    (["INV-000001"], "no format given: batchbill export --invoice INV-000001 --format qbo-csv|"),
    ([], "nothing to export: batchbill export --batch NAME_OR_ID --format "),
    (["INV-000001", "--batch", "1", "-f", "csv"], "give --batch or invoice numbers, not both"),
])
def test_export_without_what_or_format_says_what_to_type_in_one_line(book, capsys, argv, wanted):  # noqa: F811
    path, _, work = book
    status, out, err = run(capsys, "export", *argv, "--db", path)
    assert status == 2 and out == ""
    assert err.startswith(f"batchbill: {wanted}") and err.count("\n") == 1
    assert "usage:" not in err and list(work.iterdir()) == []
