"""``batchbill export`` and ``batchbill settings``: files written with their
counts, re-export notices, one-line refusals with exit 2, validated settings."""
from __future__ import annotations

import json

import pytest

from batchbill.cli import main
from store.book import open_database
from store.db import close_database
from store.models import Batch, Invoice
from tests.exporters.test_export_service import make_book
from tests.support.checks import check_paths


@pytest.fixture
def book(tmp_path, monkeypatch):
    path = str(tmp_path / "book.sqlite3")
    open_database(path)
    batch = make_book(invoices=2)
    Batch.create(name="Next", created_by="ann", period="2026-11", status="draft")
    close_database()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield path, batch.id, work
    close_database()


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_export_batch_writes_default_file_in_current_directory(book, capsys):
    path, batch_id, work = book
    status, out, err = run(capsys, "export", "--batch", str(batch_id), "--format", "qbo-csv", "--db", path)
    assert (status, err) == (0, "")
    assert out == "wrote october-2026-qbo.csv: 2 invoices, 4 rows\n"
    assert check_paths("qbo-csv", [work / "october-2026-qbo.csv"]) == []


def test_export_invoice_to_iif_then_again_says_it_is_a_re_export(book, capsys):
    path, _, work = book
    assert run(capsys, "export", "--invoice", "INV-000001", "--format", "qbd-iif", "--db", path)[1] == (
        "wrote INV-000001.iif: 1 invoice, 5 rows\n")
    status, out, _ = run(capsys, "export", "--invoice", "INV-000001", "--format", "qbd-iif", "--db", path)
    assert status == 0
    assert "re-export: INV-000001 was exported before (qbd-iif on " in out
    assert out.rstrip().endswith("); exported again as qbd-iif")
    open_database(path)
    assert Invoice.get(Invoice.number == "INV-000001").export_count == 2


def test_export_to_a_given_path(book, capsys, tmp_path):
    path, batch_id, _ = book
    target = tmp_path / "out" / "oct-xero.csv"
    status, out, _ = run(capsys, "export", "--batch", "October 2026", "-f", "xero-csv", "-o", str(target), "--mkdir",
                         "--db", path)
    assert status == 0 and out.startswith(f"wrote {target}: 2 invoices")
    assert check_paths("xero-csv", [target]) == []


@pytest.mark.parametrize("argv, message", [
    (["--invoice", "INV-000404"], "batchbill: no invoice INV-000404\n"),
    (["--batch", "Nope"], "batchbill: no batch 'Nope' (give its id or its exact name)\n"),
    (["--batch", "Next"], "is a draft: nothing is saved yet, so it has no invoices to export\n"),
])
def test_export_refusals_are_one_line_with_exit_2(book, capsys, argv, message):
    path, _, work = book
    status, out, err = run(capsys, "export", *argv, "--format", "csv", "--db", path)
    assert status == 2 and out == ""
    assert err.endswith(message) and err.count("\n") == 1
    assert list(work.iterdir()) == []


def test_export_of_a_void_invoice_is_refused(book, capsys):
    path, _, work = book
    open_database(path)
    Invoice.update(status="void").where(Invoice.number == "INV-000002").execute()
    close_database()
    status, out, err = run(capsys, "export", "--invoice", "INV-000002", "-f", "csv", "--db", path)
    assert status == 2 and "INV-000002 is void" in err and err.count("\n") == 1
    assert list(work.iterdir()) == []


def test_settings_show_lists_keys_values_and_meanings(book, capsys):
    path, *_ = book
    status, out, _ = run(capsys, "settings", "show", "--db", path)
    assert status == 0
    assert out.splitlines()[0].split() == ["key", "value", "meaning"]
    assert any(line.split()[:3] == ["ar_account", "Accounts", "Receivable"] for line in out.splitlines())
    status, out, _ = run(capsys, "settings", "show", "--json", "--db", path)
    data = {row["key"]: row for row in json.loads(out)}
    assert data["qbo_vat_columns"]["value"] == "no"
    assert data["xero_account_code"]["value"] == "200"


