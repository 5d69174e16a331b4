"""Xero sales invoice import CSV (``xero-csv``), per formats.md.

27 columns exactly; one row per line with contact, number and dates repeated;
tax-exclusive unit amounts (Xero computes tax from TaxType); at most 500 rows
per file, never splitting an invoice. Free text is made one line and neutralised.
"""
from __future__ import annotations

from typing import Sequence

from store.domain import ExportSettings, InvoiceData
from exporters.common import money_text as format_minor

from exporters.common import (
    ExportOutput,
    ExportPart,
    check_consistent,
    csv_bytes,
    effectively_taxable,
    format_date,
    quantity_text,
    required_text,
    safe_text,
    split_into_files,
)

FORMAT = "xero-csv"
HEADER = (
    "*ContactName,EmailAddress,POAddressLine1,POAddressLine2,POAddressLine3,POAddressLine4,POCity,"
    "PORegion,POPostalCode,POCountry,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,InventoryItemCode,"
    "*Description,*Quantity,*UnitAmount,Discount,*AccountCode,*TaxType,TrackingName1,TrackingOption1,"
    "TrackingName2,TrackingOption2,Currency,BrandingTheme"
).split(",")
MAX_ROWS = 500


def _address_lines(address: str) -> list[str]:
    """The customer's free-text address as POAddressLine1..4 (extra lines join the fourth)."""
    lines = [ln.strip() for ln in (address or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    if len(lines) > 4:
        lines = lines[:3] + [", ".join(lines[3:])]
    return [safe_text(ln) for ln in lines] + [""] * (4 - len(lines))


def invoice_rows(invoice: InvoiceData, settings: ExportSettings) -> list[list[str]]:
    check_consistent(invoice)
    date_fmt = settings.date_format(FORMAT)
    cur = invoice.currency
    contact = (
        [required_text(invoice.customer.name, "customer name", invoice.number), safe_text(invoice.customer.email)]
        + _address_lines(invoice.customer.address)
        + ["", "", "", ""]
    )
    head = contact + [
        required_text(invoice.number, "invoice number", invoice.number),
        safe_text(invoice.batch_name),
        format_date(invoice.issue_date, date_fmt),
        format_date(invoice.due_date, date_fmt),
        "",
    ]
    account = required_text(settings.xero_account_code, "setting xero_account_code", invoice.number)
    tax_types = {
        True: required_text(settings.xero_tax_type, "setting xero_tax_type", invoice.number),
        False: required_text(settings.xero_tax_type_exempt, "setting xero_tax_type_exempt", invoice.number),
    }
    rows = []
    for line in invoice.lines:
        taxable = effectively_taxable(invoice, line.taxable)
        description = safe_text(line.description)
        if not description.strip():
            description = required_text(settings.item_name(line.kind), f"line {line.position} description",
                                        invoice.number)
        rows.append(
            head
            + [
                description,
                quantity_text(line.quantity),
                format_minor(line.unit_price, cur),
                "",
                account,
                tax_types[taxable],
                "", "", "", "",
                cur,
                "",
            ]
        )
    return rows


def export(invoices: Sequence[InvoiceData], settings: ExportSettings) -> ExportOutput:
    groups = [(inv.number, invoice_rows(inv, settings)) for inv in invoices]
    files = split_into_files(groups, max_rows=MAX_ROWS, max_invoices=None, target="Xero")
    parts = [
        ExportPart(
            data=csv_bytes(HEADER, [row for _, rows in chunk for row in rows]),
            invoices=tuple(n for n, _ in chunk),
            rows=sum(len(rows) for _, rows in chunk),
        )
        for chunk in files
    ]
    return ExportOutput(parts=parts)
