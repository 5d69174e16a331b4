"""Invoices as domain dataclasses for the exporters and screens: one invoice,
a batch's invoices, and the export settings. A batch of thousands loads in a
few queries (invoices with customers and batches, then lines with contract
names, in chunks), never one query per invoice."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from peewee import JOIN, chunked

from store import settings as _settings
from store.domain import CustomerInfo, ExportSettings, InvoiceData, InvoiceLineData
from store.errors import NotFoundError
from store.models import Batch, Contract, Customer, Invoice, InvoiceLine

_CHUNK = 500


def _line_data(line: InvoiceLine, contract_name: str | None) -> InvoiceLineData:
    source = f"{line.source_kind}:{line.source_id}" if line.source_id is not None else line.source_kind
    return InvoiceLineData(
        position=line.position, kind=line.kind, contract=contract_name or "", period=line.period,
        description=line.description, quantity=line.quantity, unit_price=line.unit_price,
        amount=line.amount, taxable=bool(line.taxable), source=source,
    )


def _invoice_query():
    return (
        Invoice.select(Invoice, Customer, Batch)
        .join(Customer, on=(Invoice.customer == Customer.id))
        .switch(Invoice)
        .join(Batch, on=(Invoice.batch == Batch.id))
    )


def _assemble(invoices: list[Invoice]) -> list[InvoiceData]:
    """Attach lines (with contract names) to invoice rows fetched with their customer and batch."""
    lines: dict[int, list[InvoiceLineData]] = defaultdict(list)
    ids = [inv.id for inv in invoices]
    for chunk in chunked(ids, _CHUNK):
        query = (
            InvoiceLine.select(InvoiceLine, Contract.name.alias("contract_name"))
            .join(Contract, JOIN.LEFT_OUTER, on=(InvoiceLine.contract == Contract.id))
            .where(InvoiceLine.invoice.in_(chunk))
            .order_by(InvoiceLine.invoice, InvoiceLine.position)
            .objects()
        )
        for row in query:
            lines[row.invoice_id].append(_line_data(row, row.contract_name))
    out = []
    for inv in invoices:
        cust = inv.customer
        out.append(InvoiceData(
            number=inv.number, batch_id=inv.batch.id, batch_name=inv.batch.name,
            customer=CustomerInfo(
                id=cust.id, name=cust.name, region=cust.region, currency=cust.currency,
                email=cust.email or "", address=cust.address or "", tax_rate=cust.tax_rate,
            ),
            currency=inv.currency, issue_date=inv.issue_date, due_date=inv.due_date,
            subtotal=inv.subtotal, tax=inv.tax, total=inv.total, tax_rate=inv.tax_rate,
            status=inv.status, lines=tuple(lines.get(inv.id, ())), batch_period=inv.batch.period,
            exported_at=inv.exported_at,
        ))
    return out


def load_invoice(number: str) -> InvoiceData:
    """One invoice by number, or NotFoundError "no invoice INV-..."."""
    found = load_invoices([number])
    return found[0]


def load_invoices(numbers: Iterable[str]) -> list[InvoiceData]:
    """Invoices by number, in the order given (duplicates dropped); NotFoundError
    naming the first unknown number."""
    wanted = list(dict.fromkeys(str(n).strip() for n in numbers))
    rows: dict[str, Invoice] = {}
    for chunk in chunked(wanted, _CHUNK):
        for inv in _invoice_query().where(Invoice.number.in_(chunk)):
            rows[inv.number] = inv
    for number in wanted:
        if number not in rows:
            raise NotFoundError(f"no invoice {number}")
    return _assemble([rows[n] for n in wanted])


def find_batch(batch: int | str) -> Batch:
    """A batch by id (an int or digits) or by exact name, or NotFoundError."""
    found = None
    text = str(batch).strip()
    if text.isdigit():
        found = Batch.get_or_none(Batch.id == int(text))
    if found is None:
        found = Batch.get_or_none(Batch.name == text)
    if found is None:
        raise NotFoundError(f"no batch {text!r} (give its id or its exact name)")
    return found


def batch_invoices(batch: int | str, *, include_void: bool = False) -> list[InvoiceData]:
    """A batch's invoices in number order: the non-void ones unless include_void.
    ``void_invoice_numbers`` reports the void ones."""
    row = find_batch(batch)
    query = _invoice_query().where(Invoice.batch == row.id)
    if not include_void:
        query = query.where(Invoice.status != "void")
    return _assemble(list(query.order_by(Invoice.sequence)))


def void_invoice_numbers(batch: int | str) -> list[str]:
    row = find_batch(batch)
    query = (Invoice.select(Invoice.number).where((Invoice.batch == row.id) & (Invoice.status == "void"))
             .order_by(Invoice.sequence))
    return [n for (n,) in query.tuples()]


def export_settings() -> ExportSettings:
    """The exporters' settings, from the stored company settings (defaults where unset)."""
    values = _settings.all_settings()
    kinds = sorted({key.split(".", 1)[1] for key in values if key.startswith("income_account.")})
    return ExportSettings(
        company_name=values["company_name"],
        terms=values["invoice_terms"],
        home_region=values["home_region"],
        ar_account=values["ar_account"],
        sales_tax_account=values["sales_tax_account"],
        sales_tax_item=values["sales_tax_item"],
        income_accounts={k: values[f"income_account.{k}"] for k in kinds},
        item_names={k: values[f"item_name.{k}"] for k in kinds if f"item_name.{k}" in values},
        xero_account_code=values["xero_account_code"],
        xero_tax_type=values["xero_tax_type"],
        xero_tax_type_exempt=values["xero_tax_type_exempt"],
        date_formats={
            "qbo-csv": values["date_format.qbo-csv"],
            "qbd-iif": values["date_format.qbd-iif"],
            "xero-csv": _settings.xero_date_format(values),
        },
        qbo_vat_columns=bool(values["qbo_vat_columns"]),
        qbo_tax_code=values["qbo_tax_code"],
        qbo_tax_code_exempt=values["qbo_tax_code_exempt"],
    )
