"""Invoices as the exporters and screens see them, and the export settings."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from store.domain import tax_rate_key


@dataclass(frozen=True)
class CustomerInfo:
    id: int
    name: str
    region: str
    currency: str
    email: str = ""
    address: str = ""
    tax_rate: Decimal = Decimal("0")
    # E-invoice identity: structured address, VAT treatment, Peppol electronic address.
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    postcode: str = ""
    country_code: str = ""  # ISO 3166-1; empty: the region (UK -> GB)
    vat_id: str = ""
    endpoint_id: str = ""
    endpoint_scheme: str = ""
    buyer_reference: str = ""
    vat_category: str = ""  # S Z E AE G O; empty: S when the rate is above 0
    vat_exemption_reason: str = ""

    @property
    def country(self) -> str:
        """The customer's country code: the address's, else the region's (UK is GB)."""
        code = self.country_code or self.region
        return "GB" if code == "UK" else code

    @property
    def category(self) -> str:
        """The VAT category of its taxed lines: the one set, else S when it is taxed, else ''."""
        if self.vat_category:
            return self.vat_category
        return "S" if Decimal(self.tax_rate) > 0 else ""


@dataclass(frozen=True)
class Seller:
    """The shop as it appears on customer invoices (settings seller_*)."""

    name: str = "My MSP"  # trading name (company_name)
    legal_name: str = ""
    street: str = ""
    street2: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""
    vat_id: str = ""
    tax_id: str = ""
    company_id: str = ""
    endpoint: str = ""
    endpoint_scheme: str = ""
    email: str = ""
    phone: str = ""
    iban: str = ""
    bic: str = ""
    payment_note: str = ""

    @property
    def registered_name(self) -> str:
        return self.legal_name or self.name


# InvoiceLineData and InvoiceData are not frozen: a batch export builds tens of
# thousands of them, and a frozen dataclass's __init__ (object.__setattr__ per
# field) took several times as long. Nothing changes them.
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
    voided_at: dt.datetime | None = None  # when the invoice (or its batch) was voided


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
    qbo_columns: str = "sample"  # "sample": *InvoiceNo...; "auto": the names QBO maps itself
    iif_name_limit: int = 41  # QuickBooks Desktop's customer name length
    # Rate-specific tax names: family ("xero_tax_type", "qbo_tax_code") -> rate key
    # (tax_rate_key: "0.19", "0.0825") -> name; a rate without one uses the field above.
    tax_names: dict[str, dict[str, str]] = field(default_factory=dict)
    seller: Seller = field(default_factory=Seller)
    page_size: str = "A4"  # PDF paper: A4 | Letter

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
