"""Plain CSV (``csv``): RFC 4180, CRLF, UTF-8 without BOM, one row per invoice
line with the invoice-level columns repeated, ISO 8601 dates.

Free text keeps its embedded newlines and tabs (quoted, as RFC 4180 allows;
other control characters become spaces) and is
neutralised against formula injection; amounts are never touched.
"""
from __future__ import annotations

from typing import Sequence

from store.domain import ExportSettings, InvoiceData
from exporters.common import money_text as format_minor

from exporters.common import (
    ExportOutput, ExportPart, check_consistent, csv_bytes, plain_text, quantity_text, required_text,
)

FORMAT = "csv"
HEADER = [
    "invoice_number", "batch", "customer", "currency", "issue_date", "due_date",
    "line_kind", "contract", "period", "description", "quantity", "unit_price",
    "amount", "taxable", "tax", "invoice_total",
]


def invoice_rows(invoice: InvoiceData) -> list[list[str]]:
    check_consistent(invoice)
    cur = invoice.currency
    head = [
        required_text(invoice.number, "invoice number", invoice.number, clean=plain_text),
        plain_text(invoice.batch_name),
        required_text(invoice.customer.name, "customer name", invoice.number, clean=plain_text),
        cur,
        invoice.issue_date.isoformat(),
        invoice.due_date.isoformat(),
    ]
    tax, total = format_minor(invoice.tax, cur), format_minor(invoice.total, cur)
    return [
        head
        + [
            line.kind,
            plain_text(line.contract),
            plain_text(line.period),
            plain_text(line.description),
            quantity_text(line.quantity),
            format_minor(line.unit_price, cur),
            format_minor(line.amount, cur),
            "yes" if line.taxable else "no",
            tax,
            total,
        ]
        for line in invoice.lines
    ]


def export(invoices: Sequence[InvoiceData], settings: ExportSettings | None = None) -> ExportOutput:
    rows = []
    numbers = []
    for inv in invoices:
        rows.extend(invoice_rows(inv))
        numbers.append(inv.number)
    return ExportOutput(parts=[ExportPart(data=csv_bytes(HEADER, rows), invoices=tuple(numbers), rows=len(rows))])
