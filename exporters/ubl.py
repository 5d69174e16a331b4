"""Peppol BIS Billing 3.0 UBL 2.1 (``ubl``): one Invoice per invoice, and a
CreditNote referencing it for a void invoice that was exported (the customer
had it). Valid means 0 fatal assertions of the CEN EN 16931 UBL rules and the
Peppol BIS 3.0 rules (tests/exporters/test_einvoice_rules.py runs them)."""
from __future__ import annotations

import re
from typing import Sequence
from xml.etree import ElementTree as ET

from exporters import einvoice as ei
from exporters.common import DocumentPlan, ExportOutput, ExportPart, check_consistent, money_text, quantity_text
from store.domain import ExportSettings, InvoiceData

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ET.register_namespace("cac", CAC)
ET.register_namespace("cbc", CBC)

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean(text) -> str:
    """Text XML 1.0 can carry, on one line (control characters become spaces)."""
    return " ".join(_XML_BAD.sub(" ", str(text or "")).split())


class _Doc:
    def __init__(self, root_tag: str, namespace: str):
        self.root = ET.Element(root_tag, {"xmlns": namespace})

    @staticmethod
    def cbc(parent, name: str, text, **attrs):
        el = ET.SubElement(parent, f"{{{CBC}}}{name}", {k.replace("_", ""): v for k, v in attrs.items()})
        el.text = clean(text)
        return el

    @staticmethod
    def cac(parent, name: str):
        return ET.SubElement(parent, f"{{{CAC}}}{name}")


def _address(d: _Doc, parent, street: str, street2: str, city: str, postcode: str, country: str) -> None:
    addr = d.cac(parent, "PostalAddress")
    if street:
        d.cbc(addr, "StreetName", street)
    if street2:
        d.cbc(addr, "AdditionalStreetName", street2)
    if city:
        d.cbc(addr, "CityName", city)
    if postcode:
        d.cbc(addr, "PostalZone", postcode)
    d.cbc(d.cac(addr, "Country"), "IdentificationCode", country)


def _seller(d: _Doc, root, settings: ExportSettings, categories: set[str]) -> None:
    s = settings.seller
    party = d.cac(d.cac(root, "AccountingSupplierParty"), "Party")
    endpoint, scheme = ei.seller_endpoint(settings)
    d.cbc(party, "EndpointID", endpoint, schemeID=scheme)
    if s.name and s.name != s.registered_name:
        d.cbc(d.cac(party, "PartyName"), "Name", s.name)
    _address(d, party, s.street, s.street2, s.city, s.postcode, s.country)
    if s.vat_id and "O" not in categories:  # BR-O-02: no seller VAT id on a not-subject invoice
        _party_tax(d, party, s.vat_id, "VAT")
    if s.tax_id:
        _party_tax(d, party, s.tax_id, "FC")
    legal = d.cac(party, "PartyLegalEntity")
    d.cbc(legal, "RegistrationName", s.registered_name)
    company, company_scheme = ei.seller_register(settings)
    if company:
        if company_scheme:
            d.cbc(legal, "CompanyID", company, schemeID=company_scheme)
        else:
            d.cbc(legal, "CompanyID", company)
    contact = d.cac(party, "Contact")
    d.cbc(contact, "Name", s.name or s.registered_name)
    if s.phone:
        d.cbc(contact, "Telephone", s.phone)
    if s.email:
        d.cbc(contact, "ElectronicMail", s.email)


def _party_tax(d: _Doc, party, company_id: str, scheme: str) -> None:
    """A party's PartyTaxScheme: its id under ``scheme`` (VAT, or FC for a tax
    registration that is not VAT)."""
    tax = d.cac(party, "PartyTaxScheme")
    d.cbc(tax, "CompanyID", company_id)
    d.cbc(d.cac(tax, "TaxScheme"), "ID", scheme)


def _buyer(d: _Doc, root, inv: InvoiceData, categories: set[str]) -> None:
    c = inv.customer
    party = d.cac(d.cac(root, "AccountingCustomerParty"), "Party")
    endpoint, scheme = ei.buyer_endpoint(inv)
    d.cbc(party, "EndpointID", endpoint, schemeID=scheme)
    _address(d, party, c.address_line1, c.address_line2, c.city, c.postcode, c.country)
    if c.vat_id and "O" not in categories:
        _party_tax(d, party, c.vat_id, "VAT")
    legal = d.cac(party, "PartyLegalEntity")
    d.cbc(legal, "RegistrationName", c.name)
    company, company_scheme = ei.buyer_register(inv)
    if company:
        d.cbc(legal, "CompanyID", company, schemeID=company_scheme)
    if c.email:
        d.cbc(d.cac(party, "Contact"), "ElectronicMail", c.email)


def _tax_category(d: _Doc, parent, tag: str, category: str, percent, reason_code: str = "",
                  reason: str = "") -> None:
    cat = d.cac(parent, tag)
    d.cbc(cat, "ID", category)
    if category != "O":  # BR-O-05, BR-O-10: no rate for "not subject to VAT"
        d.cbc(cat, "Percent", ei.percent_text(percent))
    if reason_code:
        d.cbc(cat, "TaxExemptionReasonCode", reason_code)
    if reason:
        d.cbc(cat, "TaxExemptionReason", reason)
    d.cbc(d.cac(cat, "TaxScheme"), "ID", "VAT")


