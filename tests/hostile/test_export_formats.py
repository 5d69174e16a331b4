"""Issue 13 findings 7 and 10: IIF names that QuickBooks Desktop can hold and
that never collapse two customers; the sales-tax SPL line with AUTOSTAX also
at 0%; QBO column names as a setting; Xero dates restricted to Xero's formats;
Xero's PO address columns filled when the address is known."""
from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from tests.support.checks import check_files
from exporters.common import ExportError, exporter
from exporters.qbd_iif import iif_name
from exporters.qbo_csv import HEADER_US
from store import settings
from store.errors import ValidationError
from tests.exporters.book import SETTINGS, customer, invoice, line


def iif_names(*customers):
    invoices = [invoice(f"INV-{n:06d}", c, [line(1, "ticket", "Work", "1", 10000)])
                for n, c in enumerate(customers, 1)]
    out = exporter("qbd-iif")(invoices, SETTINGS)
    assert check_files("qbd-iif", [out.parts[0].data]) == []
    text = out.parts[0].data.decode("cp1252")
    return [row.split("\t")[5] for row in text.split("\r\n") if row.startswith("TRNS\t")], out.warnings


def test_two_cjk_customers_get_two_iif_names_not_question_marks():
    names, warnings = iif_names(customer(11, "東京株式会社"), customer(12, "大阪株式会社"),
                                customer(13, "東京株式会社 "))
    assert names == ["DongJingZhuShiHuiShe ~11", "DaBanZhuShiHuiShe ~12", "DongJingZhuShiHuiShe ~13"]
    assert "?" not in "".join(names)
    assert warnings[0] == ("IIF customer '東京株式会社' is named 'DongJingZhuShiHuiShe ~11' (QuickBooks Desktop "
                           "takes 41 cp1252 characters): use that name in QuickBooks")


def test_names_over_41_characters_are_cut_with_a_unique_suffix():
    long_a = "Consolidated Regional Hospital Network of the Upper Valley"
    long_b = "Consolidated Regional Hospital Network of the Lower Valley"
    names, _ = iif_names(customer(7, long_a), customer(8, long_b))
    assert names == ["Consolidated Regional Hospital Network ~7", "Consolidated Regional Hospital Network ~8"]
    assert all(len(n) <= 41 for n in names)


def test_iif_names_are_deterministic_and_keep_faithful_names():
    assert iif_name(5, "Acme, Inc.", 41) == ("Acme, Inc.", False)
    assert iif_name(5, "Zoë Müller GmbH", 41) == ("Zoë Müller GmbH", False)  # cp1252 holds these
    assert iif_name(5, "東京", 41) == iif_name(5, "東京", 41) == ("DongJing ~5", True)
    # a book name that looks like another customer's IIF name gets its own suffix
    assert iif_name(9, "DongJing ~5", 41) == ("DongJing ~5 ~9", True)


def test_two_customers_with_the_same_iif_name_are_refused_naming_both():
    with pytest.raises(ExportError, match="customers 'Acme' and 'ACME' would both be 'ACME' in QuickBooks"):
        exporter("qbd-iif")([invoice("INV-1", customer(1, "Acme"), [line(1, "ticket", "W", "1", 100)]),
                             invoice("INV-2", customer(2, "ACME"), [line(1, "ticket", "W", "1", 100)])],
                            SETTINGS)


def test_an_untaxed_invoice_has_its_zero_sales_tax_line_with_autostax():
    inv = invoice("INV-000001", customer(1, "Acme"), [line(1, "ticket", "Work", "1", 10000, taxable=False)])
    text = exporter("qbd-iif")([inv], SETTINGS).parts[0].data.decode("cp1252")
    rows = [r.split("\t") for r in text.split("\r\n") if r]
    assert rows[1][-1] == "EXTRA"
    tax = rows[-2]
    assert (tax[0], tax[4], tax[6], tax[10], tax[11], tax[12], tax[13]) == (
        "SPL", "Sales Tax Payable", "0.00", "0%", "Sales Tax", "N", "AUTOSTAX")
    assert [r[13] for r in rows if r[0] == "SPL"] == ["", "AUTOSTAX"]


def test_qbo_columns_setting_offers_the_auto_mapped_names():
    inv = invoice("INV-000001", customer(1, "Acme"), [line(1, "ticket", "Work", "1", 10000)])
    sample = exporter("qbo-csv")([inv], SETTINGS).parts[0].data.decode("utf-8").splitlines()[0]
    assert sample.split(",") == HEADER_US
    auto = exporter("qbo-csv")([inv], replace(SETTINGS, qbo_columns="auto")).parts[0].data.decode("utf-8")
    assert auto.splitlines()[0] == (
        "*Invoice number,*Customer,*Invoice date,*Due date,Terms,Location,Memo,Item(Product/Service),"
        "Item Description,Item Quantity,Item Rate,*Item Amount,Taxable,TaxRate,Service Date")
    vat = exporter("qbo-csv")([inv], replace(SETTINGS, qbo_columns="auto", qbo_vat_columns=True))
    assert "Item tax code" in vat.parts[0].data.decode("utf-8").splitlines()[0].split(",")


def test_qbo_columns_and_xero_date_settings_are_validated(db):
    assert settings.get("qbo_columns") == "sample"
    assert settings.set_value("qbo_columns", "AUTO") == "auto"
    with pytest.raises(ValidationError):
        settings.set_value("qbo_columns", "long")
    with pytest.raises(ValidationError, match="DD/MM/YYYY, MM/DD/YYYY"):
        settings.set_value("date_format.xero-csv", "YYYY-MM-DD")
    assert settings.set_value("date_format.xero-csv", "mm/dd/yyyy") == "MM/DD/YYYY"
    assert settings.set_value("iif_name_limit", "31") == 31
    with pytest.raises(ValidationError):
        settings.set_value("iif_name_limit", "٣١")


@pytest.mark.parametrize("region, address, po", [
    ("US", "120 Main St, Suite 4\nAustin, TX 78701", ["120 Main St, Suite 4", "", "", "", "Austin", "TX",
                                                      "78701", "US"]),
    ("DE", "Hauptstraße 5\n10115 Berlin", ["Hauptstraße 5", "", "", "", "Berlin", "", "10115", "DE"]),
    ("NL", "Keizersgracht 1\n1015 CJ Amsterdam", ["Keizersgracht 1", "", "", "", "Amsterdam", "", "1015 CJ",
                                                 "NL"]),
    ("UK", "1 High St\nLondon SW1A 1AA", ["1 High St", "", "", "", "London", "", "SW1A 1AA", "GB"]),
    ("US", "PO Box 7", ["PO Box 7", "", "", "", "", "", "", "US"]),
])
def test_xero_po_city_region_postcode_country_from_the_address(region, address, po):
    inv = invoice("INV-000001", customer(1, "Acme", region=region, address=address),
                  [line(1, "ticket", "Work", "1", 10000)])
    data = exporter("xero-csv")([inv], SETTINGS).parts[0].data.decode("utf-8")
    row = next(csv.DictReader(io.StringIO(data, newline="")))
    assert [row[c] for c in ("POAddressLine1", "POAddressLine2", "POAddressLine3", "POAddressLine4", "POCity",
                             "PORegion", "POPostalCode", "POCountry")] == po
