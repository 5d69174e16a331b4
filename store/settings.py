"""Company settings: a typed registry of keys with defaults, stored as text in
the ``setting`` table. ``batchbill settings show|set`` reads and writes these.

Add a key by adding a :class:`SettingSpec` to ``SPECS``; nothing else needs
to know about it.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from store.domain import tax_rate_key
from store.errors import ValidationError
from store.models import Setting


# Each parser returns the typed value or raises ValidationError with what is
# accepted ("a whole number, 0 or more"); parse_value() names the key and value.

def _int(text: str) -> int:
    digits = str(text).strip()
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 12):  # no '١٢', '1_000', '+5'
        raise ValidationError("a whole number, 0 or more")
    value = int(digits)
    if value < 0:
        raise ValidationError("a whole number, 0 or more")
    return value


def _bool(text: str) -> bool:
    low = str(text).strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ValidationError("yes or no")


from store.identity import ISO_3166_ALPHA2  # noqa: E402  (kept importable from here)


def _region(text: str) -> str:
    up = str(text).strip().upper()
    if up not in ISO_3166_ALPHA2:
        raise ValidationError("an ISO 3166-1 two-letter country code such as US, DE, GB (or UK), AU")
    return up


PREFIX_MAX = 12


def _prefix(text: str) -> str:
    value = str(text)
    if len(value) > PREFIX_MAX or any(c in value for c in "\t\r\n,"):
        raise ValidationError(f"at most {PREFIX_MAX} characters, without commas, tabs or newlines")
    return value


DATE_FORMATS = ("MM/DD/YYYY", "DD/MM/YYYY", "MM/DD/YY", "YYYY-MM-DD")


def _date_format(text: str) -> str:
    value = str(text).strip().upper()
    if value not in DATE_FORMATS:
        raise ValidationError(f"one of {', '.join(DATE_FORMATS)}")
    return value


# Xero's invoice import reads dates in the organisation's region format only.
XERO_DATE_FORMATS = ("DD/MM/YYYY", "MM/DD/YYYY")


def _xero_date_format(text: str) -> str:
    value = str(text).strip().upper()
    if value not in XERO_DATE_FORMATS:
        raise ValidationError(f"one of {', '.join(XERO_DATE_FORMATS)} (the formats Xero's import reads)")
    return value


QBO_COLUMNS = ("sample", "auto")


def _qbo_columns(text: str) -> str:
    value = str(text).strip().lower()
    if value not in QBO_COLUMNS:
        raise ValidationError("sample (Intuit's sample file: *InvoiceNo, *InvoiceDate...) or auto (the names "
                              "QuickBooks Online maps by itself: *Invoice number, *Invoice date...)")
    return value


def _name_limit(text: str) -> int:
    value = _int(text)
    if not 10 <= value <= 200:
        raise ValidationError("a whole number from 10 to 200")
    return value


def _text(text: str) -> str:
    value = str(text)
    if any(c in value for c in "\t\r\n"):
        raise ValidationError("one line of text, without tabs or newlines")
    return value


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: str
    parse: Callable[[str], object]
    help: str
    # A default computed from the other settings' values while the key is not
    # set explicitly (invoice_terms: "Net {payment_terms_days}").
    derive: Callable[[dict], str] | None = None
    derived_help: str = ""


SPECS: dict[str, SettingSpec] = {}


def _spec(key, default, parse, help, derive=None, derived_help=""):
    SPECS[key] = SettingSpec(key, default, parse, help, derive, derived_help)


_spec("company_name", "My MSP", _text, "company name on exports and screens")
_spec("home_region", "US", _region, "region of the benchmark reference (US, DE, UK, AU...)")
_spec("invoice_prefix", "INV-", _prefix, "invoice number prefix")
_spec("next_invoice_number", "1", _int, "next invoice sequence number (only forward past the last issued)")
_spec("invoice_number_digits", "6", _int, "zero-padded digits of the invoice sequence")
_spec("payment_terms_days", "30", _int, "days from issue to due date")
_spec("invoice_terms", "Net 30", _text, "terms text on exports (QBO Terms, IIF TERMS)",
      derive=lambda values: f"Net {values['payment_terms_days']}",
      derived_help="Net {payment_terms_days}")
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
_spec("date_format.xero-csv", "", lambda t: _xero_date_format(t) if str(t).strip() else "",
      "date format of Xero CSV files, DD/MM/YYYY or MM/DD/YYYY (Xero's import takes only these; "
      "empty: from the home region, US MM/DD/YYYY else DD/MM/YYYY)")
_spec("qbo_vat_columns", "no", _bool, "QBO CSV with *ItemTaxCode,ItemTaxAmount instead of Taxable,TaxRate")
_spec("qbo_tax_code", "20.0% S", _text, "QBO ItemTaxCode of taxable lines when qbo_vat_columns is on")
_spec("qbo_tax_code_exempt", "Exempt", _text, "QBO ItemTaxCode of untaxable lines")
_spec("qbo_columns", "sample", _qbo_columns, "QBO CSV column names: sample (*InvoiceNo... of Intuit's sample "
      "file) or auto (*Invoice number... that QBO maps itself, per Intuit's answer for QBO Canada)")
_spec("iif_name_limit", "41", _name_limit, "longest customer name QuickBooks Desktop takes (IIF); longer or "
      "non-cp1252 names get a unique IIF name ending in ~<customer id>")

# Seller identity on customer invoices (PDF, UBL, Factur-X): EN 16931 business terms in brackets.
from store import identity as _id  # noqa: E402


_spec("seller_legal_name", "", _id.one_line, "seller's registered legal name (BT-27; empty: company_name)")
_spec("seller_street", "", _id.one_line, "seller's street and number (BT-35)")
_spec("seller_street2", "", _id.one_line, "seller's second address line (BT-36)")
_spec("seller_city", "", _id.one_line, "seller's city (BT-37)")
_spec("seller_postcode", "", _id.one_line, "seller's post code (BT-38)")
_spec("seller_country", "", _id.optional_country, "seller's country code (BT-40), e.g. NL, DE, BE, US")
_spec("seller_vat_id", "", _id.vat_id, "seller's VAT id with country prefix (BT-31), e.g. NL123456789B01")
_spec("seller_tax_id", "", _id.one_line, "seller's tax registration other than VAT, e.g. DE Steuernummer or US EIN (BT-32)")
_spec("seller_company_id", "", _id.one_line, "seller's company registration number, e.g. KvK, HRB, KBO (BT-30)")
_spec("seller_endpoint", "", _id.one_line, "seller's Peppol electronic address (BT-34), e.g. 0106:12345678 is "
      "seller_endpoint 12345678 with seller_endpoint_scheme 0106")
_spec("seller_endpoint_scheme", "", _id.eas_scheme, "scheme of seller_endpoint (EAS code: 0106 NL KvK, 0208 BE, "
      "9930 DE VAT, 0088 GLN, 0060 DUNS...)")
_spec("seller_email", "", _id.one_line, "seller's contact e-mail on invoices (BT-43)")
_spec("seller_phone", "", _id.one_line, "seller's contact phone on invoices (BT-42)")
_spec("seller_iban", "", _id.iban, "IBAN customers pay to (BT-84), checked with its check digits")
_spec("seller_bic", "", _id.bic, "BIC of seller_iban's bank (BT-86)")
_spec("payment_note", "", _id.one_line, "payment instructions on invoices when there is no IBAN, "
      "or in addition to it (e.g. 'Pay by ACH to ...')")
_spec("pdf_page_size", "", lambda t: _page_size(t), "PDF paper size: A4 or Letter (empty: Letter for a US or CA "
      "seller, else A4)")


def _page_size(text: str) -> str:
    value = str(text).strip().lower()
    if not value:
        return ""
    if value not in ("a4", "letter"):
        raise ValidationError("A4 or Letter")
    return "A4" if value == "a4" else "Letter"


# --- key families: one setting per suffix (xero_tax_type.0.19) -------------

@dataclass(frozen=True)
class SettingFamily:
    """Keys ``{name}.{suffix}`` whose suffix is validated and normalised
    (``xero_tax_type.19%`` is stored as ``xero_tax_type.0.19``). Unset, or set
    to an empty value, a member falls back to the setting ``fallback``."""

    name: str
    suffix_label: str  # shown in the pattern key: xero_tax_type.<rate>
    suffix: Callable[[str], str]  # normalised suffix, or ValidationError(what is accepted)
    parse: Callable[[str], object]
    help: str  # with {suffix} for a member's meaning
    fallback: str
    example: str  # a member and value for the help: xero_tax_type.0.19 '19% (VAT on Income)'


FAMILIES: dict[str, SettingFamily] = {}


def _rate_suffix(text: str) -> str:
    """A tax rate as a fraction (0.19, .0825) or a percentage (19%, 8.25%),
    more than 0 and less than 1, as its key text ('0.19')."""
    raw = str(text).strip()
    try:
        rate = Decimal(raw[:-1].strip()) / 100 if raw.endswith("%") else Decimal(raw)
    except ArithmeticError:
        rate = None
    if rate is None or not rate.is_finite() or not 0 < rate < 1:
        raise ValidationError("a tax rate above 0 and below 1 as a fraction (0.19) or a percentage (19%)")
    return tax_rate_key(rate)


def _family(name, suffix_label, suffix, parse, help, fallback, example):
    FAMILIES[name] = SettingFamily(name, suffix_label, suffix, parse, help, fallback, example)


def _family_of(key: str) -> tuple[SettingFamily, str] | None:
    name, dot, rest = key.partition(".")
    family = FAMILIES.get(name)
    return (family, rest) if family is not None and dot else None


def resolve(key: str) -> SettingSpec:
    """The spec of ``key``: a fixed key, or a family member with its normalised
    key (``xero_tax_type.19%`` -> ``xero_tax_type.0.19``, default empty = the
    fallback). An unknown key or a bad suffix: one ValidationError."""
    spec = SPECS.get(key)
    if spec is not None:
        return spec
    found = _family_of(key)
    if found is None:
        raise ValidationError(f"unknown setting {key!r}; 'batchbill settings show' lists them")
    family, suffix = found
    try:
        norm = family.suffix(suffix)
    except ValidationError as exc:
        raise ValidationError(
            f"setting {key}: {suffix!r} is not accepted after '{family.name}.'; expected {exc}"
        ) from None
    return SettingSpec(f"{family.name}.{norm}", "", family.parse,
                       family.help.format(suffix=tax_rate_text(Decimal(norm)))
                       + f" (empty: {family.fallback})")


def family_values(stored: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    """Every set family member: family name -> normalised suffix -> value (empty
    values are not set). Stored keys no longer valid are skipped."""
    stored = _stored() if stored is None else stored
    out: dict[str, dict[str, str]] = {name: {} for name in FAMILIES}
    for key, value in stored.items():
        found = _family_of(key)
        if found is None or key in SPECS or not value:
            continue
        family, suffix = found
        try:
            out[family.name][family.suffix(suffix)] = family.parse(value)
        except ValidationError:
            continue
    return out


def tax_names() -> dict[str, dict[str, str]]:
    """ExportSettings.tax_names: rate-specific Xero tax types and QBO tax codes."""
    return family_values()


# Rate-specific names: Xero and QBO compute tax from the tax type/code, so each
# rate batchbill charges needs the name of the same rate in the accounting system.
_family("xero_tax_type", "rate", _rate_suffix, _text,
        "Xero TaxType of taxable lines of invoices taxed at {suffix}", "xero_tax_type",
        "xero_tax_type.0.19 '19% (VAT on Income)'")
_family("qbo_tax_code", "rate", _rate_suffix, _text,
        "QBO ItemTaxCode of taxable lines of invoices taxed at {suffix}", "qbo_tax_code",
        "qbo_tax_code.0.19 '19.0% S'")


def parse_value(key: str, value: str):
    """The typed value of ``value`` for ``key``, or one ValidationError naming
    the key, the value and what is accepted."""
    spec = resolve(key)
    try:
        return spec.parse(value)
    except ValidationError as exc:
        raise ValidationError(f"setting {key}: {str(value)!r} is not accepted; expected {exc}") from None


def _stored() -> dict[str, str]:
    return {row.key: row.value for row in Setting.select()}


def _parse_stored(spec: SettingSpec, text: str):
    try:
        return spec.parse(text)
    except ValidationError as exc:
        raise ValidationError(
            f"stored setting {spec.key} is {text!r}, which is no longer accepted (expected {exc}); "
            f"set it again with 'batchbill settings set {spec.key} VALUE'"
        ) from None


def _values(stored: dict[str, str]) -> dict[str, object]:
    values = {key: _parse_stored(spec, stored.get(key, spec.default)) for key, spec in SPECS.items()}
    for key, spec in SPECS.items():
        if spec.derive is not None and key not in stored:
            values[key] = spec.parse(spec.derive(values))
    return values


def get(key: str):
    """The typed value of a setting (its default if never set; for a family
    member, empty if not set)."""
    spec = resolve(key)
    key = spec.key
    if spec.derive is not None:
        return all_settings()[key]
    row = Setting.get_or_none(Setting.key == key)
    return _parse_stored(spec, row.value if row is not None else spec.default)


def set_value(key: str, value) -> object:
    """Validate and store a setting; returns the typed value. A family member
    (``xero_tax_type.0.19``) is stored under its normalised key; an empty value
    removes it (back to the fallback setting)."""
    typed = parse_value(key, str(value))
    key = resolve(key).key
    text = str(value).strip() if not isinstance(typed, str) else typed
    if isinstance(typed, bool):
        text = "yes" if typed else "no"
    if key not in SPECS and text == "":
        Setting.delete().where(Setting.key == key).execute()
        return typed
    if key == "next_invoice_number":
        _set_next_number(int(typed))
        return typed
    Setting.insert(key=key, value=str(text)).on_conflict(
        conflict_target=[Setting.key], update={Setting.value: str(text)}
    ).execute()
    return typed


def _set_next_number(value: int) -> None:
    """The next invoice number moves only forward past the last issued one: a
    lower value would reuse numbers and is refused naming the last; a higher
    one leaves numbers unused (a gap), which is audited with who and when."""
    import json

    from peewee import fn

    from store.audit import current_actor
    from store.db import db
    from store.models import AuditEvent, Invoice

    with db.atomic():
        last = (Invoice.select(Invoice.number, Invoice.sequence).order_by(Invoice.sequence.desc())
                .limit(1).tuples().first())
        if value < 1:
            raise ValidationError("setting next_invoice_number: at least 1")
        if last is not None and value <= last[1]:
            raise ValidationError(
                f"setting next_invoice_number: {value} would reuse invoice numbers: the last issued "
                f"is {last[0]} (sequence {last[1]}); give at least {last[1] + 1}")
        row = Setting.get_or_none(Setting.key == "next_invoice_number")
        before = int(row.value) if row is not None else int(SPECS["next_invoice_number"].default)
        highest = Invoice.select(fn.MAX(Invoice.sequence)).scalar() or 0
        Setting.insert(key="next_invoice_number", value=str(value)).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: str(value)}).execute()
        if value != before:
            AuditEvent.create(actor=current_actor(), action="settings.next_invoice_number",
                              subject="setting:next_invoice_number",
                              details=json.dumps({"from": before, "to": value, "last_issued": highest,
                                                  "skipped": max(0, value - max(before, highest + 1))},
                                                 sort_keys=True))


def all_settings() -> dict[str, object]:
    return _values(_stored())


def display(value) -> object:
    """A value as ``settings set`` takes it: booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def settings_rows() -> list[dict]:
    """{key, value, meaning, derived} per setting, for ``settings show``: the
    value as ``settings set`` takes it; ``derived`` is true where the value is
    computed from other settings because the key was never set."""
    stored = _stored()
    values = _values(stored)
    rows = []
    for key, spec in SPECS.items():
        derived = spec.derive is not None and key not in stored
        meaning = spec.help
        if spec.derive is not None:
            meaning += (f" [derived: {spec.derived_help}, until set]" if derived
                        else f" [set explicitly; default {spec.derived_help}]")
        rows.append({"key": key, "value": display(values[key]), "meaning": meaning, "derived": derived})
        for family in FAMILIES.values():
            if family.fallback != key:
                continue
            rows.append({
                "key": f"{family.name}.<{family.suffix_label}>", "value": "",
                "meaning": family.help.format(suffix=f"<{family.suffix_label}>")
                + f"; unset: {family.fallback} (e.g. settings set {family.example})",
                "derived": False, "pattern": True,
            })
            members = family_values(stored)[family.name]
            for suffix in sorted(members, key=Decimal):
                rows.append({"key": f"{family.name}.{suffix}", "value": members[suffix],
                             "meaning": family.help.format(suffix=tax_rate_text(Decimal(suffix))),
                             "derived": False})
    return rows


def settings_table() -> list[tuple[str, str, str]]:
    """(key, value, help) rows for display."""
    return [(row["key"], str(row["value"]), row["meaning"]) for row in settings_rows()]


def xero_date_format(values: dict | None = None) -> str:
    values = values or all_settings()
    fmt = values.get("date_format.xero-csv") or ""
    if fmt:
        return fmt
    return "MM/DD/YYYY" if values.get("home_region") == "US" else "DD/MM/YYYY"


def tax_rate_text(rate: Decimal) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%"