def invoice_xml(inv: InvoiceData, settings: ExportSettings) -> bytes:
    """The UBL Invoice, or the CreditNote of a void invoice that was exported."""
    credit = ei.is_credit_note(inv)
    # The root in the document's namespace as the default one (children are cac:/cbc:).
    d = _Doc("CreditNote" if credit else "Invoice", NS_CREDIT if credit else NS_INVOICE)
    root = d.root
    cur = inv.currency
    m = lambda minor: money_text(minor, cur)  # noqa: E731
    groups = ei.tax_groups(inv)
    categories = {g.category for g in groups}
    d.cbc(root, "CustomizationID", CUSTOMIZATION)
    d.cbc(root, "ProfileID", PROFILE)
    d.cbc(root, "ID", ei.credit_note_number(inv) if credit else inv.number)
    d.cbc(root, "IssueDate", (ei.credit_note_date(inv) if credit else inv.issue_date).isoformat())
    if not credit:
        d.cbc(root, "DueDate", inv.due_date.isoformat())
    d.cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", "381" if credit else "380")
    if credit:
        d.cbc(root, "Note", f"Credit note for invoice {inv.number}, which was voided")
    d.cbc(root, "DocumentCurrencyCode", cur)
    d.cbc(root, "BuyerReference", ei.buyer_reference(inv))
    span = ei.invoice_span(inv)
    if span is not None:
        period = d.cac(root, "InvoicePeriod")
        d.cbc(period, "StartDate", span.start.isoformat())
        d.cbc(period, "EndDate", span.end.isoformat())
    if credit:
        ref = d.cac(d.cac(root, "BillingReference"), "InvoiceDocumentReference")
        d.cbc(ref, "ID", inv.number)
        d.cbc(ref, "IssueDate", inv.issue_date.isoformat())
    _seller(d, root, settings, categories)
    _buyer(d, root, inv, categories)
    s = settings.seller
    if s.iban or not credit:
        means = d.cac(root, "PaymentMeans")
        code = "58" if s.iban and cur == "EUR" else ("30" if s.iban else "1")
        d.cbc(means, "PaymentMeansCode", code)
        d.cbc(means, "PaymentID", inv.number)
        if s.iban:
            account = d.cac(means, "PayeeFinancialAccount")
            d.cbc(account, "ID", s.iban)
            d.cbc(account, "Name", s.registered_name)
            if s.bic:
                d.cbc(d.cac(account, "FinancialInstitutionBranch"), "ID", s.bic)
    terms = " ".join(t for t in (settings.terms, s.payment_note) if t)
    if terms and not credit:
        d.cbc(d.cac(root, "PaymentTerms"), "Note", terms)
    total = d.cac(root, "TaxTotal")
    d.cbc(total, "TaxAmount", m(inv.tax), currencyID=cur)
    for g in groups:
        sub = d.cac(total, "TaxSubtotal")
        d.cbc(sub, "TaxableAmount", m(g.taxable), currencyID=cur)
        d.cbc(sub, "TaxAmount", m(g.tax), currencyID=cur)
        _tax_category(d, sub, "TaxCategory", g.category, g.percent, g.reason_code, g.reason)
    money = d.cac(root, "LegalMonetaryTotal")
    d.cbc(money, "LineExtensionAmount", m(inv.subtotal), currencyID=cur)
    d.cbc(money, "TaxExclusiveAmount", m(inv.subtotal), currencyID=cur)
    d.cbc(money, "TaxInclusiveAmount", m(inv.total), currencyID=cur)
    d.cbc(money, "PayableAmount", m(inv.total), currencyID=cur)
    for line in inv.lines:
        el = d.cac(root, "CreditNoteLine" if credit else "InvoiceLine")
        d.cbc(el, "ID", str(line.position))
        d.cbc(el, "CreditedQuantity" if credit else "InvoicedQuantity", quantity_text(line.quantity),
              unitCode=ei.unit_code(line))
        d.cbc(el, "LineExtensionAmount", m(line.amount), currencyID=cur)
        lspan = ei.line_span(line)
        if lspan is not None:
            period = d.cac(el, "InvoicePeriod")
            d.cbc(period, "StartDate", lspan.start.isoformat())
            d.cbc(period, "EndDate", lspan.end.isoformat())
        item = d.cac(el, "Item")
        if line.contract:
            d.cbc(item, "Description", f"{line.contract} · {line.period}")
        d.cbc(item, "Name", line.description[:200] or line.kind)
        category, rate = ei.line_category(inv, line)
        _tax_category(d, item, "ClassifiedTaxCategory", category, rate)
        price = d.cac(el, "Price")
        d.cbc(price, "PriceAmount", m(line.unit_price), currencyID=cur)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def plan(invoices: Sequence[InvoiceData], settings: ExportSettings) -> DocumentPlan:
    """The files the export writes and what is missing, no XML made."""
    return DocumentPlan(tuple(ei.invoice_filename("ubl", inv) for inv in invoices), tuple(ei.problems(invoices, settings, "ubl")),
                        sum(len(inv.lines) for inv in invoices))


def export(invoices: Sequence[InvoiceData], settings: ExportSettings) -> ExportOutput:
    planned = plan(invoices, settings)
    ei.refuse_missing(planned.missing, "ubl")
    parts = []
    for inv, name in zip(invoices, planned.names):
        check_consistent(inv)
        parts.append(ExportPart(invoice_xml(inv, settings), (inv.number,), len(inv.lines), name))
    return ExportOutput(parts=parts, warnings=ei.warnings(invoices, settings))
