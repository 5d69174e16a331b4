"""Money as integer minor units of its currency, quantities as Decimal.

Every amount the product shows or writes goes through these helpers, so the
rounding rule (half up, to the minor unit) lives in one place.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 exponents that differ from 2. Everything else has two decimals.
_EXPONENTS = {
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
    "KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0,
    "XAF": 0, "XOF": 0, "XPF": 0,
}

# Currencies the product accepts: ISO 4217 codes in current use.
KNOWN_CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND
    BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK
    DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK
    HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD
    KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN
    MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD
    RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF
    YER ZAR ZMW ZWL""".split()
)


class MoneyError(ValueError):
    """A value that cannot be read as money or a quantity."""


def exponent(currency: str) -> int:
    """Number of decimals of the currency's minor unit (USD 2, JPY 0, BHD 3)."""
    return _EXPONENTS.get(currency.upper(), 2)


def check_currency(code: str) -> str:
    """The upper-cased ISO 4217 code, or MoneyError naming the bad code."""
    up = (code or "").strip().upper()
    if up not in KNOWN_CURRENCIES:
        raise MoneyError(f"unknown currency code {code!r} (expected ISO 4217, e.g. USD)")
    return up


def round_half_up(value: Decimal, places: int = 0) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def parse_decimal(text: str | int | Decimal) -> Decimal:
    """A Decimal from user text ("12.5", " 3 "), MoneyError if it is not a number."""
    if isinstance(text, Decimal):
        return text
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):  # pragma: no cover - guard against misuse
        raise MoneyError("floats are not accepted for money or quantities")
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise MoneyError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise MoneyError(f"not a finite number: {text!r}")
    return value


def to_minor(text: str | Decimal | int, currency: str) -> int:
    """Major-unit text ("12.50") to integer minor units of the currency.

    Refuses more decimals than the currency has rather than rounding silently.
    """
    value = parse_decimal(text)
    exp = exponent(currency)
    scaled = value.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{text!r} has more than {exp} decimals for {currency}")
    return int(scaled)


def to_major(minor: int, currency: str) -> Decimal:
    """Integer minor units to a Decimal with exactly the currency's decimals."""
    exp = exponent(currency)
    return Decimal(int(minor)).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))


def format_minor(minor: int, currency: str) -> str:
    """'1234.50' for 123450 USD: dot, exactly the currency's decimals, no symbol."""
    return str(to_major(minor, currency))


def format_display(minor: int, currency: str) -> str:
    """'1,234.50 USD' for people (thousands separators, code after)."""
    exp = exponent(currency)
    return f"{to_major(minor, currency):,.{exp}f} {currency}"


def line_amount(quantity: Decimal, unit_price_minor: int) -> int:
    """round_half_up(quantity x unit price), in minor units."""
    return int(round_half_up(Decimal(quantity) * int(unit_price_minor)))


def tax_amount(taxable_minor: int, rate: Decimal) -> int:
    """round_half_up(sum of taxable line amounts x rate), in minor units."""
    return int(round_half_up(Decimal(int(taxable_minor)) * Decimal(rate)))


def hours_from_minutes(minutes: int) -> Decimal:
    """Billable hours as a quantity: minutes / 60, rounded half up to 0.01 h.

    The quantity on the line is this rounded figure, so that every line's
    amount is exactly quantity x rate (what the accounting imports check).
    """
    return round_half_up(Decimal(int(minutes)) / Decimal(60), 2)


def quantity_str(q: Decimal) -> str:
    """A quantity as plain decimal text, without exponent or trailing zeros."""
    q = Decimal(q)
    if q == q.to_integral_value():
        return str(q.quantize(Decimal(1)))
    return format(q.normalize(), "f")


def home_first(pairs, home: str | None) -> tuple[tuple[str, int], ...]:
    """(currency, minor) pairs with the home currency first when present,
    else the largest total first; the rest by currency code (the app's lists
    and ``batch list`` show the first and count the others)."""
    items = sorted(pairs.items() if isinstance(pairs, dict) else pairs)
    if not items:
        return ()
    lead = next((p for p in items if p[0] == home), None) or max(items, key=lambda p: p[1])
    return (lead, *(p for p in items if p is not lead))
