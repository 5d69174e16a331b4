"""What the EN 16931 formats share (exporters/einvoice.py): VAT categories per
line, the VAT breakdown, credit notes, and the list of what is missing."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from exporters import einvoice as ei
from store.domain import CustomerInfo, ExportSettings, InvoiceData, InvoiceLineData, Seller

SELLER = Seller(name="Polder IT", legal_name="Polder IT B.V.", street="Keizersgracht 12", city="Amsterdam",
                postcode="1015 CJ", country="NL", vat_id="NL859541234B01", company_id="34123456",
                endpoint="34123456", endpoint_scheme="0106", email="a@b.nl", iban="NL91ABNA0417164300")
SETTINGS = ExportSettings(seller=SELLER)
LINES = (
    InvoiceLineData(1, "service_item", "Managed Services", "2026-10", "Support", Decimal(10), 5000, 50000, True),
    InvoiceLineData(2, "expense", "Managed Services", "2026-10", "Cable", Decimal(1), 1999, 1999, False),
    InvoiceLineData(3, "ticket", "Time & Materials", "2026-Q3", "T-1 Fix", Decimal("1.5"), 10000, 15000, True),
)


def invoice(category="", rate="0.21", **customer) -> InvoiceData:
    base = dict(id=1, name="Klant B.V.", region="NL", currency="EUR", email="x@y.nl",
                tax_rate=Decimal(rate), address_line1="Coolsingel 1", city="Rotterdam", postcode="3011 AD",
                vat_id="NL123456789B01", endpoint_id="87654321", endpoint_scheme="0106", vat_category=category)
    base.update(customer)
    sub = sum(line.amount for line in LINES)
    tax = int((Decimal(65000) * Decimal(rate)).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    return InvoiceData("PIT-000001", 1, "b", CustomerInfo(**base), "EUR", dt.date(2026, 11, 1),
                       dt.date(2026, 12, 1), sub, tax, sub + tax, Decimal(rate), "issued", LINES, "2026-10")


def test_taxed_lines_are_standard_rated_and_untaxed_ones_zero_rated():
    groups = ei.tax_groups(invoice())
    assert [(g.category, g.percent, g.taxable, g.tax) for g in groups] == [
        ("S", Decimal("0.21"), 65000, 13650), ("Z", 0, 1999, 0)]
    assert ei.percent_text(Decimal("0.21")) == "21" and ei.percent_text(Decimal("0.0825")) == "8.25"


def test_reverse_charge_puts_every_line_in_ae_with_its_exemption_code():
    inv = invoice("AE", "0", country_code="DE", vat_id="DE123456789")
    assert [(g.category, g.taxable, g.tax, g.reason_code) for g in ei.tax_groups(inv)] == [
        ("AE", 66999, 0, "VATEX-EU-AE")]


def test_the_invoice_period_spans_its_lines_periods():
    span = ei.invoice_span(invoice())
    assert (span.start, span.end) == (dt.date(2026, 7, 1), dt.date(2026, 10, 31))


def test_only_a_void_invoice_that_was_exported_is_a_credit_note_dated_when_it_was_voided():
    inv = invoice()
    assert not ei.is_credit_note(inv)
    assert not ei.is_credit_note(replace(inv, status="void"))
    voided = replace(inv, status="void", exported_at=dt.datetime(2026, 11, 2), voided_at=dt.datetime(2026, 11, 9, 8))
    assert ei.is_credit_note(voided)
    assert ei.credit_note_number(voided) == "PIT-000001-CN"
    assert ei.credit_note_date(voided) == dt.date(2026, 11, 9)


def test_nothing_is_missing_for_a_complete_invoice():
    assert ei.problems([invoice()], SETTINGS, "ubl") == []


def test_missing_data_is_named_with_the_invoice_the_field_and_the_command():
    inv = invoice("AE", "0", country_code="DE", vat_id="", endpoint_id="", city="")
    exempt = replace(invoice("E", "0"), number="PIT-000002",
                     customer=replace(invoice().customer, id=2, name="Stichting", vat_category="E",
                                      tax_rate=Decimal(0)))
    found = ei.problems([inv, exempt], replace(SETTINGS, seller=replace(SELLER, vat_id="", street="")), "ubl")
    text = "\n".join(found)
    assert "settings: seller_street is not set (ubl needs it): batchbill settings set seller_street" in text
    assert "PIT-000001 (Klant B.V.): reverse charge (AE) needs the buyer's VAT id (BT-48): " \
           "batchbill customer set 'Klant B.V.' vat_id=DE123456789" in text
    assert "PIT-000001 (Klant B.V.): customer has no Peppol electronic address" in text
    assert "PIT-000001 (Klant B.V.): customer has no city (BT-52)" in text
    assert "PIT-000002 (Stichting): VAT category E (exempt) needs the exemption reason (BT-120)" in text
    assert "seller_vat_id is not set" in text


def test_a_zero_rate_without_a_category_and_a_taxed_zero_category_are_refused():
    text = "\n".join(ei.problems([invoice("", "0")], SETTINGS, "ubl"))
    assert "no VAT category and a 0 tax rate" in text
    text = "\n".join(ei.problems([invoice("G", "0.21")], SETTINGS, "ubl"))
    assert "VAT category G charges no VAT but the invoice is taxed at 21%" in text


def test_three_decimal_currencies_cannot_be_carried():
    inv = replace(invoice(), currency="BHD")
    assert any("BHD has 3 decimals" in p for p in ei.problems([inv], SETTINGS, "facturx"))


def test_the_missing_endpoint_settings_are_named_with_a_verb_that_agrees():
    both = "\n".join(ei.problems([invoice()], replace(SETTINGS, seller=replace(SELLER, endpoint="", endpoint_scheme="")), "ubl"))
    assert "settings: seller_endpoint and seller_endpoint_scheme are not set (ubl needs it)" in both
    assert "is not set" not in both
    scheme = "\n".join(ei.problems([invoice()], replace(SETTINGS, seller=replace(SELLER, endpoint_scheme="")), "ubl"))
    assert "settings: seller_endpoint_scheme is not set (ubl needs it): batchbill settings set seller_endpoint_scheme 0106" in scheme
