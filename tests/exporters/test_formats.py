"""The four export formats on a small fixed book: byte-exact golden files,
the formats.md checker, formula injection, transliteration, limits, refusals."""
from __future__ import annotations

import csv
import dataclasses
import io
import os
from decimal import Decimal
from pathlib import Path

import pytest

from exporters.common import ExportError, exporter, neutralise
from tests.exporters.book import ACME, SETTINGS, book, invoice, line
from tests.support.checks import check_files

GOLDEN = Path(__file__).parent / "golden"
EXT = {"qbo-csv": "qbo.csv", "qbd-iif": "iif", "xero-csv": "xero.csv", "csv": "csv"}
ALL = list(EXT)


def run(fmt, invoices=None, settings=SETTINGS):
    return exporter(fmt)(book() if invoices is None else invoices, settings)


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("fmt", ALL)
def test_each_format_matches_its_golden_file(fmt):
    out = run(fmt)
    assert len(out.parts) == 1
    golden = GOLDEN / f"book.{EXT[fmt]}"
    if os.environ.get("BATCHBILL_UPDATE_GOLDEN"):
        golden.write_bytes(out.parts[0].data)
    assert out.parts[0].data == golden.read_bytes()


@pytest.mark.parametrize("fmt", ALL)
def test_each_format_passes_the_formats_md_checker(fmt):
    out = run(fmt)
    assert check_files(fmt, [p.data for p in out.parts]) == []


@pytest.mark.parametrize("fmt", ["qbo-csv", "xero-csv", "csv"])
def test_csv_formats_are_utf8_crlf_without_bom(fmt):
    data = run(fmt).parts[0].data
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.split(b"\r\n")[0].count(b"\n") == 0
    assert data.endswith(b"\r\n")
    assert "Zoë Müller GmbH".encode("utf-8") in data
    assert "東京 Systems".encode("utf-8") in data


def test_qbo_header_and_rows_follow_intuits_sample():
    data = run("qbo-csv").parts[0].data
    assert data.split(b"\r\n")[0] == (
        b"*InvoiceNo,*Customer,*InvoiceDate,*DueDate,Terms,Location,Memo,Item(Product/Service),"
        b"ItemDescription,ItemQuantity,ItemRate,*ItemAmount,Taxable,TaxRate,Service Date"
    )
    rows = rows_of(data)
    assert len(rows) == 12
    first = rows[1]
    assert (first["*InvoiceNo"], first["*Customer"], first["*InvoiceDate"], first["*DueDate"]) == (
        "INV-000001", "Acme, Inc.", "11/02/2026", "12/02/2026")
    assert (first["ItemQuantity"], first["ItemRate"], first["*ItemAmount"], first["Taxable"], first["TaxRate"]) == (
        "1.75", "125.00", "218.75", "Y", "8.25%")
    assert rows[2]["Taxable"] == "N" and rows[2]["TaxRate"] == ""
    assert [r["*ItemAmount"] for r in rows if r["*InvoiceNo"] == "INV-000004"] == ["150000", "18000"]  # JPY


def test_qbo_vat_columns_carry_tax_codes_and_line_taxes_that_add_up():
    settings = dataclasses.replace(SETTINGS, qbo_vat_columns=True)
    data = run("qbo-csv", settings=settings).parts[0].data
    assert b"*ItemTaxCode,ItemTaxAmount,Service Date\r\n" in data
    rows = rows_of(data)
    acme = [r for r in rows if r["*InvoiceNo"] == "INV-000001"]
    assert [r["*ItemTaxCode"] for r in acme] == ["20.0% S", "20.0% S", "Exempt"]
    assert sum(Decimal(r["ItemTaxAmount"]) for r in acme) == Decimal("110.86")
    assert check_files("qbo-csv", [data]) == []


def test_free_text_with_formula_triggers_is_neutralised_in_every_csv():
    for fmt, customer_col, desc_col in (
        ("qbo-csv", "*Customer", "ItemDescription"),
        ("xero-csv", "*ContactName", "*Description"),
        ("csv", "customer", "description"),
    ):
        rows = [r for r in rows_of(run(fmt).parts[0].data) if "HYPERLINK" in r[customer_col]]
        assert rows[0][customer_col] == "'=HYPERLINK(\"http://x\")", fmt
        descriptions = [r[desc_col] for r in rows]
        assert descriptions[:3] == ["'+1 555 0100 call-back", "'-discount on cables", "'@SUM(A1)"], fmt


