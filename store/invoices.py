"""Invoices as domain dataclasses for the exporters and screens: one invoice,
a batch's invoices, and the export settings. A batch of thousands loads in a
few queries (invoices with customers and batches, then lines with contract
names, in chunks), never one query per invoice."""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from peewee import JOIN, chunked, fn

from store import settings as _settings
from store.rows import as_date as _date, as_datetime as _datetime, raw_rows as _raw
from store.domain import CustomerInfo, ExportSettings, InvoiceData, InvoiceLineData, Seller
from store.errors import NotFoundError
from store.models import CUSTOMER_IDENTITY_FIELDS, AuditEvent, Batch, Contract, Customer, Invoice, InvoiceLine

_CHUNK = 500








def _invoice_query():
    """Invoice header rows with their customer and batch, in :func:`_head` order."""
    return (
        Invoice.select(
            Invoice.id, Invoice.number, Invoice.batch, Batch.name, Batch.period,
            Customer.id, Customer.name, Customer.region, Customer.currency, Customer.email,
            Customer.address, Customer.tax_rate, Invoice.currency, Invoice.issue_date,
            Invoice.due_date, Invoice.subtotal, Invoice.tax, Invoice.total, Invoice.tax_rate,
            Invoice.status, Invoice.exported_at, Batch.voided_at,
            *[getattr(Customer, name) for name in CUSTOMER_IDENTITY_FIELDS],
        )
        .join(Customer, on=(Invoice.customer == Customer.id))
        .switch(Invoice)
        .join(Batch, on=(Invoice.batch == Batch.id))
    )


def _line_queries(ids: list[int], batch_id: int | None):
    """Lines with contract names: a whole batch in one query joined on its
    invoices, other sets of invoices in chunks of ids."""
    def select():
        return (
            InvoiceLine.select(
                InvoiceLine.invoice, InvoiceLine.position, InvoiceLine.kind, Contract.name,
                InvoiceLine.period, InvoiceLine.description, InvoiceLine.quantity,
                InvoiceLine.unit_price, InvoiceLine.amount, InvoiceLine.taxable,
                InvoiceLine.source_kind, InvoiceLine.source_id,
            )
            .join(Contract, JOIN.LEFT_OUTER, on=(InvoiceLine.contract == Contract.id))
            .order_by(InvoiceLine.invoice, InvoiceLine.position)
        )

    if batch_id is not None:
        yield (select().switch(InvoiceLine).join(Invoice, on=(InvoiceLine.invoice == Invoice.id))
               .where(Invoice.batch == batch_id))
        return
    for chunk in chunked(ids, _CHUNK):
        yield select().where(InvoiceLine.invoice.in_(chunk))


def _assemble(heads: list[tuple], batch_id: int | None = None) -> list[InvoiceData]:
    """Invoices from header rows of :func:`_invoice_query`, with their lines
    (and contract names); ``batch_id`` when the heads are that batch's.

    A batch has thousands of lines: the rows come in invoice order and are
    grouped as they come, positional arguments build the dataclasses, and each
    distinct quantity text becomes a Decimal once."""
    lines: dict[int, list[InvoiceLineData]] = {}
    quantities: dict[str, Decimal] = {}
    line = InvoiceLineData
    ids = [h[0] for h in heads]
    for query in _line_queries(ids, batch_id):
        current_id, current = None, None
        for (inv_id, position, kind, contract, period, description, quantity, unit_price, amount,
             taxable, source_kind, source_id) in _raw(query):
            if inv_id != current_id:
                current_id = inv_id
                current = lines.setdefault(inv_id, [])
            q = quantities.get(quantity)
            if q is None:
                q = quantities[quantity] = Decimal(quantity)
            current.append(line(
                position, kind, contract or "", period, description, q, int(unit_price), int(amount),
                bool(taxable), source_kind if source_id is None else f"{source_kind}:{source_id}",
            ))
    out = []
    alone = _voided_alone([h[0] for h in heads if h[19] == "void" and h[21] is None])
    customers: dict[tuple, CustomerInfo] = {}
    days: dict = {}
    stamps: dict = {}
    rates: dict = {}
    for (inv_id, number, batch_id, batch_name, batch_period, cust_id, cust_name, region,
         cust_currency, email, address, cust_tax, currency, issue_date, due_date, subtotal, tax,
         total, tax_rate, status, exported_at, voided_at, *identity) in heads:
        key = (cust_id, cust_name, region, cust_currency, email, address, cust_tax, *identity)
        customer = customers.get(key)
        if customer is None:
            customer = customers[key] = CustomerInfo(
                cust_id, cust_name, region, cust_currency, email or "", address or "", Decimal(cust_tax),
                *[value or "" for value in identity],
            )
        issued = days.get(issue_date)
        if issued is None:
            issued = days[issue_date] = _date(issue_date)
        due = days.get(due_date)
        if due is None:
            due = days[due_date] = _date(due_date)
        rate = rates.get(tax_rate)
        if rate is None:
            rate = rates[tax_rate] = Decimal(tax_rate)
        stamp = stamps.get(exported_at)  # a batch's invoices share their export time
        if stamp is None and exported_at is not None:
            stamp = stamps[exported_at] = _datetime(exported_at)
        out.append(InvoiceData(
            number, batch_id, batch_name, customer, currency, issued, due, int(subtotal), int(tax),
            int(total), rate, status, tuple(lines.get(inv_id, ())), batch_period, stamp,
            (_datetime(voided_at) if voided_at is not None else alone.get(inv_id)) if status == "void" else None,
        ))
    return out