def test_settings_set_validates_and_the_export_uses_it(book, capsys):
    path, batch_id, work = book
    assert run(capsys, "settings", "set", "date_format.qbo-csv", "yyyy-mm-dd", "--db", path)[:2] == (
        0, "date_format.qbo-csv = YYYY-MM-DD  (date format of QBO CSV files)\n")
    status, _, err = run(capsys, "settings", "set", "date_format.qbo-csv", "31/12", "--db", path)
    assert status == 2 and err == ("batchbill: setting date_format.qbo-csv: '31/12' is not accepted; "
                                   "expected one of MM/DD/YYYY, DD/MM/YYYY, MM/DD/YY, YYYY-MM-DD\n")
    status, _, err = run(capsys, "settings", "set", "no_such_key", "1", "--db", path)
    assert status == 2 and err == "batchbill: unknown setting 'no_such_key'; 'batchbill settings show' lists them\n"
    run(capsys, "export", "--batch", str(batch_id), "-f", "qbo-csv", "--db", path)
    assert ",2026-11-01,2026-12-01," in (work / "october-2026-qbo.csv").read_text("utf-8")


def test_re_exporting_a_batch_prints_one_summary_line(book, capsys):
    path, batch_id, _ = book
    run(capsys, "export", "--batch", str(batch_id), "-f", "csv", "--db", path)
    open_database(path)
    make_book(invoices=4, name="Big", customer_name="Other")
    close_database()
    run(capsys, "export", "--batch", "Big", "-f", "csv", "--db", path)
    status, out, _ = run(capsys, "export", "--batch", "Big", "-f", "csv", "--db", path)
    lines = out.splitlines()
    assert status == 0 and len(lines) == 2
    assert lines[1].startswith("re-export: 4 of 4 invoices (INV-000003 ... INV-000006) were exported before "
                               "(csv; last on ")
    assert lines[1].endswith("); exported again as csv")


def test_iif_export_warns_about_transliterated_names(tmp_path, monkeypatch, capsys):
    path = str(tmp_path / "book.sqlite3")
    open_database(path)
    make_book(invoices=1, customer_name="東京 Systems")
    close_database()
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "export", "--invoice", "INV-000001", "-f", "qbd-iif", "--db", path)
    assert status == 0
    customer_id = 1
    assert (f"warning: IIF customer '東京 Systems' is named 'DongJing Systems ~{customer_id}' (QuickBooks "
            "Desktop takes 41 cp1252 characters): use that name in QuickBooks") in out.splitlines()
    assert f"\tDongJing Systems ~{customer_id}\t" in (tmp_path / "INV-000001.iif").read_bytes().decode("cp1252")
    close_database()


def test_settings_set_refuses_to_reuse_invoice_numbers(book, capsys):
    path, *_ = book
    status, _, err = run(capsys, "settings", "set", "next_invoice_number", "2", "--db", path)
    assert status == 2
    assert err == ("batchbill: setting next_invoice_number: 2 would reuse invoice numbers: the last "
                   "issued is INV-000002 (sequence 2); give at least 3\n")
    assert run(capsys, "settings", "set", "next_invoice_number", "3", "--db", path)[0] == 0


def test_settings_set_notes_invoice_numbers_too_long_for_qbo(book, capsys):
    path, *_ = book
    status, out, _ = run(capsys, "settings", "set", "invoice_number_digits", "18", "--db", path)
    assert status == 0 and "note: invoice numbers will be at least 22 characters" in out


def test_settings_show_prints_yes_no_and_derived_terms(book, capsys):
    path, *_ = book
    assert run(capsys, "settings", "set", "payment_terms_days", "14", "--db", path)[0] == 0
    status, out, _ = run(capsys, "settings", "show", "--db", path)
    rows = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert rows["qbo_vat_columns"].split()[1] == "no"
    assert rows["invoice_terms"].split()[1:3] == ["Net", "14"]
    assert "[derived: Net {payment_terms_days}, until set]" in rows["invoice_terms"]
    assert run(capsys, "settings", "set", "qbo_vat_columns", "yes", "--db", path)[1].startswith(
        "qbo_vat_columns = yes  (")


