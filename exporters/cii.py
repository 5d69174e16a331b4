"""UN/CEFACT Cross Industry Invoice (CII D16B) in the EN 16931 profile: the XML
a Factur-X / ZUGFeRD PDF carries as ``factur-x.xml``. Same content as the UBL
invoice (exporters/einvoice.py decides categories, breakdown and parties);
a void invoice that was exported becomes a credit note (type 381)."""
from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from exporters import einvoice as ei
from exporters.common import money_text, quantity_text
from exporters.ubl import clean
from store.domain import ExportSettings, InvoiceData

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
for _prefix, _ns in (("rsm", RSM), ("ram", RAM), ("udt", UDT), ("qdt", QDT)):
    ET.register_namespace(_prefix, _ns)
GUIDELINE = "urn:cen.eu:en16931:2017"


def _el(parent, ns: str, name: str, text=None, **attrs):
    el = ET.SubElement(parent, f"{{{ns}}}{name}", attrs)
    if text is not None:
        el.text = clean(text)
    return el


def ram(parent, name: str, text=None, **attrs):
    return _el(parent, RAM, name, text, **attrs)


def _date(parent, name: str, day: dt.date, ns: str = UDT) -> None:
    _el(ram(parent, name), ns, "DateTimeString", day.strftime("%Y%m%d"), format="102")


def _period(parent, span: ei.Span | None) -> None:
    if span is None:
        return
    period = ram(parent, "BillingSpecifiedPeriod")
    _date(period, "StartDateTime", span.start)
    _date(period, "EndDateTime", span.end)


def _address(parent, street, street2, city, postcode, country) -> None:
    addr = ram(parent, "PostalTradeAddress")
    if postcode:
        ram(addr, "PostcodeCode", postcode)
    if street:
        ram(addr, "LineOne", street)
    if street2:
        ram(addr, "LineTwo", street2)
    if city:
        ram(addr, "CityName", city)
    ram(addr, "CountryID", country)


def _tax(parent, category: str, percent, *, calculated=None, basis=None, reason_code="", reason="",
         currency="") -> None:
    tax = ram(parent, "ApplicableTradeTax")
    if calculated is not None:
        ram(tax, "CalculatedAmount", money_text(calculated, currency))
    ram(tax, "TypeCode", "VAT")
    if reason:
        ram(tax, "ExemptionReason", reason)
    if basis is not None:
        ram(tax, "BasisAmount", money_text(basis, currency))
    ram(tax, "CategoryCode", category)
    if reason_code:
        ram(tax, "ExemptionReasonCode", reason_code)
    if category != "O":
        ram(tax, "RateApplicablePercent", ei.percent_text(percent))


