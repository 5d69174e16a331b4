"""Xero sales invoice import CSV (``xero-csv``), per formats.md.

27 columns exactly; one row per line with contact, number and dates repeated;
tax-exclusive unit amounts (Xero computes tax from TaxType); at most 500 rows
per file, never splitting an invoice. Free text is made one line and neutralised.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Sequence

from store.domain import ExportSettings, InvoiceData

from exporters.common import (
    ExportOutput,
    Memo,
    MoneyTexts,
    TaxNames,
    check_consistent,
    csv_files,
    format_date,
    quantity_text,
    required_text,
    safe_text,
    safe_as_is,
)

FORMAT = "xero-csv"
HEADER = (
    "*ContactName,EmailAddress,POAddressLine1,POAddressLine2,POAddressLine3,POAddressLine4,POCity,"
    "PORegion,POPostalCode,POCountry,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,InventoryItemCode,"
    "*Description,*Quantity,*UnitAmount,Discount,*AccountCode,*TaxType,TrackingName1,TrackingOption1,"
    "TrackingName2,TrackingOption2,Currency,BrandingTheme"
).split(",")
MAX_ROWS = 500
_NEEDS_WORK = safe_as_is  # None: the text is a safe one-line cell as it is


# The last address line, when it is the town line of a postal address:
#   "Austin, TX 78701" (US, CA, AU style: city, region, postcode) or
#   "10115 Berlin" (postcode first: DE, FR, NL, ... ) or "London SW1A 1AA" (UK).
_TOWN_US = re.compile(r"^(?P<city>[^,\d][^,]*?),\s*(?P<region>[A-Za-z]{2,3})\.?\s+"
                      r"(?P<postcode>\d{4,5}(?:-\d{4})?|[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d)$")
_TOWN_EU = re.compile(r"^(?:[A-Z]{1,2}-)?(?P<postcode>\d{4} ?[A-Z]{2}(?=\s)|\d{4,5})\s+(?P<city>\D.*)$")
_TOWN_UK = re.compile(r"^(?P<city>[^\d,][^,]*?),?\s+(?P<postcode>[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$")


def _town(line: str, region: str) -> tuple[str, str, str] | None:
    """(city, region, postcode) read from a town line, or None when it is not one."""
    m = _TOWN_US.match(line) if region in ("US", "CA", "AU") else None
    if m:
        return m["city"].strip(), m["region"].upper(), m["postcode"]
    m = _TOWN_UK.match(line) if region in ("UK", "GB", "IE") else None
    if m:
        return m["city"].strip(), "", m["postcode"]
    m = _TOWN_EU.match(line) if region not in ("US", "CA", "AU", "UK", "GB") else None
    if m:
        return m["city"].strip(), "", m["postcode"]
    return None


def _po_address(customer) -> list[str]:
    """POAddressLine1..4, POCity, PORegion, POPostalCode, POCountry of a customer.

    Structured address fields win where the book has them (city, postcode,
    country_code); otherwise the free-text address's last line is read as a
    town line when it has the region's usual shape; the country is the
    customer's country code, else its region (UK is GB)."""
    address = getattr(customer, "address", "") or ""
    lines = [ln.strip() for ln in address.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    region = (getattr(customer, "region", "") or "").upper()
    city = getattr(customer, "city", "") or ""
    postcode = getattr(customer, "postcode", "") or ""
    state = ""
    if not city and not postcode and len(lines) > 1:
        town = _town(lines[-1], region)
        if town:
            city, state, postcode = town
            lines = lines[:-1]
    country = getattr(customer, "country_code", "") or region
    country = "GB" if country == "UK" else country
    if len(lines) > 4:
        lines = lines[:3] + [", ".join(lines[3:])]
    cells = [safe_text(ln) for ln in lines] + [""] * (4 - len(lines))
    return [*cells, safe_text(city), safe_text(state), safe_text(postcode), safe_text(country)]


class _Rows:
    """One export's row builder: each customer's contact cells, each distinct
    text, amount, date and quantity are formatted once."""

    def __init__(self, settings: ExportSettings):
        self.settings = settings
        date_fmt = settings.date_format(FORMAT)
        self.dates = Memo(lambda day: format_date(day, date_fmt))
        self.safe = Memo(safe_text)
        self.money = MoneyTexts()
        self.quantities = Memo(quantity_text)
        self.addresses: dict[int, list[str]] = {}
        self.tax_types = TaxNames(settings, "xero_tax_type", "TaxType", "Xero")
        self.account: str | None = None  # the account code and exempt tax type cells
        self.exempt = ""

    def _address(self, customer) -> list[str]:
        cells = self.addresses.get(customer.id)
        if cells is None:
            cells = self.addresses[customer.id] = _po_address(customer)
        return cells

    def __call__(self, invoice: InvoiceData) -> list[list[str]]:
        check_consistent(invoice)
        settings = self.settings
        safe = self.safe.__getitem__
        number = invoice.number
        cur = invoice.currency
        customer = invoice.customer
        if self.account is None:  # the settings' cells, checked with the first invoice's number
            self.account = required_text(settings.xero_account_code, "setting xero_account_code", number,
                                         clean=safe)
            self.exempt = required_text(settings.xero_tax_type_exempt, "setting xero_tax_type_exempt", number,
                                        clean=safe)
        dates = self.dates
        head = [
            required_text(customer.name, "customer name", number, clean=safe), safe(customer.email),
            *self._address(customer),
            required_text(number, "invoice number", number, clean=safe), safe(invoice.batch_name),
            dates[invoice.issue_date], dates[invoice.due_date], "",
        ]
        account = self.account
        taxed = Decimal(invoice.tax_rate) != 0  # effectively_taxable: taxable and a rate
        taxed_type = self.tax_types(invoice, used=taxed and any(line.taxable for line in invoice.lines))
        tax_type = self.exempt
        money = self.money[cur]
        quantities = self.quantities
        tail = ["", "", "", "", cur, ""]
        rows = []
        for line in invoice.lines:
            description = line.description
            if type(description) is not str or _NEEDS_WORK(description) is not None:
                description = safe_text(description)
            if not description or description.isspace():
                description = required_text(settings.item_name(line.kind), f"line {line.position} description",
                                            invoice.number)
            rows.append([
                *head, description, quantities[line.quantity], money[line.unit_price], "", account,
                taxed_type if taxed and line.taxable else tax_type, *tail,
            ])
        return rows


def invoice_rows(invoice: InvoiceData, settings: ExportSettings) -> list[list[str]]:
    return _Rows(settings)(invoice)


def export(invoices: Sequence[InvoiceData], settings: ExportSettings) -> ExportOutput:
    rows_of = _Rows(settings)
    groups = [(inv.number, rows_of(inv)) for inv in invoices]
    return csv_files(groups, HEADER, max_rows=MAX_ROWS, max_invoices=None, target="Xero",
                     warnings=rows_of.tax_types.warnings())
