"""What the EN 16931 formats (UBL, Factur-X CII) and the customer PDF share:
each line's VAT category, the VAT breakdown per category and rate, the
invoice period, electronic addresses, credit notes for void invoices, and the
list of what is missing before anything is written.

Pure: domain dataclasses in, values out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from exporters.common import ExportError
from store.domain import ExportSettings, InvoiceData, InvoiceLineData
from store.identity import DEFAULT_EXEMPTION, EU_COUNTRIES, VAT_PREFIX
from store.money import exponent
from store.periods import parse_period
from store.text import count

# Line kinds whose quantity is hours (UN/ECE rec. 20 unit HUR); others are units (C62).
HOUR_KINDS = frozenset({"ticket", "time_entry", "overage"})
# Electronic address schemes that are company registers: the same id serves as the
# party's legal registration (BT-30 / BT-47), with its scheme (NL-R-003, NL-R-005).
REGISTER_SCHEMES = frozenset({"0002", "0007", "0009", "0106", "0184", "0190", "0192", "0196", "0208",
                              "0211", "0212"})


@dataclass(frozen=True)
class TaxGroup:
    """One row of the VAT breakdown (BG-23)."""

    category: str
    percent: Decimal
    taxable: int  # minor units
    tax: int  # minor units
    reason_code: str = ""
    reason: str = ""


def is_credit_note(invoice: InvoiceData) -> bool:
    """A void invoice the customer already received (it was exported): it gets a credit note."""
    return invoice.status == "void" and invoice.exported_at is not None


def credit_note_number(invoice: InvoiceData) -> str:
    return _credit_note_stem(invoice.number)


def _credit_note_stem(number: str) -> str:
    return f"{number}-CN"


# How the file of one invoice in each customer format ends (after its number).
_DOCUMENT_ENDINGS = {"pdf": ".pdf", "ubl": ".xml", "facturx": "-facturx.pdf"}


def document_filename(fmt: str, number: str, *, credit_note: bool = False) -> str:
    """The file of one invoice in a customer format (pdf, ubl, facturx):
    NUMBER.pdf, NUMBER.xml, NUMBER-facturx.pdf; a credit note's NUMBER-CN.pdf,
    NUMBER-CN.xml, NUMBER-CN-facturx.pdf, so it never replaces the invoice's file
    (the customer keeps both) nor looks like it. The one naming of these files:
    the exporters' plans, the command line's and the app's default names."""
    stem = _credit_note_stem(number) if credit_note else number
    return f"{safe_file_stem(stem)}{_DOCUMENT_ENDINGS[fmt]}"


def invoice_filename(fmt: str, invoice: InvoiceData) -> str:
    """:func:`document_filename` of an invoice, a credit note when it is one."""
    return document_filename(fmt, invoice.number, credit_note=is_credit_note(invoice))


def credit_note_date(invoice: InvoiceData) -> dt.date:
    when = invoice.voided_at
    return when.date() if isinstance(when, dt.datetime) else (when or invoice.issue_date)


def percent_value(rate: Decimal) -> Decimal:
    """0.21 -> 21, 0.0825 -> 8.25 (no exponent, no trailing zeros)."""
    value = (Decimal(rate) * 100).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def percent_text(rate: Decimal) -> str:
    return format(percent_value(rate), "f")


def line_category(invoice: InvoiceData, line: InvoiceLineData) -> tuple[str, Decimal]:
    """(VAT category, rate) of a line: the customer's category at the invoice's rate for
    taxed lines; an untaxed line of a standard-rated invoice is zero rated (Z)."""
    category = invoice.customer.category or "S"
    rate = Decimal(invoice.tax_rate)
    if category == "S":
        if line.taxable and rate > 0:
            return "S", rate
        return "Z", Decimal(0)
    return category, Decimal(0)


def tax_groups(invoice: InvoiceData) -> list[TaxGroup]:
    """The VAT breakdown: the invoice's tax sits on the standard-rated group (it was
    computed on exactly those lines); every other group has 0 tax."""
    sums: dict[tuple[str, Decimal], int] = {}
    for line in invoice.lines:
        key = line_category(invoice, line)
        sums[key] = sums.get(key, 0) + line.amount
    out = []
    for (category, rate), taxable in sums.items():
        code, reason = "", ""
        if category == "E":
            reason = invoice.customer.vat_exemption_reason
        elif category in DEFAULT_EXEMPTION:
            code, reason = DEFAULT_EXEMPTION[category]
            reason = invoice.customer.vat_exemption_reason or reason
        out.append(TaxGroup(category, rate, taxable, invoice.tax if category == "S" else 0, code, reason))
    return sorted(out, key=lambda g: ("SZEAEGO".find(g.category), g.percent))