def test_numbers_are_never_neutralised_and_iif_negatives_stay_plain():
    text = run("qbd-iif").parts[0].data.decode("cp1252")
    spl = [r.split("\t") for r in text.split("\r\n") if r.startswith("SPL\t")]
    assert spl[0][6] == "-1125.00" and spl[0][9] == "-25" and spl[0][10] == "45.00"
    assert not any(f.startswith("'") for r in spl for f in (r[6], r[9], r[10]))
    assert neutralise("-12.50") == "'-12.50"  # only free text goes through neutralise


def test_embedded_newlines_are_kept_quoted_in_plain_csv_and_flattened_elsewhere():
    plain = rows_of(run("csv").parts[0].data)
    assert "Line one\nline two\twith a tab" in [r["description"] for r in plain]
    assert plain[6]["contract"] == "'=cmd|' /C calc'!A0"
    qbo = rows_of(run("qbo-csv").parts[0].data)
    assert "Line one line two with a tab" in [r["ItemDescription"] for r in qbo]
    xero = rows_of(run("xero-csv").parts[0].data)
    assert "Line one line two with a tab" in [r["*Description"] for r in xero]


def test_iif_has_three_headers_balanced_blocks_and_no_tab_or_newline_in_fields():
    out = run("qbd-iif")
    data = out.parts[0].data
    assert not data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("cp1252").split("\r\n")
    assert [ln.split("\t")[0] for ln in lines[:3]] == ["!TRNS", "!SPL", "!ENDTRNS"]
    assert "\n" not in data.decode("cp1252").replace("\r\n", "")
    trns = [ln.split("\t") for ln in lines if ln.startswith("TRNS\t")]
    assert [t[6] for t in trns] == ["1504.60", "203.75", "121.38", "183000", "1249.582"]
    tax = [ln.split("\t") for ln in lines if ln.startswith("SPL\t") and "Sales Tax Payable" in ln]
    # every invoice ends in its sales-tax line, 0 at 0% (AUTOSTAX in EXTRA)
    assert [(t[6], t[-1]) for t in tax] == [("-110.86", "AUTOSTAX"), ("0.00", "AUTOSTAX"), ("-19.38", "AUTOSTAX"),
                                            ("-15000", "AUTOSTAX"), ("0.000", "AUTOSTAX")]
    assert "Line one line two with a tab" in lines[13]


def test_iif_transliterates_what_cp1252_cannot_hold_and_says_so():
    out = run("qbd-iif")
    text = out.parts[0].data.decode("cp1252")
    assert "Zoë Müller GmbH" in text  # cp1252 holds these
    assert "\tDongJing Systems ~4\t" in text and "Tokyo router fix" in text
    assert "DongJing office block hours" in text
    assert any("IIF customer '東京 Systems' is named 'DongJing Systems ~4'" in w for w in out.warnings)
    assert any("'Tōkyō router ﬁx' written as 'Tokyo router fix'" in w for w in out.warnings)


def test_xero_has_27_columns_tax_types_from_settings_and_iso_currency():
    data = run("xero-csv").parts[0].data
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert all(len(r) == 27 for r in parsed)
    rows = rows_of(data)
    assert [r["*TaxType"] for r in rows[:3]] == ["Tax on Sales", "Tax on Sales", "Tax Exempt"]
    assert {r["Currency"] for r in rows} == {"USD", "EUR", "JPY", "BHD"}
    assert rows[0]["*InvoiceDate"] == "02/11/2026"  # DD/MM/YYYY from settings
    assert rows[0]["*UnitAmount"] == "45.00"  # tax-exclusive
    assert (rows[0]["POAddressLine1"], rows[0]["POAddressLine2"]) == ("1 Main St", "Springfield")


def test_plain_csv_uses_each_currencys_decimals_and_iso_dates():
    rows = rows_of(run("csv").parts[0].data)
    jpy = [r for r in rows if r["currency"] == "JPY"][0]
    bhd = [r for r in rows if r["currency"] == "BHD"]
    assert (jpy["unit_price"], jpy["amount"], jpy["tax"], jpy["invoice_total"]) == ("15000", "150000", "15000", "183000")
    assert (bhd[1]["quantity"], bhd[1]["unit_price"], bhd[1]["amount"]) == ("0.33", "45.500", "15.015")
    assert bhd[0]["issue_date"] == "2026-11-02"


def test_date_format_setting_applies_to_qbo():
    settings = dataclasses.replace(SETTINGS, date_formats={"qbo-csv": "YYYY-MM-DD"})
    rows = rows_of(run("qbo-csv", settings=settings).parts[0].data)
    assert rows[0]["*InvoiceDate"] == "2026-11-02"