def invoice_xml(inv: InvoiceData, settings: ExportSettings) -> bytes:
    credit = ei.is_credit_note(inv)
    cur = inv.currency
    m = lambda minor: money_text(minor, cur)  # noqa: E731
    groups = ei.tax_groups(inv)
    categories = {g.category for g in groups}
    s = settings.seller
    c = inv.customer
    root = ET.Element(f"{{{RSM}}}CrossIndustryInvoice")
    context = _el(root, RSM, "ExchangedDocumentContext")
    ram(ram(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", GUIDELINE)
    doc = _el(root, RSM, "ExchangedDocument")
    ram(doc, "ID", ei.credit_note_number(inv) if credit else inv.number)
    ram(doc, "TypeCode", "381" if credit else "380")
    _date(doc, "IssueDateTime", ei.credit_note_date(inv) if credit else inv.issue_date)
    if credit:
        ram(ram(doc, "IncludedNote"), "Content", f"Credit note for invoice {inv.number}, which was voided")
    trade = _el(root, RSM, "SupplyChainTradeTransaction")
    for line in inv.lines:
        item = ram(trade, "IncludedSupplyChainTradeLineItem")
        ram(ram(item, "AssociatedDocumentLineDocument"), "LineID", str(line.position))
        product = ram(item, "SpecifiedTradeProduct")
        ram(product, "Name", line.description[:200] or line.kind)
        if line.contract:
            ram(product, "Description", f"{line.contract} · {line.period}")
        agreement = ram(item, "SpecifiedLineTradeAgreement")
        ram(ram(agreement, "NetPriceProductTradePrice"), "ChargeAmount", m(line.unit_price))
        ram(ram(item, "SpecifiedLineTradeDelivery"), "BilledQuantity", quantity_text(line.quantity),
            unitCode=ei.unit_code(line))
        settlement = ram(item, "SpecifiedLineTradeSettlement")
        category, rate = ei.line_category(inv, line)
        _tax(settlement, category, rate)
        _period(settlement, ei.line_span(line))
        ram(ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation"), "LineTotalAmount", m(line.amount))
    agreement = ram(trade, "ApplicableHeaderTradeAgreement")
    ram(agreement, "BuyerReference", ei.buyer_reference(inv))
    seller = ram(agreement, "SellerTradeParty")
    ram(seller, "Name", s.registered_name)
    company, company_scheme = ei.seller_register(settings)
    if company or (s.name and s.name != s.registered_name):
        legal = ram(seller, "SpecifiedLegalOrganization")
        if company:
            ram(legal, "ID", company, **({"schemeID": company_scheme} if company_scheme else {}))
        if s.name and s.name != s.registered_name:
            ram(legal, "TradingBusinessName", s.name)
    contact = ram(seller, "DefinedTradeContact")
    ram(contact, "PersonName", s.name or s.registered_name)
    if s.phone:
        ram(ram(contact, "TelephoneUniversalCommunication"), "CompleteNumber", s.phone)
    if s.email:
        ram(ram(contact, "EmailURIUniversalCommunication"), "URIID", s.email)
    _address(seller, s.street, s.street2, s.city, s.postcode, s.country)
    endpoint, scheme = ei.seller_endpoint(settings)
    if endpoint:
        ram(ram(seller, "URIUniversalCommunication"), "URIID", endpoint, schemeID=scheme)
    if s.vat_id and "O" not in categories:
        ram(ram(seller, "SpecifiedTaxRegistration"), "ID", s.vat_id, schemeID="VA")
    if s.tax_id:
        ram(ram(seller, "SpecifiedTaxRegistration"), "ID", s.tax_id, schemeID="FC")
    buyer = ram(agreement, "BuyerTradeParty")
    ram(buyer, "Name", c.name)
    company, company_scheme = ei.buyer_register(inv)
    if company:
        ram(ram(buyer, "SpecifiedLegalOrganization"), "ID", company, schemeID=company_scheme)
    if c.email:
        ram(ram(ram(buyer, "DefinedTradeContact"), "EmailURIUniversalCommunication"), "URIID", c.email)
    _address(buyer, c.address_line1, c.address_line2, c.city, c.postcode, c.country)
    endpoint, scheme = ei.buyer_endpoint(inv)
    if endpoint:
        ram(ram(buyer, "URIUniversalCommunication"), "URIID", endpoint, schemeID=scheme)
    if c.vat_id and "O" not in categories:
        ram(ram(buyer, "SpecifiedTaxRegistration"), "ID", c.vat_id, schemeID="VA")
    ram(trade, "ApplicableHeaderTradeDelivery")
    settlement = ram(trade, "ApplicableHeaderTradeSettlement")
    ram(settlement, "PaymentReference", inv.number)
    ram(settlement, "InvoiceCurrencyCode", cur)
    if s.iban or not credit:
        means = ram(settlement, "SpecifiedTradeSettlementPaymentMeans")
        ram(means, "TypeCode", "58" if s.iban and cur == "EUR" else ("30" if s.iban else "1"))
        if s.iban:
            account = ram(means, "PayeePartyCreditorFinancialAccount")
            ram(account, "IBANID", s.iban)
            ram(account, "AccountName", s.registered_name)
            if s.bic:
                ram(ram(means, "PayeeSpecifiedCreditorFinancialInstitution"), "BICID", s.bic)
    for g in groups:
        _tax(settlement, g.category, g.percent, calculated=g.tax, basis=g.taxable, reason_code=g.reason_code,
             reason=g.reason, currency=cur)
    _period(settlement, ei.invoice_span(inv))
    terms = ram(settlement, "SpecifiedTradePaymentTerms")
    text = " ".join(t for t in (settings.terms, s.payment_note) if t)
    if text and not credit:
        ram(terms, "Description", text)
    _date(terms, "DueDateDateTime", inv.due_date)
    total = ram(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
    ram(total, "LineTotalAmount", m(inv.subtotal))
    ram(total, "TaxBasisTotalAmount", m(inv.subtotal))
    ram(total, "TaxTotalAmount", m(inv.tax), currencyID=cur)
    ram(total, "GrandTotalAmount", m(inv.total))
    ram(total, "DuePayableAmount", m(inv.total))
    if credit:
        ref = ram(settlement, "InvoiceReferencedDocument")
        ram(ref, "IssuerAssignedID", inv.number)
        _date(ref, "FormattedIssueDateTime", inv.issue_date, ns=QDT)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