def unit_code(line: InvoiceLineData) -> str:
    return "HUR" if line.kind in HOUR_KINDS else "C62"


@dataclass(frozen=True)
class Span:
    start: dt.date
    end: dt.date  # inclusive


def line_span(line: InvoiceLineData) -> Span | None:
    try:
        span = parse_period(line.period)
    except Exception:  # a label billing does not write: no period for the line
        return None
    return Span(span.start, span.last_day)


def invoice_span(invoice: InvoiceData) -> Span | None:
    """The invoice period (BG-14): from the first line period's start to the last one's end."""
    spans = [s for s in map(line_span, invoice.lines) if s is not None]
    if not spans and invoice.batch_period:
        try:
            span = parse_period(invoice.batch_period)
            return Span(span.start, span.last_day)
        except Exception:
            return None
    if not spans:
        return None
    return Span(min(s.start for s in spans), max(s.end for s in spans))


def buyer_endpoint(invoice: InvoiceData) -> tuple[str, str]:
    """(id, scheme) of the buyer's electronic address (BT-49), or ('', '')."""
    c = invoice.customer
    if c.endpoint_id and c.endpoint_scheme:
        return c.endpoint_id, c.endpoint_scheme
    return "", ""


def seller_endpoint(settings: ExportSettings) -> tuple[str, str]:
    s = settings.seller
    if s.endpoint and s.endpoint_scheme:
        return s.endpoint, s.endpoint_scheme
    return "", ""


def buyer_register(invoice: InvoiceData) -> tuple[str, str]:
    """(id, scheme) of the buyer's legal registration (BT-47), from a register endpoint."""
    c = invoice.customer
    if c.endpoint_scheme in REGISTER_SCHEMES and c.endpoint_id:
        return c.endpoint_id, c.endpoint_scheme
    return "", ""


def seller_register(settings: ExportSettings) -> tuple[str, str]:
    s = settings.seller
    if s.company_id:
        scheme = s.endpoint_scheme if (s.endpoint_scheme in REGISTER_SCHEMES and s.endpoint == s.company_id) else ""
        return s.company_id, scheme
    return "", ""


def buyer_reference(invoice: InvoiceData) -> str:
    """BT-10: the customer's buyer reference, else the customer's name (Peppol requires one)."""
    return invoice.customer.buyer_reference or invoice.customer.name[:200]


def _customer_fix(invoice: InvoiceData, field: str, example: str) -> str:
    return f"batchbill customer set {invoice.customer.name!r} {field}={example}"


