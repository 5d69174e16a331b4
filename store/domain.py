"""Plain dataclasses the store's services return and the exporters and the
tui consume. No Peewee here: exporters and screens never see a database row.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


# --- invoices -------------------------------------------------------------

@dataclass(frozen=True)
class CustomerInfo:
    id: int
    name: str
    region: str
    currency: str
    email: str = ""
    address: str = ""
    tax_rate: Decimal = Decimal("0")


# InvoiceLineData and InvoiceData are not frozen: a batch export builds tens of
# thousands of them, and a frozen dataclass's __init__ (object.__setattr__ per
# field) took 5x as long (10 ms of a 2,000-invoice export). Nothing changes them.
@dataclass
class InvoiceLineData:
    position: int
    kind: str  # service_item | ticket | time_entry | expense | device | block | project
    contract: str  # contract name
    period: str
    description: str
    quantity: Decimal
    unit_price: int  # minor units
    amount: int  # minor units, = round_half_up(quantity * unit_price)
    taxable: bool
    source: str = ""  # e.g. "ticket:123"


@dataclass
class InvoiceData:
    number: str
    batch_id: int
    batch_name: str
    customer: CustomerInfo
    currency: str
    issue_date: dt.date
    due_date: dt.date
    subtotal: int
    tax: int
    total: int
    tax_rate: Decimal
    status: str  # issued | exported | void
    lines: tuple[InvoiceLineData, ...] = ()
    batch_period: str = ""
    exported_at: dt.datetime | None = None


def tax_rate_key(rate) -> str:
    """A tax rate as the text of a rate-specific setting key: 0.19 -> '0.19',
    Decimal('0.10') -> '0.1', 0.0825 -> '0.0825' (no exponent, no trailing zeros)."""
    value = Decimal(str(rate)).normalize()
    return format(value, "f") if value != 0 else "0"


@dataclass(frozen=True)
class ExportSettings:
    """What the export formats need from the company settings."""

    company_name: str = "My MSP"
    terms: str = "Net 30"
    home_region: str = "US"
    ar_account: str = "Accounts Receivable"
    sales_tax_account: str = "Sales Tax Payable"
    sales_tax_item: str = "Sales Tax"
    income_accounts: dict[str, str] = field(default_factory=dict)  # line kind -> account
    item_names: dict[str, str] = field(default_factory=dict)  # line kind -> item name
    xero_account_code: str = "200"
    xero_tax_type: str = "Tax on Sales"
    xero_tax_type_exempt: str = "Tax Exempt"
    date_formats: dict[str, str] = field(default_factory=dict)  # format name -> date format
    qbo_vat_columns: bool = False
    qbo_tax_code: str = "20.0% S"
    qbo_tax_code_exempt: str = "Exempt"
    # Rate-specific tax names: family ("xero_tax_type", "qbo_tax_code") -> rate key
    # (tax_rate_key: "0.19", "0.0825") -> name; a rate without one uses the field above.
    tax_names: dict[str, dict[str, str]] = field(default_factory=dict)

    def tax_name(self, family: str, rate) -> str | None:
        """The name set for ``family`` at this tax rate (``{family}.{rate}``), or None."""
        return self.tax_names.get(family, {}).get(tax_rate_key(rate))

    def income_account(self, kind: str) -> str:
        return self.income_accounts.get(kind, "Services Income")

    def item_name(self, kind: str) -> str:
        return self.item_names.get(kind, "Services")

    def date_format(self, fmt: str) -> str:
        default = "MM/DD/YYYY"
        if fmt == "xero-csv" and self.home_region != "US":
            default = "DD/MM/YYYY"
        return self.date_formats.get(fmt) or default


# --- batch planning -------------------------------------------------------

@dataclass(frozen=True)
class PlanItem:
    """One billable thing (or a derived charge such as block overage).

    ``ref`` is what ``--exclude`` takes: ``ticket:123``, ``expense:9``,
    ``service_item:5@2026-10``, ``device:7@2026-10``, ``block:7@2026-10``,
    ``overage:7@2026-10``, ``project:3``.
    """

    ref: str
    kind: str
    description: str
    quantity: Decimal
    unit_price: int
    amount: int
    currency: str
    taxable: bool
    locked: bool = False
    lock_reason: str = ""
    minutes: int = 0  # billable minutes behind a labour item
    minutes_worked: int = 0  # all minutes (billable or not) behind it
    children: tuple["PlanItem", ...] = ()  # time entries of a ticket, for display


@dataclass(frozen=True)
class PlanPeriod:
    ref: str  # contract:ID@PERIOD
    period: str
    start: dt.date
    end: dt.date  # exclusive
    locked: bool
    lock_reason: str
    items: tuple[PlanItem, ...]
    # block_hours contracts: the overage is derived from the selected tickets
    block_hours: Decimal | None = None
    overage_rate: int = 0


@dataclass(frozen=True)
class PlanContract:
    ref: str  # contract:ID
    id: int
    name: str
    type: str
    billing_period: str
    currency: str
    taxable: bool
    periods: tuple[PlanPeriod, ...]


@dataclass(frozen=True)
class PlanCustomer:
    ref: str  # customer:ID
    id: int
    name: str
    currency: str
    tax_rate: Decimal
    contracts: tuple[PlanContract, ...]


@dataclass(frozen=True)
class Plan:
    period: str
    detail: str
    customers: tuple[PlanCustomer, ...]
    left_out: tuple[str, ...] = ()  # e.g. "12 open tickets are not billable until closed"
    as_of: dt.date | None = None


# --- lists ----------------------------------------------------------------

@dataclass(frozen=True)
class BatchSummary:
    id: int
    name: str
    period: str
    status: str
    created_at: dt.datetime
    created_by: str
    invoice_count: int = 0
    invoice_numbers: tuple[str, ...] = ()
    totals: tuple[tuple[str, int], ...] = ()  # (currency, total minor)
    void_reason: str | None = None


@dataclass(frozen=True)
class InvoiceSummary:
    number: str
    batch_id: int
    batch_name: str
    customer: str
    currency: str
    issue_date: dt.date
    total: int
    status: str
    created_at: dt.datetime | None = None


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "invoice" | "batch"
    key: str  # invoice number or batch id
    title: str
    subtitle: str
    currency: str = ""
    amount: int = 0
    date: dt.date | None = None
