"""The columns of each import kind, defined once: names, types, whether
required, meanings; they also generate the documentation tables
(:func:`columns_markdown`)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# The documented ranges live in store.limits (billing's guard uses them too).
from store.limits import (  # noqa: F401 (re-exported: cells, docs tests)
    BLOCK_HOURS_MAX,
    BLOCK_HOURS_PLACES,
    DEVICE_COUNT_MAX,
    FIRST_DATE,
    LAST_DATE,
    MINUTES_MAX,
    MONEY_MAX,
    QUANTITY_MAX,
    QUANTITY_PLACES,
    RATE_PLACES,
)
from store.models import (
    BILLING_PERIODS,
    CONTRACT_TYPES,
    Contract,
    Customer,
    Expense,
    ServiceItem,
    Ticket,
    TimeEntry,
)

IMPORT_ORDER = ("customers", "contracts", "service-items", "tickets", "time-entries", "expenses")
IMPORTABLE_TICKET_STATUSES = ("open", "closed")
MAX_SHOWN_PROBLEMS = 50
_CHUNK = 200  # rows per INSERT / IN (...) list: well under SQLite's variable limit


@dataclass(frozen=True)
class Column:
    """One CSV column: its name, type, whether it is required, what it means."""

    name: str
    type: str  # text date datetime money decimal rate int bool currency region enum ref
    required: bool
    meaning: str
    choices: tuple[str, ...] = ()
    ref: str = ""  # the kind an external id column refers to
    max_length: int = 0
    default: object = None
    high: Decimal | int | None = None  # the largest value accepted (numbers; all are >= 0)
    places: int | None = None  # most decimals accepted (decimal, rate); money: the currency's




def _c(name, type_, required, meaning, **kw) -> Column:
    if type_ == "money":
        kw.setdefault("high", MONEY_MAX)
    if type_ == "rate":
        kw.setdefault("places", RATE_PLACES)
    return Column(name, type_, required, meaning, **kw)


_EXT = _c("external_id", "text", True, "the record's id in the source system; a re-import updates "
          "the record with this id", max_length=200)

SPECS: dict[str, tuple[Column, ...]] = {
    "customers": (
        _EXT,
        _c("name", "text", True, "customer name, unique", max_length=200),
        _c("region", "region", True, "country/region code, 2 letters (US, CA, UK, DE, FR, NL, AU, IL...)"),
        _c("currency", "currency", True, "invoicing currency, ISO 4217 (USD, EUR, GBP, JPY...)"),
        _c("email", "text", False, "billing e-mail address", max_length=200, default=""),
        _c("address", "text", False, "postal address (may span lines inside quotes)", default=""),
        _c("tax_rate", "rate", False, "sales tax / VAT rate as a fraction (0.0825) or a percentage "
           "(8.25%)", default=Decimal("0")),
        _c("active", "bool", False, "whether the customer is billed", default=True),
        # E-invoice identity (optional; checked as `batchbill customer set` checks them)
        _c("address_line1", "text", False, "street and number (e-invoices: BT-50)", max_length=200, default=""),
        _c("address_line2", "text", False, "second address line (BT-51)", max_length=200, default=""),
        _c("city", "text", False, "city (BT-52)", max_length=100, default=""),
        _c("postcode", "text", False, "post code (BT-53)", max_length=30, default=""),
        _c("country_code", "text", False, "ISO 3166 country code of the address (BT-55); empty: the region",
           max_length=2, default=""),
        _c("vat_id", "text", False, "VAT id with its country prefix, e.g. DE123456789 (BT-48)", max_length=30,
           default=""),
        _c("endpoint_id", "text", False, "Peppol electronic address (BT-49), with endpoint_scheme",
           max_length=200, default=""),
        _c("endpoint_scheme", "text", False, "EAS scheme of endpoint_id: 0106 NL KvK, 0208 BE, 9930 DE VAT, "
           "0088 GLN, 0060 DUNS...", max_length=10, default=""),
        _c("buyer_reference", "text", False, "buyer reference the customer asks for on invoices (BT-10)",
           max_length=200, default=""),
        _c("vat_category", "text", False, "VAT category: S standard, Z zero, E exempt, AE reverse charge, "
           "G export, O not subject; empty: S when taxed; must agree with tax_rate", max_length=2, default=""),
        _c("vat_exemption_reason", "text", False, "why no VAT is charged (BT-120), required for category E",
           max_length=200, default=""),
    ),
    "contracts": (
        _EXT,
        _c("customer_external_id", "ref", True, "external_id of the customer", ref="customers"),
        _c("name", "text", True, "contract name, unique per customer", max_length=200),
        _c("type", "enum", True, "contract type", choices=CONTRACT_TYPES),
        _c("currency", "currency", False, "contract currency; default: the customer's currency"),
        _c("billing_period", "enum", False, "how often it is billed; default monthly",
           choices=BILLING_PERIODS, default="monthly"),
        _c("start_date", "date", True, "first day of the contract"),
        _c("end_date", "date", False, "last day of the contract; empty = open-ended"),
        _c("taxable", "bool", False, "whether its lines are taxed; default yes", default=True),
        _c("hourly_rate", "money", False, "per hour (hourly: required)", default=0),
        _c("block_hours", "decimal", False, "hours included per period (block_hours: required)",
           high=BLOCK_HOURS_MAX, places=BLOCK_HOURS_PLACES,
           default=Decimal("0")),
        _c("block_fee", "money", False, "fee per period for the block (block_hours: required)", default=0),
        _c("overage_rate", "money", False, "per hour over the block (block_hours)", default=0),
        _c("device_count", "int", False, "devices under management (per_device)", default=0,
           high=DEVICE_COUNT_MAX),
        _c("device_rate", "money", False, "per device per period (per_device: required)", default=0),
        _c("fixed_fee", "money", False, "one-time fee (project_fixed: required)", default=0),
        _c("active", "bool", False, "whether the contract is billed; default yes", default=True),
    ),
    "service-items": (
        _EXT,
        _c("contract_external_id", "ref", True, "external_id of the contract", ref="contracts"),
        _c("description", "text", True, "what the customer sees on the invoice line", max_length=300),
        _c("quantity", "decimal", False, "quantity per period; default 1", default=Decimal("1"),
           high=QUANTITY_MAX, places=QUANTITY_PLACES),
        _c("unit_price", "money", True, "price per unit per period, in the contract's currency"),
        _c("active", "bool", False, "whether it is billed; default yes", default=True),
    ),
    "tickets": (
        _EXT,
        _c("number", "text", True, "ticket number shown on invoices, unique", max_length=50),
        _c("customer_external_id", "ref", True, "external_id of the customer", ref="customers"),
        _c("contract_external_id", "ref", False, "external_id of the contract (of that customer) "
           "it is billed under", ref="contracts"),
        _c("title", "text", True, "ticket title", max_length=300),
        _c("status", "enum", True, "open or closed (only closed tickets are billable; 'billed' is "
           "set by saving a batch, never imported)", choices=IMPORTABLE_TICKET_STATUSES),
        _c("opened_at", "datetime", True, "when it was opened"),
        _c("closed_at", "datetime", False, "when it was closed; required when status is closed"),
    ),
    "time-entries": (
        _EXT,
        _c("ticket_external_id", "ref", True, "external_id of the ticket", ref="tickets"),
        _c("technician", "text", True, "who did the work", max_length=100),
        _c("started_at", "datetime", True, "when the work started"),
        _c("minutes", "int", True, "minutes worked (at most a week per entry)", high=MINUTES_MAX),
        _c("billable", "bool", False, "whether the time is billed; default yes", default=True),
        _c("note", "text", False, "work note", default=""),
    ),
    "expenses": (
        _EXT,
        _c("contract_external_id", "ref", True, "external_id of the contract it is billed under "
           "(the customer is the contract's)", ref="contracts"),
        _c("ticket_external_id", "ref", False, "external_id of a ticket of the same customer",
           ref="tickets"),
        _c("date", "date", True, "date of the expense"),
        _c("description", "text", True, "what the customer sees on the invoice line", max_length=300),
        _c("amount", "money", True, "amount in the contract's currency, >= 0"),
        _c("billable", "bool", False, "whether it is billed; default yes", default=True),
    ),
}
KINDS = tuple(SPECS)

_MODELS = {
    "customers": Customer, "contracts": Contract, "service-items": ServiceItem,
    "tickets": Ticket, "time-entries": TimeEntry, "expenses": Expense,
}

_TYPE_LABELS = {
    "text": "text",
    "date": "date YYYY-MM-DD, 2000-01-01 to 2100-12-31",
    "datetime": "date-time ISO 8601 (YYYY-MM-DDTHH:MM[:SS][+HH:MM]), 2000-01-01 to 2100-12-31",
    "money": "money (e.g. 1250.00; no symbol, no thousands separator)",
    "decimal": "decimal (e.g. 1.5)",
    "rate": "fraction or percentage (0.0825 or 8.25%), 0 to under 1 (100%), at most 6 decimals as a fraction",
    "int": "whole number",
    "bool": "yes/no (also true/false, 1/0)",
    "currency": "currency code (ISO 4217)",
    "region": "2 letters",
}


def type_label(column: Column) -> str:
    if column.type == "enum":
        return "one of: " + ", ".join(column.choices)
    if column.type == "ref":
        return f"external_id of {column.ref}"
    label = _TYPE_LABELS[column.type]
    if column.high is not None:
        label += f", 0 to {column.high:,}"
    if column.type == "money":
        label += ", at most the currency's decimals"
    elif column.places is not None and column.type != "rate":
        label += f", at most {column.places} decimals"
    return label


def columns_markdown(kind: str) -> str:
    """The documentation table of a kind's columns (the README's import section shows it)."""
    lines = ["| column | required | type | meaning |", "|---|---|---|---|"]
    for col in SPECS[kind]:
        lines.append(
            f"| `{col.name}` | {'yes' if col.required else 'no'} | {type_label(col)} | {col.meaning} |"
        )
    return "\n".join(lines)


def ranges_markdown() -> str:
    """The documentation table of every numeric column's range (docs/importing.md
    shows it; a test keeps the two equal)."""
    lines = ["| kind | column | accepted | decimals |", "|---|---|---|---|"]
    for kind, columns in SPECS.items():
        for col in columns:
            if col.type not in ("money", "decimal", "int", "rate"):
                continue
            if col.type == "rate":
                accepted = "0 to under 1 (0% to under 100%)"
                decimals = f"{col.places} as a fraction, {col.places - 2} as a percentage"
            else:
                accepted = f"0 to {col.high:,}"
                decimals = ("the currency's (USD 2, JPY 0, BHD 3)" if col.type == "money"
                            else "none" if col.type == "int" else str(col.places))
            lines.append(f"| {kind} | `{col.name}` | {accepted} | {decimals} |")
    return "\n".join(lines)

