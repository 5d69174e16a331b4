"""Xero sales invoice import CSV (``xero-csv``), per formats.md.

27 columns exactly; one row per line with contact, number and dates repeated;
tax-exclusive unit amounts (Xero computes tax from TaxType); at most 500 rows
per file, never splitting an invoice. Free text is made one line and neutralised.
"""
from __future__ import annotations

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


def _address_lines(address: str) -> list[str]:
    """The customer's free-text address as POAddressLine1..4 (extra lines join the fourth)."""
    lines = [ln.strip() for ln in (address or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    if len(lines) > 4:
        lines = lines[:3] + [", ".join(lines[3:])]
    return [safe_text(ln) for ln in lines] + [""] * (4 - len(lines))


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
        self.addresses = Memo(_address_lines)
        self.tax_types = TaxNames(settings, "xero_tax_type", "TaxType", "Xero")
        self.account: str | None = None  # the account code and exempt tax type cells
        self.exempt = ""

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
            *self.addresses[customer.address], "", "", "", "",
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
