"""Company settings: a typed registry of keys with defaults, stored as text in
the ``setting`` table. ``batchbill settings show|set`` reads and writes these.

Add a key by adding a :class:`SettingSpec` to ``SPECS``; nothing else needs
to know about it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from store.errors import ValidationError
from store.models import Setting


def _int(text: str) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise ValidationError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise ValidationError(f"must not be negative: {text!r}")
    return value


def _bool(text: str) -> bool:
    low = str(text).strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ValidationError(f"not yes/no: {text!r}")


def _region(text: str) -> str:
    up = str(text).strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", up):
        raise ValidationError(f"region must be a two-letter code such as US, DE, UK: {text!r}")
    return up


def _prefix(text: str) -> str:
    value = str(text)
    if len(value) > 12 or any(c in value for c in "\t\r\n,"):
        raise ValidationError("invoice prefix: at most 12 characters, no commas, tabs or newlines")
    return value


def _date_format(text: str) -> str:
    value = str(text).strip().upper()
    if value not in ("MM/DD/YYYY", "DD/MM/YYYY", "YYYY-MM-DD", "MM/DD/YY"):
        raise ValidationError("date format must be MM/DD/YYYY, DD/MM/YYYY, MM/DD/YY or YYYY-MM-DD")
    return value


def _text(text: str) -> str:
    value = str(text)
    if any(c in value for c in "\t\r\n"):
        raise ValidationError("must not contain tabs or newlines")
    return value


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: str
    parse: Callable[[str], object]
    help: str


SPECS: dict[str, SettingSpec] = {}


def _spec(key, default, parse, help):
    SPECS[key] = SettingSpec(key, default, parse, help)


_spec("company_name", "My MSP", _text, "company name on exports and screens")
_spec("home_region", "US", _region, "region of the benchmark reference (US, DE, UK, AU...)")
_spec("invoice_prefix", "INV-", _prefix, "invoice number prefix")
_spec("next_invoice_number", "1", _int, "next invoice sequence number (gapless)")
_spec("invoice_number_digits", "6", _int, "zero-padded digits of the invoice sequence")
_spec("payment_terms_days", "30", _int, "days from issue to due date")
_spec("invoice_terms", "Net 30", _text, "terms text on exports (QBO Terms, IIF TERMS)")
# Export accounts and names (QuickBooks Desktop IIF must match QuickBooks exactly).
_spec("ar_account", "Accounts Receivable", _text, "A/R account (IIF TRNS)")
_spec("sales_tax_account", "Sales Tax Payable", _text, "sales-tax payable account (IIF)")
_spec("sales_tax_item", "Sales Tax", _text, "item name of the tax line")
for _kind, _label in (
    ("service_item", "Managed Services"),
    ("ticket", "Labor"),
    ("time_entry", "Labor"),
    ("expense", "Reimbursed Expenses"),
    ("device", "Device Monitoring"),
    ("block", "Block Hours"),
    ("project", "Project Services"),
):
    _spec(f"income_account.{_kind}", "Services Income" if _kind != "expense" else "Reimbursed Expenses",
          _text, f"income account of {_kind} lines (IIF SPL)")
    _spec(f"item_name.{_kind}", _label, _text, f"product/service item name of {_kind} lines")
_spec("xero_account_code", "200", _text, "Xero AccountCode of every line")
_spec("xero_tax_type", "Tax on Sales", _text, "Xero TaxType of taxable lines")
_spec("xero_tax_type_exempt", "Tax Exempt", _text, "Xero TaxType of untaxable lines")
_spec("date_format.qbo-csv", "MM/DD/YYYY", _date_format, "date format of QBO CSV files")
_spec("date_format.qbd-iif", "MM/DD/YYYY", _date_format, "date format of IIF files")
_spec("date_format.xero-csv", "", lambda t: _date_format(t) if str(t).strip() else "",
      "date format of Xero CSV files (empty: from the home region, US MM/DD/YYYY else DD/MM/YYYY)")
_spec("qbo_vat_columns", "no", _bool, "QBO CSV with *ItemTaxCode,ItemTaxAmount instead of Taxable,TaxRate")
_spec("qbo_tax_code", "20.0% S", _text, "QBO ItemTaxCode of taxable lines when qbo_vat_columns is on")
_spec("qbo_tax_code_exempt", "Exempt", _text, "QBO ItemTaxCode of untaxable lines")


def parse_value(key: str, value: str):
    spec = SPECS.get(key)
    if spec is None:
        raise ValidationError(f"unknown setting {key!r}; 'batchbill settings show' lists them")
    try:
        return spec.parse(value)
    except ValidationError as exc:
        raise ValidationError(f"setting {key}: {exc}") from None


def get(key: str):
    """The typed value of a setting (its default if never set)."""
    spec = SPECS[key]
    row = Setting.get_or_none(Setting.key == key)
    return spec.parse(row.value if row is not None else spec.default)


def set_value(key: str, value) -> object:
    """Validate and store a setting; returns the typed value."""
    typed = parse_value(key, str(value))
    text = str(value).strip() if not isinstance(typed, str) else typed
    if isinstance(typed, bool):
        text = "yes" if typed else "no"
    Setting.insert(key=key, value=str(text)).on_conflict(
        conflict_target=[Setting.key], update={Setting.value: str(text)}
    ).execute()
    return typed


def all_settings() -> dict[str, object]:
    stored = {row.key: row.value for row in Setting.select()}
    return {key: spec.parse(stored.get(key, spec.default)) for key, spec in SPECS.items()}


def settings_table() -> list[tuple[str, str, str]]:
    """(key, value, help) rows for display."""
    values = all_settings()
    return [(k, str(values[k]), SPECS[k].help) for k in SPECS]


def xero_date_format(values: dict | None = None) -> str:
    values = values or all_settings()
    fmt = values.get("date_format.xero-csv") or ""
    if fmt:
        return fmt
    return "MM/DD/YYYY" if values.get("home_region") == "US" else "DD/MM/YYYY"


def tax_rate_text(rate: Decimal) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%"
