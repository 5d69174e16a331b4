"""QuickBooks Online invoice import CSV (``qbo-csv``), per formats.md.

One row per invoice line, invoice-level fields repeated on every row; at most
100 invoices and 1,000 rows per file; no negative amounts; invoice numbers of
at most 21 characters. Free text is made one line and neutralised.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Sequence

from store.domain import ExportSettings, InvoiceData
from exporters.common import money_text as format_minor

from exporters.common import (
    ExportError,
    ExportOutput,
    Memo,
    MoneyTexts,
    TaxNames,
    allocate_tax,
    check_consistent,
    csv_files,
    format_date,
    percent_text,
    quantity_text,
    required_text,
    safe_text,
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
# The names QuickBooks Online maps by itself (Intuit's answer for QuickBooks Online
# Canada; setting qbo_columns=auto). Columns it has no name for keep theirs.
AUTO_NAMES = {
    "*InvoiceNo": "*Invoice number", "*Customer": "*Customer", "*InvoiceDate": "*Invoice date",
    "*DueDate": "*Due date", "Item(Product/Service)": "Item(Product/Service)",
    "ItemDescription": "Item Description", "ItemQuantity": "Item Quantity", "ItemRate": "Item Rate",
    "*ItemAmount": "*Item Amount", "*ItemTaxCode": "Item tax code", "Terms": "Terms",
    "Service Date": "Service Date", "Memo": "Memo",
}
MAX_INVOICES = 100
MAX_ROWS = 1000
MAX_NUMBER_LENGTH = 21


def header(settings: ExportSettings) -> list[str]:
    names = list(HEADER_VAT if settings.qbo_vat_columns else HEADER_US)
    if settings.qbo_columns == "auto":
        names = [AUTO_NAMES.get(name, name) for name in names]
    return names


def _refuse_unimportable(invoice: InvoiceData) -> None:
    if len(invoice.number) > MAX_NUMBER_LENGTH:
        raise ExportError(
            f"invoice number {invoice.number!r} is {len(invoice.number)} characters; "
            f"QuickBooks Online takes at most {MAX_NUMBER_LENGTH}: shorten the invoice prefix"
        )
    lines = invoice.lines
    # one pass over the clean case (every invoice of a usual batch); the loop
    # below names the first bad line and what is wrong with it
    if all(line.amount >= 0 and line.unit_price >= 0 and line.quantity >= 0 for line in lines):
        return
    for line in lines:
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


class _Rows:
    """One export's row builder: each distinct text, amount, date and quantity is
    formatted once (the same customers, items, prices and dates fill a batch)."""

    def __init__(self, settings: ExportSettings):
        self.settings = settings
        date_fmt = settings.date_format(FORMAT)
        self.dates = Memo(lambda day: format_date(day, date_fmt))
        self.safe = Memo(safe_text)
        self.money = MoneyTexts()
        self.quantities = Memo(quantity_text)
        self.percents = Memo(percent_text)
        self.items = Memo(lambda kind: safe_text(settings.item_name(kind)))
        self.terms = safe_text(settings.terms)
        self.vat = settings.qbo_vat_columns
        self.tax_codes = TaxNames(settings, "qbo_tax_code", "ItemTaxCode", "QuickBooks Online")
        self.exempt_code = safe_text(settings.qbo_tax_code_exempt)

    def __call__(self, invoice: InvoiceData) -> list[list[str]]:
        check_consistent(invoice)
        _refuse_unimportable(invoice)
        safe = self.safe
        money = self.money[invoice.currency]
        quantities = self.quantities
        items = self.items
        head = [
            required_text(invoice.number, "invoice number", invoice.number, clean=safe.__getitem__),
            required_text(invoice.customer.name, "customer name", invoice.number, clean=safe.__getitem__),
            self.dates[invoice.issue_date],
            self.dates[invoice.due_date],
            self.terms,
            "",
            safe[invoice.batch_name],
        ]
        taxed = Decimal(invoice.tax_rate) != 0  # effectively_taxable: taxable and a rate
        rows = []
        if self.vat:
            codes = {True: self.tax_codes(invoice, used=taxed and any(line.taxable for line in invoice.lines)),
                     False: self.exempt_code}
            for line, line_tax in zip(invoice.lines, allocate_tax(invoice)):
                taxable = taxed and bool(line.taxable)
                rows.append(head + [
                    items[line.kind], safe_text(line.description), quantities[line.quantity],
                    money[line.unit_price], money[line.amount], codes[taxable], money[line_tax], "",
                ])
        else:
            rate = self.percents[invoice.tax_rate]
            for line in invoice.lines:
                taxable = taxed and bool(line.taxable)
                rows.append(head + [
                    items[line.kind], safe_text(line.description), quantities[line.quantity],
                    money[line.unit_price], money[line.amount],
                    "Y" if taxable else "N", rate if taxable else "", "",
                ])
        return rows


def invoice_rows(invoice: InvoiceData, settings: ExportSettings) -> list[list[str]]:
    return _Rows(settings)(invoice)


def export(invoices: Sequence[InvoiceData], settings: ExportSettings) -> ExportOutput:
    rows_of = _Rows(settings)
    groups = [(inv.number, rows_of(inv)) for inv in invoices]
    return csv_files(groups, header(settings), max_rows=MAX_ROWS, max_invoices=MAX_INVOICES,
                     target="QuickBooks Online", warnings=rows_of.tax_codes.warnings())