def test_qbo_refuses_invoice_numbers_over_21_characters():
    long = invoice("INV-2026-OCTOBER-000001", ACME, [line(1, "ticket", "x", "1", 100)])
    with pytest.raises(ExportError, match="23 characters; QuickBooks Online takes at most 21"):
        run("qbo-csv", [long])
    assert check_files("csv", [run("csv", [long]).parts[0].data]) == []


def test_qbo_refuses_negative_amounts():
    credit = invoice("INV-000009", ACME, [line(1, "service_item", "Seats", "2", 4500),
                                          line(2, "expense", "Credit", "1", -1000, taxable=False)])
    with pytest.raises(ExportError, match=r"line 2 has a negative amount \(-10.00 USD\)"):
        run("qbo-csv", [credit])


def _many(count, lines_each=1):
    return [
        invoice(f"INV-{n:06d}", ACME, [line(i + 1, "ticket", f"Work {i}", "1", 1000) for i in range(lines_each)])
        for n in range(1, count + 1)
    ]


def test_101_invoices_become_two_qbo_files():
    out = run("qbo-csv", _many(101))
    assert [len(p.invoices) for p in out.parts] == [100, 1]
    assert check_files("qbo-csv", [p.data for p in out.parts]) == []


def test_1001_rows_become_two_qbo_files_without_splitting_an_invoice():
    out = run("qbo-csv", _many(91, lines_each=11))  # 1,001 rows in 91 invoices
    assert [p.rows for p in out.parts] == [990, 11]
    assert out.parts[1].invoices == ("INV-000091",)
    assert check_files("qbo-csv", [p.data for p in out.parts]) == []


def test_501_xero_rows_become_two_files():
    out = run("xero-csv", _many(167, lines_each=3))  # 501 rows
    assert [p.rows for p in out.parts] == [498, 3]
    assert check_files("xero-csv", [p.data for p in out.parts]) == []


def test_an_invoice_larger_than_a_file_is_refused():
    with pytest.raises(ExportError, match="501 lines; Xero takes at most 500 rows"):
        run("xero-csv", _many(1, lines_each=501))


def test_inconsistent_invoice_is_refused():
    good = _many(1)[0]
    bad = dataclasses.replace(good, total=good.total + 1)
    for fmt in ALL:
        with pytest.raises(ExportError, match="inconsistent"):
            run(fmt, [bad])


@pytest.mark.parametrize("fmt", ALL)
def test_a_customer_name_of_only_control_characters_is_refused(fmt):
    blank = invoice("INV-000010", dataclasses.replace(ACME, name="\x1b\x07"), [line(1, "ticket", "x", "1", 100)])
    with pytest.raises(ExportError, match="INV-000010: customer name is empty"):
        run(fmt, [blank])


def test_an_empty_xero_setting_is_refused():
    settings = dataclasses.replace(SETTINGS, xero_account_code="")
    with pytest.raises(ExportError, match="setting xero_account_code is empty"):
        run("xero-csv", settings=settings)


def test_iif_transliteration_warnings_stay_short_for_a_big_batch():
    many = [invoice(f"INV-{n:06d}", ACME, [line(1, "ticket", f"東京 visit {n}", "1", 1000)]) for n in range(1, 21)]
    out = run("qbd-iif", many)
    assert len(out.warnings) == 6
    assert out.warnings[-1] == "IIF is cp1252: 15 more texts transliterated the same way"


TAX_NAMES = {
    "xero_tax_type": {"0.19": "19% (VAT on Income)", "0.1": "GST on Income", "0.0825": "Sales Tax 8.25%"},
    "qbo_tax_code": {"0.19": "19.0% S", "0.1": "GST", "0.0825": "CA 8.25%"},
}


def test_xero_tax_type_follows_each_invoices_rate_where_a_rate_specific_name_is_set():
    settings = dataclasses.replace(SETTINGS, tax_names={"xero_tax_type": {"0.19": "19% (VAT on Income)"}})
    out = run("xero-csv", settings=settings)
    types = {(r["*InvoiceNumber"], r["*Description"][:8]): r["*TaxType"] for r in rows_of(out.parts[0].data)}
    assert types[("INV-000003", "Überwach")] == "19% (VAT on Income)"
    assert types[("INV-000001", "Managed ")] == "Tax on Sales"  # 8.25%: no rate-specific name, the global one
    assert types[("INV-000001", "Toner ca")] == "Tax Exempt"
    assert types[("INV-000004", "東京 office b"[:8])] == "Tax on Sales"
    assert check_files("xero-csv", [out.parts[0].data]) == []


