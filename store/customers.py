"""A customer's invoice identity (structured address, VAT id and treatment,
Peppol electronic address, buyer reference): shown and changed one field at a
time, each value checked where it is entered. ``batchbill customer show|set``
calls these."""
from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from store import identity as _id
from store.identity import treatment_problem
from store.audit import current_actor
from store.db import db
from store.errors import NotFoundError, ValidationError
from store.models import CUSTOMER_IDENTITY_FIELDS, AuditEvent, Customer

# field -> (parser, meaning)
FIELDS = {
    "address_line1": (_id.one_line, "street and number (BT-50)"),
    "address_line2": (_id.one_line, "second address line (BT-51)"),
    "city": (_id.one_line, "city (BT-52)"),
    "postcode": (lambda t: _id.one_line(t, 30), "post code (BT-53)"),
    "country_code": (_id.optional_country, "country code (BT-55); empty: the customer's region"),
    "vat_id": (_id.vat_id, "VAT id with country prefix (BT-48), needed for reverse charge"),
    "endpoint_id": (_id.one_line, "Peppol electronic address (BT-49), e.g. 12345678 with scheme 0106"),
    "endpoint_scheme": (_id.eas_scheme, "scheme of endpoint_id (EAS code: 0106, 0208, 9930, 0088, 0060...)"),
    "buyer_reference": (_id.one_line, "buyer reference (BT-10): the buyer's order or Leitweg-ID they ask for"),
    "vat_category": (_id.vat_category, "VAT category: S standard, Z zero, E exempt, AE reverse charge, "
                                       "G export, O not subject; empty: S when taxed"),
    "vat_exemption_reason": (_id.one_line, "exemption reason text (BT-120), required for category E"),
    "tax_rate": (None, "tax rate as a fraction (0.21) or percentage (21%)"),
}
assert set(CUSTOMER_IDENTITY_FIELDS) <= set(FIELDS)


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()


def find_customer(name: str) -> Customer:
    """A customer by name, whatever its case or Unicode form, or NotFoundError."""
    wanted = _key(str(name))
    row = Customer.get_or_none(Customer.name == str(name))
    if row is not None:
        return row
    for candidate in Customer.select():
        if _key(candidate.name) == wanted:
            return candidate
    raise NotFoundError(f"no customer {name!r} (give its name as `batchbill search` or the app shows it)")


def match_customer(text: str) -> Customer:
    """The customer a user means by ``text`` on the command line (``--customer``):
    its exact name, its id, its name whatever the case or accents, else the one
    customer whose name starts with it or holds it ("Bytown" finds "Bytown Legal
    Services LLP", "cafe" "Zoë Café GmbH", as the app's completion and search
    match). Several matches: ValidationError naming them; none: NotFoundError."""
    from store.search import fold, word_forms

    text = str(text).strip()
    row = Customer.get_or_none(Customer.name == text)
    if row is None and text.isdigit():
        row = Customer.get_or_none(Customer.id == int(text))
    if row is not None:
        return row
    wanted = " ".join(fold(text).split())
    if not wanted:
        raise NotFoundError("no customer named ''")
    forms = tuple(word_forms(wanted))  # "koehler" is Köhler, as the search reads it
    rows = [(" ".join(fold(c.name).split()), c) for c in Customer.select().order_by(Customer.name)]
    for test in (lambda n: n in forms, lambda n: n.startswith(forms), lambda n: any(f in n for f in forms)):
        found = [c for n, c in rows if test(n)]
        if len(found) == 1:
            return found[0]
        if found:
            names = ", ".join(repr(c.name) for c in found[:8])
            more = f" and {len(found) - 8} more" if len(found) > 8 else ""
            raise ValidationError(f"customer {text!r} matches {len(found)} customers: {names}{more}; "
                                  "give more of the name")
    raise NotFoundError(f"no customer named {text!r} (nor one whose name starts with or holds it)")


def _rate(text: str) -> Decimal:
    raw = str(text).strip()
    try:
        rate = Decimal(raw[:-1].strip()) / 100 if raw.endswith("%") else Decimal(raw)
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or not 0 <= rate < 1:
        raise ValidationError("a tax rate from 0 to below 1 as a fraction (0.21) or a percentage (21%)")
    return rate


def customer_identity(name: str) -> dict:
    """The customer's name, region, currency, tax rate and e-invoice fields."""
    row = find_customer(name)
    out = {"name": row.name, "region": row.region, "currency": row.currency, "email": row.email,
           "tax_rate": str(row.tax_rate)}
    out.update({field: getattr(row, field) for field in CUSTOMER_IDENTITY_FIELDS})
    return out


def set_customer_fields(name: str, values: dict[str, str], *, actor: str | None = None) -> dict:
    """Check and store fields together (``{"vat_category": "AE", "tax_rate": "0"}``);
    returns the stored values. Every bad value is named at once and nothing is stored;
    a VAT category and tax rate that contradict each other are refused, naming both."""
    problems, typed = [], {}
    for field, value in values.items():
        if field not in FIELDS:
            problems.append(f"unknown customer field {field!r}: use one of {', '.join(FIELDS)}")
            continue
        parse = FIELDS[field][0]
        try:
            typed[field] = _rate(value) if field == "tax_rate" else parse(value)
        except ValidationError as exc:
            problems.append(f"customer field {field}: {str(value)!r} is not accepted; expected {exc}")
    if problems:
        raise ValidationError("; ".join(problems))
    with db.atomic():
        row = find_customer(name)
        rate = typed.get("tax_rate", Decimal(row.tax_rate))
        category = typed.get("vat_category", row.vat_category)
        problem = treatment_problem(category, rate) if category else None
        if problem:
            raise ValidationError(
                f"customer {row.name}: {problem}; set both in one command, e.g. "
                f"batchbill customer set {row.name!r} vat_category={category} tax_rate="
                f"{'0' if category != 'S' else '0.21'}")
        for field, value in typed.items():
            setattr(row, field, value)
        row.save(only=[getattr(Customer, field) for field in typed])
        AuditEvent.create(actor=actor or current_actor(), action="customer.set", subject=f"customer:{row.id}",
                          details="; ".join(f"{k}={v}" for k, v in typed.items()))
    return typed
