"""Plain CSV (``csv``): RFC 4180, CRLF, UTF-8 without BOM, one row per invoice
line with the invoice-level columns repeated, ISO 8601 dates.

Free text keeps its embedded newlines and tabs (quoted, as RFC 4180 allows;
other control characters become spaces) and is
neutralised against formula injection; amounts are never touched.
"""
from __future__ import annotations

from typing import Sequence

from store.domain import ExportSettings, InvoiceData

from exporters.common import (
    ExportOutput, ExportPart, Memo, MoneyTexts, check_consistent, csv_bytes, plain_text, quantity_text, required_text,
)

FORMAT = "csv"
HEADER = [
    "invoice_number", "batch", "customer", "currency", "issue_date", "due_date",
    "line_kind", "contract", "period", "description", "quantity", "unit_price",
    "amount", "taxable", "tax", "invoice_total",
]


class _Rows:
    """One export's row builder: each distinct text, amount and quantity is formatted once."""

    def __init__(self):
        self.plain = Memo(plain_text)
        self.money = MoneyTexts()
        self.quantities = Memo(quantity_text)

    def __call__(self, invoice: InvoiceData) -> list[list[str]]:
        check_consistent(invoice)
        plain = self.plain
        cur = invoice.currency
        money = self.money[cur]
        quantities = self.quantities
        head = [
            required_text(invoice.number, "invoice number", invoice.number, clean=plain.__getitem__),
            plain[invoice.batch_name],
            required_text(invoice.customer.name, "customer name", invoice.number, clean=plain.__getitem__),
            cur,
            invoice.issue_date.isoformat(),
            invoice.due_date.isoformat(),
        ]
        tax, total = money[invoice.tax], money[invoice.total]
        return [
            head + [
                line.kind, plain[line.contract], plain[line.period], plain_text(line.description),
                quantities[line.quantity], money[line.unit_price], money[line.amount],
                "yes" if line.taxable else "no", tax, total,
            ]
            for line in invoice.lines
        ]


def invoice_rows(invoice: InvoiceData) -> list[list[str]]:
    return _Rows()(invoice)


def export(invoices: Sequence[InvoiceData], settings: ExportSettings | None = None) -> ExportOutput:
    rows = []
    numbers = []
    rows_of = _Rows()
    for inv in invoices:
        rows.extend(rows_of(inv))
        numbers.append(inv.number)
    return ExportOutput(parts=[ExportPart(data=csv_bytes(HEADER, rows), invoices=tuple(numbers), rows=len(rows))])