def _voided_alone(ids: list[int]) -> dict:
    """When each invoice voided on its own (its batch still saved) was voided: the time
    of its ``invoice.void`` audit event (the credit note's date)."""
    if not ids:
        return {}
    found = {}
    subjects = {f"invoice:{i}": i for i in ids}
    for chunk in chunked(list(subjects), _CHUNK):
        for at, subject in (AuditEvent.select(AuditEvent.at, AuditEvent.subject)
                            .where((AuditEvent.action == "invoice.void") & AuditEvent.subject.in_(chunk))
                            .order_by(AuditEvent.at).tuples()):
            found[subjects[subject]] = _datetime(at)
    return found


def load_invoice(number: str) -> InvoiceData:
    """One invoice by number, or NotFoundError "no invoice INV-..."."""
    found = load_invoices([number])
    return found[0]


def load_invoices(numbers: Iterable[str]) -> list[InvoiceData]:
    """Invoices by number, in the order given (duplicates dropped); NotFoundError
    naming the first unknown number."""
    wanted = list(dict.fromkeys(str(n).strip() for n in numbers))
    rows: dict[str, tuple] = {}
    for chunk in chunked(wanted, _CHUNK):
        for head in _raw(_invoice_query().where(Invoice.number.in_(chunk))):
            rows[head[1]] = head
    for number in wanted:
        if number not in rows:
            # People type "ns-000287" for NS-000287: a number is unique whatever its case.
            head = _raw(_invoice_query().where(fn.LOWER(Invoice.number) == number.lower()))
            if not head:
                raise NotFoundError(f"no invoice {number}")
            rows[number] = head[0]
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
    return _assemble(_raw(query.order_by(Invoice.sequence)), batch_id=row.id)


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
        qbo_columns=values["qbo_columns"],
        iif_name_limit=int(values["iif_name_limit"]),
        seller=Seller(
            name=values["company_name"], legal_name=values["seller_legal_name"],
            street=values["seller_street"], street2=values["seller_street2"], city=values["seller_city"],
            postcode=values["seller_postcode"], country=values["seller_country"] or _country(values["home_region"]),
            vat_id=values["seller_vat_id"], tax_id=values["seller_tax_id"],
            company_id=values["seller_company_id"], endpoint=values["seller_endpoint"],
            endpoint_scheme=values["seller_endpoint_scheme"], email=values["seller_email"],
            phone=values["seller_phone"], iban=values["seller_iban"], bic=values["seller_bic"],
            payment_note=values["payment_note"],
        ),
        page_size=values["pdf_page_size"] or ("Letter" if values["home_region"] in ("US", "CA") else "A4"),
    )


def _country(region: str) -> str:
    return "GB" if region == "UK" else region
