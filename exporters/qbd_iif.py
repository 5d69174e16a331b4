"""QuickBooks Desktop IIF (``qbd-iif``), per formats.md.

Tab-separated, cp1252, no BOM, CRLF. Three header rows (!TRNS, !SPL,
!ENDTRNS), then per invoice a TRNS row (A/R account, +total), one SPL row per
line (income account, -amount, negative QNTY, positive PRICE), a SPL row for
the sales tax (sales-tax account, -tax) and ENDTRNS: every block sums to zero.
IIF has no escaping: tab, CR and LF become spaces; characters cp1252 cannot
hold are transliterated (NFKD) or become '?', and the export says so.
"""
from __future__ import annotations

import unicodedata
from typing import Sequence

from store.domain import ExportSettings, InvoiceData
from exporters.common import money_text as format_minor

from exporters.common import (
    ExportError,
    ExportOutput,
    ExportPart,
    check_consistent,
    effectively_taxable,
    flatten,
    format_date,
    neutralise,
    percent_text,
    quantity_text,
)

FORMAT = "qbd-iif"
ENCODING = "cp1252"
TRNS_HEADER = [
    "!TRNS", "TRNSID", "TRNSTYPE", "DATE", "ACCNT", "NAME", "AMOUNT", "DOCNUM", "MEMO",
    "TOPRINT", "NAMEISTAXABLE", "DUEDATE", "TERMS",
]
SPL_HEADER = [
    "!SPL", "SPLID", "TRNSTYPE", "DATE", "ACCNT", "NAME", "AMOUNT", "DOCNUM", "MEMO",
    "QNTY", "PRICE", "INVITEM", "TAXABLE",
]
ENDTRNS_HEADER = ["!ENDTRNS"]
MAX_WARNINGS = 5  # one per changed text, then a count


def to_cp1252(text: str) -> str:
    """Text cp1252 can hold: other characters decomposed (NFKD, accents dropped)
    where that helps, '?' where nothing is left (東京 -> '??')."""
    try:
        text.encode(ENCODING)  # the usual case: the whole text fits, one call in C
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        try:
            ch.encode(ENCODING)
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        kept = []
        for part in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(part):
                continue
            try:
                part.encode(ENCODING)
                kept.append(part)
            except UnicodeEncodeError:
                pass
        out.append("".join(kept) or "?")
    return "".join(out)


class _Fields:
    """Makes free text IIF-safe and remembers what it had to change."""

    def __init__(self):
        self.changed: dict[str, str] = {}
        self._done: dict[tuple[str, bool], str] = {}  # accounts, items, terms repeat on every line

    def text(self, value: str, *, free: bool = True) -> str:
        value = "" if value is None else str(value)
        converted = self._done.get((value, free))
        if converted is not None:
            return converted
        safe = flatten(neutralise(value) if free else value)
        converted = to_cp1252(safe)
        if converted != safe:
            self.changed.setdefault(value, converted)
        self._done[(value, free)] = converted
        return converted


def _row(fields: list[str]) -> str:
    return "\t".join(fields)


def invoice_block(invoice: InvoiceData, settings: ExportSettings, f: _Fields) -> list[list[str]]:
    check_consistent(invoice)
    date_fmt = settings.date_format(FORMAT)
    cur = invoice.currency
    date = format_date(invoice.issue_date, date_fmt)
    number = f.text(invoice.number)
    customer = f.text(invoice.customer.name)
    for value, what in ((number, "invoice number"), (customer, "customer name"),
                        (f.text(settings.ar_account), "setting ar_account")):
        if not value.strip():
            raise ExportError(f"{invoice.number}: {what} is empty (or only control characters); IIF requires it")
    any_taxable = any(effectively_taxable(invoice, ln.taxable) for ln in invoice.lines)
    block = [[
        "TRNS", "", "INVOICE", date, f.text(settings.ar_account), customer,
        format_minor(invoice.total, cur), number, f.text(invoice.batch_name), "N",
        "Y" if any_taxable else "N", format_date(invoice.due_date, date_fmt), f.text(settings.terms),
    ]]
    for line in invoice.lines:
        block.append([
            "SPL", "", "INVOICE", date, f.text(settings.income_account(line.kind)), "",
            format_minor(-line.amount, cur), number, f.text(line.description),
            quantity_text(-line.quantity), format_minor(line.unit_price, cur),
            f.text(settings.item_name(line.kind)),
            "Y" if effectively_taxable(invoice, line.taxable) else "N",
        ])
    if invoice.tax:
        block.append([
            "SPL", "", "INVOICE", date, f.text(settings.sales_tax_account), "",
            format_minor(-invoice.tax, cur), number, f.text(f"Sales tax {percent_text(invoice.tax_rate)}"),
            "", percent_text(invoice.tax_rate), f.text(settings.sales_tax_item), "N",
        ])
    block.append(["ENDTRNS"])
    return block


def export(invoices: Sequence[InvoiceData], settings: ExportSettings) -> ExportOutput:
    f = _Fields()
    lines = [_row(TRNS_HEADER), _row(SPL_HEADER), _row(ENDTRNS_HEADER)]
    rows = 0
    for inv in invoices:
        block = invoice_block(inv, settings, f)
        rows += len(block)  # TRNS, SPL and ENDTRNS rows
        lines.extend(_row(r) for r in block)
    data = ("\r\n".join(lines) + "\r\n").encode(ENCODING)
    changed = list(f.changed.items())
    warnings = [
        f"IIF is cp1252: {original!r} written as {converted!r}" for original, converted in changed[:MAX_WARNINGS]
    ]
    if len(changed) > MAX_WARNINGS:
        warnings.append(f"IIF is cp1252: {len(changed) - MAX_WARNINGS} more texts transliterated the same way")
    return ExportOutput(
        parts=[ExportPart(data=data, invoices=tuple(inv.number for inv in invoices), rows=rows)],
        warnings=warnings,
    )
