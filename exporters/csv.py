"""Plain CSV (``csv``): RFC 4180, CRLF, UTF-8 without BOM, one row per invoice
line with the invoice-level columns repeated, ISO 8601 dates.

Free text keeps its embedded newlines (quoted, as RFC 4180 allows) and is
neutralised against formula injection; amounts are never touched.
"""
from __future__ import annotations

from typing import Sequence

from store.domain import ExportSettings, InvoiceData
from store.money import format_minor

from exporters.common import ExportOutput, ExportPart, check_consistent, csv_bytes, neutralise, quantity_text

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
        neutralise(invoice.number),
        neutralise(invoice.batch_name),
        neutralise(invoice.customer.name),
        cur,
        invoice.issue_date.isoformat(),
        invoice.due_date.isoformat(),
    ]
    return [
        head
        + [
            line.kind,
            neutralise(line.contract),
            neutralise(line.period),
            neutralise(line.description),
            quantity_text(line.quantity),
            format_minor(line.unit_price, cur),
            format_minor(line.amount, cur),
            "yes" if line.taxable else "no",
            format_minor(invoice.tax, cur),
            format_minor(invoice.total, cur),
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