def test_qbo_vat_tax_code_follows_each_invoices_rate():
    settings = dataclasses.replace(SETTINGS, qbo_vat_columns=True, tax_names=TAX_NAMES)
    out = run("qbo-csv", settings=settings)
    rows = rows_of(out.parts[0].data)
    codes = {r["*InvoiceNo"]: [x["*ItemTaxCode"] for x in rows if x["*InvoiceNo"] == r["*InvoiceNo"]] for r in rows}
    assert codes["INV-000003"] == ["19.0% S"]
    assert codes["INV-000001"] == ["CA 8.25%", "CA 8.25%", "Exempt"]
    assert codes["INV-000004"] == ["GST", "Exempt"]
    assert codes["INV-000002"] == ["Exempt"] * 4  # rate 0: every line exempt
    assert out.warnings == []


def test_one_xero_tax_type_for_several_rates_is_a_warning_naming_the_rates_and_the_setting():
    out = run("xero-csv")
    assert out.warnings == [
        "TaxType 'Tax on Sales' (setting xero_tax_type) is used for invoices taxed at 8.25%, 10%, 19%: "
        "Xero computes the tax from the TaxType, so its totals would differ from batchbill's; set one per rate, "
        "e.g. batchbill settings set xero_tax_type.0.19 NAME"
    ]
    assert run("xero-csv", settings=dataclasses.replace(SETTINGS, tax_names=TAX_NAMES)).warnings == []


def test_two_rates_mapped_to_the_same_name_are_a_warning_too():
    names = {"xero_tax_type": {"0.19": "VAT", "0.1": "VAT"}}
    out = run("xero-csv", settings=dataclasses.replace(SETTINGS, tax_names=names))
    assert len(out.warnings) == 1
    assert out.warnings[0].startswith(
        "TaxType 'VAT' (setting xero_tax_type.0.1, xero_tax_type.0.19) is used for invoices taxed at 10%, 19%:")
    # 8.25% alone on the global name is not shared: no warning for it
    assert "Tax on Sales" not in out.warnings[0]


def test_a_single_taxed_rate_or_untaxed_lines_give_no_warning():
    acme = book()[:2]  # 8.25% and an invoice at 0%
    assert run("xero-csv", acme).warnings == []
    untaxed_19 = invoice("INV-000009", ACME, [line(1, "ticket", "Work", "1", 1000, taxable=False)], tax_rate="0.19")
    assert run("xero-csv", acme + [untaxed_19]).warnings == []


def test_qbo_warns_about_one_tax_code_for_several_rates_only_with_vat_columns():
    assert run("qbo-csv").warnings == []  # US columns carry the rate itself
    out = run("qbo-csv", settings=dataclasses.replace(SETTINGS, qbo_vat_columns=True))
    assert out.warnings == [
        "ItemTaxCode '20.0% S' (setting qbo_tax_code) is used for invoices taxed at 8.25%, 10%, 19%: "
        "QuickBooks Online computes the tax from the ItemTaxCode, so its totals would differ from batchbill's; "
        "set one per rate, e.g. batchbill settings set qbo_tax_code.0.19 NAME"
    ]


def test_an_empty_rate_specific_name_falls_back_and_an_empty_global_one_is_refused():
    settings = dataclasses.replace(SETTINGS, xero_tax_type="", tax_names={"xero_tax_type": {"0.19": "VAT"}})
    with pytest.raises(ExportError, match="INV-000001: setting xero_tax_type is empty"):
        run("xero-csv", settings=settings)
    assert run("xero-csv", [book()[2]], settings=settings).warnings == []


def test_iif_rename_warning_shows_the_name_as_written_without_escapes():
    """Issue 12 (new-user walk): a Hebrew name with ' and " was shown as
    'khrml m\\'rkhvt ...' (Python's repr); the file has no backslash, so a user
    creating the customer in QuickBooks from the warning typed a name that does
    not match the import."""
    carmel = dataclasses.replace(book()[3].customer, id=10, name='כרמל מערכות תוכנה בע״מ')
    inv = dataclasses.replace(book()[3], customer=carmel)
    out = run("qbd-iif", [inv])
    text = out.parts[0].data.decode("cp1252")
    (warning,) = [w for w in out.warnings if w.startswith("IIF customer")]
    written = warning.split(" is named '", 1)[1].split("' (QuickBooks Desktop", 1)[0]
    assert "\\" not in warning
    assert f"\t{written}\t" in text  # the name the warning gives is the one in the file
