"""The customers' e-invoice columns at import: optional, checked and normalised
as `batchbill customer set` checks them, all or nothing, kept when absent."""
from __future__ import annotations

from decimal import Decimal

import pytest

from store.errors import ImportFileError
from store.importing import import_bytes
from store.models import Customer

HEAD = ("external_id,name,region,currency,tax_rate,address_line1,city,postcode,country_code,vat_id,"
        "endpoint_id,endpoint_scheme,buyer_reference,vat_category\n")


def load(text: str):
    return import_bytes("customers", text.encode("utf-8"), "customers.csv")


def test_e_invoice_columns_are_imported_normalised(db):
    load(HEAD + "C1,Müller & Söhne GmbH,DE,EUR,0,Gartenweg 22,Hamburg,20095,de,DE 123.456.789,"
                "DE123456789,9930,PO-4711,ae\n"
                "C2,Van Dijk B.V.,NL,EUR,21%,Coolsingel 40,Rotterdam,3011 AD,,,12345678,0106,,S\n")
    m = Customer.get(Customer.external_id == "C1")
    assert (m.country_code, m.vat_id, m.endpoint_scheme, m.vat_category, m.buyer_reference) == (
        "DE", "DE123456789", "9930", "AE", "PO-4711")
    v = Customer.get(Customer.external_id == "C2")
    assert (v.vat_category, v.tax_rate, v.country_code, v.postcode) == ("S", Decimal("0.21"), "", "3011 AD")
    # a re-import without the columns keeps them
    load("external_id,name,region,currency\nC1,Müller & Söhne GmbH,DE,EUR\n")
    assert Customer.get(Customer.external_id == "C1").vat_id == "DE123456789"


def test_bad_e_invoice_values_are_named_by_line_and_column_and_nothing_is_imported(db):
    text = (HEAD + "C1,Acme,DE,EUR,0.19,,,,,DE1,,,,\n"
                   "C2,Brandt,DE,EUR,0.19,,,,,,,,,AE\n"
                   "C3,Coop,NL,EUR,0,,,,XX,,,,,\n"
                   "C4,Dorp,NL,EUR,0,,,,,,123,,,Z\n"
                   "C5,Echt,NL,EUR,0,,,,,,123,EM,,Z\n")
    with pytest.raises(ImportFileError) as info:
        load(text)
    problems = "\n".join(info.value.problems)
    assert "customers.csv:2: vat_id: 'DE1' is not accepted; expected a VAT id starting with its two-letter " \
           "country prefix" in problems
    assert "customers.csv:3: vat_category: category AE charges no VAT, so the tax rate must be 0" in problems
    assert "customers.csv:4: country_code: 'XX' is not accepted" in problems
    assert "customers.csv:5: endpoint_scheme: endpoint_id and endpoint_scheme go together" in problems
    assert "customers.csv:6: endpoint_scheme: 'EM' is not accepted; expected a Peppol electronic address " \
           "scheme" in problems
    assert Customer.select().count() == 0
