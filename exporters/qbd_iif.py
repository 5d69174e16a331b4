"""QuickBooks Desktop IIF (``qbd-iif``), per formats.md.

Tab-separated, cp1252, no BOM, CRLF. Three header rows (!TRNS, !SPL,
!ENDTRNS), then per invoice a TRNS row (A/R account, +total), one SPL row per
line (income account, -amount, negative QNTY, positive PRICE), a SPL row for
the sales tax (sales-tax account, -tax) and ENDTRNS: every block sums to zero.
IIF has no escaping: tab, CR and LF become spaces; characters cp1252 cannot
hold are transliterated (NFKD, else anyascii) or become '?', and the export says so.
Customer names get a deterministic, unique IIF name when the book's cannot
be written faithfully (see :func:`iif_name`). Every invoice ends in a sales-tax
SPL line with ``AUTOSTAX`` in ``EXTRA`` (0.00 at 0%), as NewPath Consulting's
IIF invoice specification writes it.
"""
from __future__ import annotations

import re
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
    "QNTY", "PRICE", "INVITEM", "TAXABLE", "EXTRA",
]
ENDTRNS_HEADER = ["!ENDTRNS"]
MAX_WARNINGS = 5  # one per changed text, then a count
AUTOSTAX = "AUTOSTAX"  # EXTRA of the sales-tax SPL line (NewPath Consulting's IIF invoice notes)


def to_cp1252(text: str) -> str:
    """Text cp1252 can hold: other characters decomposed (NFKD, accents dropped)
    where that helps, else spelled in ASCII (anyascii: 東京 -> 'DongJing'), '?'
    where nothing is left."""
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
        out.append("".join(kept) or _ascii(ch) or "?")
    return "".join(out)


def _ascii(ch: str) -> str:
    from anyascii import anyascii

    return anyascii(ch)


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


def _transliterate(text: str) -> str:
    """Characters cp1252 lacks, spelled in ASCII (東京 -> DongJing, Δ -> D)."""
    return to_cp1252(text)


def iif_name(customer_id: int, name: str, limit: int) -> tuple[str, bool]:
    """The customer's name as QuickBooks Desktop gets it, and whether it differs
    from the book's. A name that fits cp1252 and ``limit`` characters is kept;
    any other is transliterated (anyascii), cut, and ends in ``~<customer id>``:
    deterministic (the same name in every export) and unique (ids are)."""
    flat = flatten(neutralise(name))
    if len(flat) <= limit and to_cp1252(flat) == flat and not re.search(r" ~\d+$", flat):
        return flat, False
    suffix = f" ~{customer_id}"
    base = " ".join(_transliterate(flat).split())
    base = to_cp1252(base)[: max(limit - len(suffix), 1)].rstrip()
    return f"{base}{suffix}", True


class _Names:
    """Each customer's IIF name, once; two customers never share one."""

    def __init__(self, limit: int):
        self.limit = limit
        self.names: dict[int, str] = {}
        self.owners: dict[str, tuple[int, str]] = {}  # casefolded IIF name -> (id, book name)
        self.renamed: list[tuple[str, str]] = []

    def __call__(self, invoice: InvoiceData) -> str:
        customer = invoice.customer
        name = self.names.get(customer.id)
        if name is not None:
            return name
        name, changed = iif_name(customer.id, customer.name, self.limit)
        other = self.owners.get(name.casefold())
        if other is not None and other[0] != customer.id:
            raise ExportError(f"customers {other[1]!r} and {customer.name!r} would both be {name!r} in "
                              "QuickBooks Desktop: rename one of them")
        self.owners[name.casefold()] = (customer.id, customer.name)
        self.names[customer.id] = name
        if changed:
            self.renamed.append((customer.name, name))
        return name


def _quoted(text: str) -> str:
    """A name as the user must type it, between quotes: not ``repr``, whose backslashes
    (``m\\'rkhvt``) are not in the file (issue 12: a walker was told to create a
    QuickBooks customer whose name had escapes the import does not have)."""
    return f"'{text}'"


def _row(fields: list[str]) -> str:
    return "\t".join(fields)


def invoice_block(invoice: InvoiceData, settings: ExportSettings, f: _Fields,
                  names: _Names | None = None) -> list[list[str]]:
    check_consistent(invoice)
    date_fmt = settings.date_format(FORMAT)
    cur = invoice.currency
    date = format_date(invoice.issue_date, date_fmt)
    number = f.text(invoice.number)
    names = names or _Names(settings.iif_name_limit)
    customer = names(invoice)
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
            "Y" if effectively_taxable(invoice, line.taxable) else "N", "",
        ])
    # The sales-tax line, always (also at 0%: QuickBooks with sales tax on expects it), AUTOSTAX.
    rate = invoice.tax_rate if any_taxable else 0
    block.append([
        "SPL", "", "INVOICE", date, f.text(settings.sales_tax_account), "",
        format_minor(-invoice.tax, cur), number, f.text(f"Sales tax {percent_text(rate)}"),
        "", percent_text(rate), f.text(settings.sales_tax_item), "N", AUTOSTAX,
    ])
    block.append(["ENDTRNS"])
    return block


def export(invoices: Sequence[InvoiceData], settings: ExportSettings) -> ExportOutput:
    f = _Fields()
    names = _Names(settings.iif_name_limit)
    lines = [_row(TRNS_HEADER), _row(SPL_HEADER), _row(ENDTRNS_HEADER)]
    rows = 0
    for inv in invoices:
        block = invoice_block(inv, settings, f, names)
        rows += len(block)  # TRNS, SPL and ENDTRNS rows
        lines.extend(_row(r) for r in block)
    data = ("\r\n".join(lines) + "\r\n").encode(ENCODING)
    changed = list(f.changed.items())
    warnings = [
        f"IIF is cp1252: {_quoted(original)} written as {_quoted(converted)}"
        for original, converted in changed[:MAX_WARNINGS]
    ]
    if len(changed) > MAX_WARNINGS:
        warnings.append(f"IIF is cp1252: {len(changed) - MAX_WARNINGS} more texts transliterated the same way")
    for original, name in names.renamed[:MAX_WARNINGS]:
        warnings.append(f"IIF customer {_quoted(original)} is named {_quoted(name)} (QuickBooks Desktop takes "
                        f"{settings.iif_name_limit} cp1252 characters): use that name in QuickBooks")
    if len(names.renamed) > MAX_WARNINGS:
        warnings.append(f"IIF: {len(names.renamed) - MAX_WARNINGS} more customers renamed the same way")
    return ExportOutput(
        parts=[ExportPart(data=data, invoices=tuple(inv.number for inv in invoices), rows=rows)],
        warnings=warnings,
    )