def problems(invoices: Sequence[InvoiceData], settings: ExportSettings, target: str) -> list[str]:
    """Everything the target needs that is missing or contradictory, one line each:
    which invoice (or the settings), which field, how to set it. Empty: exportable."""
    out: list[str] = []
    s = settings.seller
    need = []
    if not s.street:
        need.append(("seller_street", "'Keizersgracht 12'"))
    if not s.city:
        need.append(("seller_city", "Amsterdam"))
    if not s.postcode:
        need.append(("seller_postcode", "'1015 CJ'"))
    if not s.country:
        need.append(("seller_country", "NL"))
    if not (s.endpoint or s.endpoint_scheme):
        need.append(("seller_endpoint and seller_endpoint_scheme", "12345678 (and the scheme, e.g. 0106)"))
    elif not s.endpoint:
        need.append(("seller_endpoint", "12345678"))
    elif not s.endpoint_scheme:
        need.append(("seller_endpoint_scheme", "0106"))
    for key, example in need:
        verb = "are" if " and " in key else "is"
        out.append(f"settings: {key} {verb} not set ({target} needs it): batchbill settings set {key.split()[0]} {example}")
    seen_customers: set[int] = set()
    for inv in invoices:
        c = inv.customer
        where = f"{inv.number} ({c.name})"
        if exponent(inv.currency) > 2:
            out.append(f"{where}: currency {inv.currency} has {exponent(inv.currency)} decimals; "
                       f"EN 16931 amounts have at most 2, so {target} cannot carry it")
        categories = {line_category(inv, line)[0] for line in inv.lines}
        rate = Decimal(inv.tax_rate)
        if not c.vat_category and rate == 0 and c.id not in seen_customers:
            out.append(f"{where}: customer has no VAT category and a 0 tax rate, so {target} cannot say why "
                       f"no VAT is charged: {_customer_fix(inv, 'vat_category', 'AE|G|O|Z|E')}")
        if c.vat_category and c.vat_category != "S" and rate != 0:
            out.append(f"{where}: VAT category {c.vat_category} charges no VAT but the invoice is taxed at "
                       f"{percent_text(rate)}%: void and bill it again after setting the customer's tax_rate=0")
        if c.vat_category == "S" and rate == 0 and any(line.taxable for line in inv.lines):
            out.append(f"{where}: VAT category S needs a tax rate above 0 (the invoice has 0): "
                       f"{_customer_fix(inv, 'tax_rate', '0.21')}")
        if c.id in seen_customers:
            continue
        seen_customers.add(c.id)
        if categories - {"O"} and not (s.vat_id or s.tax_id):
            out.append(f"settings: seller_vat_id is not set (invoices in VAT category "
                       f"{'/'.join(sorted(categories - {'O'}))} need it): batchbill settings set seller_vat_id "
                       "NL123456789B01")
        if "O" in categories and len(categories) > 1:
            out.append(f"{where}: VAT category O (not subject) cannot be mixed with other categories on one invoice")
        if categories & {"AE"} and not c.vat_id:
            out.append(f"{where}: reverse charge (AE) needs the buyer's VAT id (BT-48): "
                       f"{_customer_fix(inv, 'vat_id', 'DE123456789')}")
        if "E" in categories and not c.vat_exemption_reason:
            out.append(f"{where}: VAT category E (exempt) needs the exemption reason (BT-120): "
                       f"{_customer_fix(inv, 'vat_exemption_reason', repr('Exempt under Article 132 VAT Directive'))}")
        if not buyer_endpoint(inv)[0]:
            out.append(f"{where}: customer has no Peppol electronic address (BT-49, required by "
                       f"PEPPOL-EN16931-R010): {_customer_fix(inv, 'endpoint_id', 'DE123456789')} "
                       "endpoint_scheme=9930 (the scheme of the id: 0106 KvK, 0208 BE, 9930 DE VAT, 0060 DUNS...)")
        if not c.city:
            out.append(f"{where}: customer has no city (BT-52): {_customer_fix(inv, 'city', 'Berlin')} "
                       "address_line1=... postcode=...")
        if s.country == "NL" and c.country == "NL":
            if not (c.address_line1 and c.postcode):
                out.append(f"{where}: a Dutch seller's Dutch customer needs street and post code (NL-R-004): "
                           f"{_customer_fix(inv, 'address_line1', repr('Coolsingel 40'))} postcode=...")
            if not buyer_register(inv)[0]:
                out.append(f"{where}: a Dutch seller's Dutch customer needs its KvK or OIN number (NL-R-005): "
                           f"{_customer_fix(inv, 'endpoint_id', '12345678')} endpoint_scheme=0106")
        if s.country == "DE" and c.country == "DE" and not c.postcode:
            out.append(f"{where}: a German seller's German customer needs a post code (DE-R-009): "
                       f"{_customer_fix(inv, 'postcode', '10115')}")
    if s.country == "NL":
        if not s.company_id:
            out.append("settings: seller_company_id is not set (a Dutch seller gives its KvK or OIN number, "
                       "NL-R-003): batchbill settings set seller_company_id 12345678")
        elif seller_register(settings)[1] not in ("0106", "0190"):
            out.append("settings: a Dutch seller's seller_company_id must also be its electronic address with "
                       "scheme 0106 (KvK) or 0190 (OIN) (NL-R-003): batchbill settings set seller_endpoint "
                       f"{s.company_id} and seller_endpoint_scheme 0106")
    if s.country == "DE" and not (s.phone and s.email) and any(i.customer.country == "DE" for i in invoices):
        out.append("settings: a German seller's German customers need the seller's contact phone and e-mail "
                   "(DE-R-006, DE-R-007): batchbill settings set seller_phone '+49 30 1234567' and seller_email ...")
    return list(dict.fromkeys(out))


def refuse_problems(invoices: Sequence[InvoiceData], settings: ExportSettings, target: str) -> None:
    refuse_missing(problems(invoices, settings, target), target)


def refuse_missing(found: Sequence[str], target: str) -> None:
    """ExportError naming everything ``found`` missing (nothing when it is empty)."""
    if found:
        raise ExportError(f"{target}: {count(len(found), 'thing')} to set before export:\n  " + "\n  ".join(found))


def warnings(invoices: Sequence[InvoiceData], settings: ExportSettings) -> list[str]:
    """Notes on what was written (nothing at present; kept for the export service's shape)."""
    return []


def is_eu(country: str) -> bool:
    return country in EU_COUNTRIES


def vat_prefix(country: str) -> str:
    return VAT_PREFIX.get(country, country)


def safe_file_stem(number: str) -> str:
    """An invoice number as a file name: letters, digits, '.', '_' and '-' only."""
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "_", number).strip("._") or "invoice"
