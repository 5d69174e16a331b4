"""QuickBooks Online invoice import CSV (``qbo-csv``), per formats.md.

One row per invoice line, invoice-level fields repeated on every row; at most
100 invoices and 1,000 rows per file; no negative amounts; invoice numbers of
at most 21 characters. Free text is made one line and neutralised.
"""
from __future__ import annotations

from typing import Sequence

from store.domain import ExportSettings, InvoiceData
from exporters.common import money_text as format_minor

from exporters.common import (
    ExportError,
    ExportOutput,
    ExportPart,
    allocate_tax,
    check_consistent,
    csv_bytes,
    effectively_taxable,
    format_date,
    percent_text,
    quantity_text,
    required_text,
    safe_text,
    split_into_files,
)

FORMAT = "qbo-csv"
HEADER_US = (
    "*InvoiceNo,*Customer,*InvoiceDate,*DueDate,Terms,Location,Memo,Item(Product/Service),"
    "ItemDescription,ItemQuantity,ItemRate,*ItemAmount,Taxable,TaxRate,Service Date"
).split(",")
HEADER_VAT = (
    "*InvoiceNo,*Customer,*InvoiceDate,*DueDate,Terms,Location,Memo,Item(Product/Service),"
    "ItemDescription,ItemQuantity,ItemRate,*ItemAmount,*ItemTaxCode,ItemTaxAmount,Service Date"
).split(",")
MAX_INVOICES = 100
MAX_ROWS = 1000
MAX_NUMBER_LENGTH = 21


def header(settings: ExportSettings) -> list[str]:
    return list(HEADER_VAT if settings.qbo_vat_columns else HEADER_US)


def _refuse_unimportable(invoice: InvoiceData) -> None:
    if len(invoice.number) > MAX_NUMBER_LENGTH:
        raise ExportError(
            f"invoice number {invoice.number!r} is {len(invoice.number)} characters; "
            f"QuickBooks Online takes at most {MAX_NUMBER_LENGTH}: shorten the invoice prefix"
        )
    for line in invoice.lines:
        for label, value in (("amount", line.amount), ("unit price", line.unit_price)):
            if value < 0:
                raise ExportError(
                    f"{invoice.number} line {line.position} has a negative {label} "
                    f"({format_minor(value, invoice.currency)} {invoice.currency}): QuickBooks Online's "
                    "invoice import refuses negative amounts (enter credits as credit memos)"
                )
        if line.quantity < 0:
            raise ExportError(
                f"{invoice.number} line {line.position} has a negative quantity ({line.quantity}): "
                "QuickBooks Online's invoice import refuses negative amounts"
            )


def invoice_rows(invoice: InvoiceData, settings: ExportSettings) -> list[list[str]]:
    check_consistent(invoice)
    _refuse_unimportable(invoice)
    date_fmt = settings.date_format(FORMAT)
    cur = invoice.currency
    head = [
        required_text(invoice.number, "invoice number", invoice.number),
        required_text(invoice.customer.name, "customer name", invoice.number),
        format_date(invoice.issue_date, date_fmt),
        format_date(invoice.due_date, date_fmt),
        safe_text(settings.terms),
        "",
        safe_text(invoice.batch_name),
    ]
    taxes = allocate_tax(invoice)
    rate = percent_text(invoice.tax_rate)
    rows = []
    for line, line_tax in zip(invoice.lines, taxes):
        taxable = effectively_taxable(invoice, line.taxable)
        if settings.qbo_vat_columns:
            tax_cells = [
                safe_text(settings.qbo_tax_code if taxable else settings.qbo_tax_code_exempt),
                format_minor(line_tax, cur),
            ]
        else:
            tax_cells = ["Y" if taxable else "N", rate if taxable else ""]
        rows.append(
            head
            + [
                safe_text(settings.item_name(line.kind)),
                safe_text(line.description),
                quantity_text(line.quantity),
                format_minor(line.unit_price, cur),
                format_minor(line.amount, cur),
            ]
            + tax_cells
            + [""]
        )
    return rows


def export(invoices: Sequence[InvoiceData], settings: ExportSettings) -> ExportOutput:
    groups = [(inv.number, invoice_rows(inv, settings)) for inv in invoices]
    files = split_into_files(groups, max_rows=MAX_ROWS, max_invoices=MAX_INVOICES, target="QuickBooks Online")
    hdr = header(settings)
    parts = [
        ExportPart(
            data=csv_bytes(hdr, [row for _, rows in chunk for row in rows]),
            invoices=tuple(n for n, _ in chunk),
            rows=sum(len(rows) for _, rows in chunk),
        )
        for chunk in files
    ]
    return ExportOutput(parts=parts)