def test_settings_set_refusals_name_key_value_and_what_is_accepted(book, capsys):
    path, *_ = book
    status, out, err = run(capsys, "settings", "set", "invoice_prefix", "A-VERY-LONG-PREFIX", "--db", path)
    assert (status, out) == (2, "")
    assert err == ("batchbill: setting invoice_prefix: 'A-VERY-LONG-PREFIX' is not accepted; "
                   "expected at most 12 characters, without commas, tabs or newlines\n")
    status, _, err = run(capsys, "settings", "set", "home_region", "XX", "--db", path)
    assert status == 2 and err == ("batchbill: setting home_region: 'XX' is not accepted; expected an ISO 3166-1 "
                                   "two-letter country code such as US, DE, GB (or UK), AU\n")


def test_payment_terms_days_change_the_exported_terms(book, capsys):
    path, batch_id, work = book
    run(capsys, "settings", "set", "payment_terms_days", "14", "--db", path)
    run(capsys, "export", "--batch", str(batch_id), "-f", "qbo-csv", "--db", path)
    assert ",Net 14," in (work / "october-2026-qbo.csv").read_text("utf-8")


def test_exporting_to_iif_right_after_qbo_says_it_was_exported_before_as_qbo(book, capsys):
    path, batch_id, _ = book
    run(capsys, "export", "--invoice", "INV-000001", "-f", "qbo-csv", "--db", path)
    status, out, _ = run(capsys, "export", "--invoice", "INV-000001", "-f", "qbd-iif", "--db", path)
    notice = out.splitlines()[1]
    assert status == 0
    assert notice.startswith("re-export: INV-000001 was exported before (qbo-csv on 20")
    assert notice.endswith("); exported again as qbd-iif")


def test_xero_export_warns_when_one_tax_type_stands_for_several_rates(book, capsys):
    path, batch_id, work = book
    open_database(path)
    Invoice.update(tax_rate="0.19").where(Invoice.number == "INV-000002").execute()
    close_database()
    status, out, _ = run(capsys, "export", "--batch", str(batch_id), "-f", "xero-csv", "--db", path)
    assert status == 0
    assert ("warning: TaxType 'Tax on Sales' (setting xero_tax_type) is used for invoices taxed at 8.25%, 19%: "
            "Xero computes the tax from the TaxType") in out
    assert run(capsys, "settings", "set", "xero_tax_type.19%", "19% (VAT on Income)", "--db", path)[1] == (
        "xero_tax_type.0.19 = 19% (VAT on Income)  "
        "(Xero TaxType of taxable lines of invoices taxed at 19% (empty: xero_tax_type))\n")
    status, out, _ = run(capsys, "export", "--batch", str(batch_id), "-f", "xero-csv", "--db", path)
    assert "warning" not in out
    rows = (work / "october-2026-xero.csv").read_text("utf-8").splitlines()
    assert ",19% (VAT on Income)," in rows[3] and ",Tax on Sales," in rows[1]


def test_settings_set_refuses_a_tax_key_without_a_rate(book, capsys):
    path, *_ = book
    status, out, err = run(capsys, "settings", "set", "qbo_tax_code.standard", "20.0% S", "--db", path)
    assert (status, out) == (2, "")
    assert err == ("batchbill: setting qbo_tax_code.standard: 'standard' is not accepted after 'qbo_tax_code.'; "
                   "expected a tax rate above 0 and below 1 as a fraction (0.19) or a percentage (19%)\n")


@pytest.mark.parametrize("fmt", ["qbo-csv", "qbd-iif", "xero-csv", "csv"])
def test_a_bad_destination_fails_before_the_file_is_made(book, capsys, monkeypatch, fmt):
    import importlib

    from exporters.common import FORMATS

    path, batch_id, work = book
    module = importlib.import_module(FORMATS[fmt][0])

    def refuse(*args, **kwargs):
        raise AssertionError("the file was made")

    monkeypatch.setattr(module, "export", refuse)
    status, out, err = run(capsys, "export", "--batch", str(batch_id), "-f", fmt, "-o",
                           str(work / "typo" / "out.csv"), "--db", path)
    assert (status, out) == (2, "")
    assert f"directory {work / 'typo'} does not exist" in err
