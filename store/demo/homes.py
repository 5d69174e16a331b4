"""The demo shop's home country (``batchbill demo --home CC``): the shop's
identity as a company of that country (legal name, address, VAT id, company
registration, Peppol address, bank account) and each customer's invoice
identity and VAT treatment as that country's rules imply: domestic customers
at the standard rate (S), business customers elsewhere in the EU reverse
charged (AE, with their VAT ids), customers outside the EU as exports (G).
The default US shop keeps US sales tax and no VAT categories."""
from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from store.demo.data import Region
from store.identity import EU_COUNTRIES


@dataclass(frozen=True)
class Home:
    code: str
    company: str
    legal_name: str
    street: str
    postcode: str
    city: str
    vat_id: str
    company_id: str
    endpoint: str
    endpoint_scheme: str
    email: str
    phone: str
    iban: str
    bic: str
    prefix: str
    standard_rate: str
    # the first customers' regions ("HOME" is the shop's own country)
    cycle: tuple[str, ...] = ()


_EU_CYCLE = ("HOME", "EU1", "US", "HOME", "UK", "EU2", "IL", "HOME", "JP", "EU1", "CA", "HOME",
             "AU", "FR", "HOME", "EU2", "US", "HOME", "UK", "EU1")

HOMES: dict[str, Home] = {
    "US": Home("US", "Northstar Managed IT", "Northstar Managed IT LLC", "500 Congress Avenue", "78701",
               "Austin", "", "", "", "", "billing@northstar-it.com", "+1 512 555 0100", "", "", "NS-", "0"),
    "NL": Home("NL", "Polder IT", "Polder IT Services B.V.", "Keizersgracht 123", "1015 CJ", "Amsterdam",
               "NL859541234B01", "34123456", "34123456", "0106", "facturen@polder-it.nl", "+31 20 555 0100",
               "NL91ABNA0417164300", "ABNANL2A", "PIT-", "0.21", _EU_CYCLE),
    "DE": Home("DE", "Spreeblick IT", "Spreeblick IT GmbH", "Friedrichstraße 68", "10117", "Berlin",
               "DE811234567", "HRB 123456 B", "DE811234567", "9930", "rechnung@spreeblick-it.de",
               "+49 30 5550100", "DE89370400440532013000", "COBADEFFXXX", "SB-", "0.19", _EU_CYCLE),
    "BE": Home("BE", "Schelde IT", "Schelde IT BV", "Meir 50", "2000", "Antwerpen",
               "BE0123456749", "0123456749", "0123456749", "0208", "facturen@schelde-it.be",
               "+32 3 555 01 00", "BE68539007547034", "BBRUBEBB", "SIT-", "0.21", _EU_CYCLE),
}
# The other EU regions a home's customers come from (EU1, EU2 in the cycle).
_NEIGHBOURS = {"NL": ("DE", "BE"), "DE": ("NL", "FR"), "BE": ("NL", "DE"), "US": ("DE", "NL")}


def home(code: str) -> Home:
    from store.errors import ValidationError

    key = (code or "US").strip().upper()
    if key not in HOMES:
        raise ValidationError(f"--home {code!r}: the demo knows {', '.join(HOMES)}")
    return HOMES[key]


def region_cycle(h: Home, default: tuple[str, ...]) -> tuple[str, ...]:
    if not h.cycle:
        return default
    eu1, eu2 = _NEIGHBOURS[h.code]
    return tuple({"HOME": h.code, "EU1": eu1, "EU2": eu2}.get(r, r) for r in h.cycle)


def region_weights(h: Home, default: tuple) -> tuple:
    if not h.cycle:
        return default
    eu1, eu2 = _NEIGHBOURS[h.code]
    return ((h.code, 40), (eu1, 12), (eu2, 8), ("UK", 10), ("US", 12), ("CA", 6), ("AU", 6), ("FR", 6))


def company_settings(h: Home) -> dict[str, str]:
    values = {"company_name": h.company, "home_region": h.code, "invoice_prefix": h.prefix,
              "payment_terms_days": "30", "seller_legal_name": h.legal_name, "seller_street": h.street,
              "seller_postcode": h.postcode, "seller_city": h.city, "seller_country": h.code,
              "seller_email": h.email, "seller_phone": h.phone}
    if h.code != "US":
        values.update(seller_vat_id=h.vat_id, seller_company_id=h.company_id, seller_endpoint=h.endpoint,
                      seller_endpoint_scheme=h.endpoint_scheme, seller_iban=h.iban, seller_bic=h.bic)
    else:
        values.update(seller_tax_id="74-1234567", payment_note="Pay by ACH: Northstar Managed IT LLC, "
                      "routing 111000025, account 000123456789, or by check to the address above.")
    return values


def country_of(region: str) -> str:
    return "GB" if region == "UK" else region


def split_city(region: Region, line: str) -> tuple[str, str]:
    """(post code, city) of a demo city line: '10115 Berlin', '1012 JS Amsterdam',
    'Austin, TX 78701', 'Leeds LS1 4AP', 'Sydney NSW 2000', 'Tel Aviv-Yafo 6473921'."""
    words = line.replace(",", "").split()
    if region.code == "NL":
        return " ".join(words[:2]), " ".join(words[2:])
    if region.code in ("DE", "FR", "BE"):
        return words[0], " ".join(words[1:])
    if region.code in ("UK", "CA"):
        city = line.split(",")[0].split()
        if region.code == "CA":
            return " ".join(words[-2:]), line.split(",")[0]
        return " ".join(words[-2:]), " ".join(city[:-2])
    if region.code in ("US", "AU"):
        return words[-1], line.split(",")[0] if "," in line else " ".join(words[:-2])
    return words[-1], line.rsplit(" ", 1)[0]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _be_number(rng: random.Random) -> str:
    """A Belgian enterprise number with its mod-97 check digits (PEPPOL-COMMON-R043)."""
    first = "0" + str(rng.randint(2000000, 9999999)) if rng.random() < 0.5 else "0" + _digits(rng, 7)
    first = first[:8].ljust(8, "1")
    return first + f"{97 - int(first) % 97:02d}"


def customer_identity(h: Home, index: int, seed: int, region: Region, street_line: str,
                      city_line: str, tax: str) -> tuple[dict, str]:
    """The customer's e-invoice fields and its tax rate under the shop's home country.
    A separate random stream per customer: the rest of the book is the same whatever the home."""
    rng = random.Random(f"{seed}-identity-{index}")
    postcode, city = split_city(region, city_line)
    country = country_of(region.code)
    out = {"address_line1": street_line, "address_line2": "", "city": city, "postcode": postcode,
           "country_code": country, "vat_id": "", "endpoint_id": "", "endpoint_scheme": "",
           "buyer_reference": "", "vat_category": "", "vat_exemption_reason": ""}
    if country in EU_COUNTRIES:
        out["vat_id"] = {"DE": lambda: "DE" + _digits(rng, 9), "NL": lambda: f"NL{_digits(rng, 9)}B01",
                         "FR": lambda: "FR" + _digits(rng, 11)}.get(country, lambda: "")()
        if country == "BE":
            number = _be_number(rng)
            out["vat_id"] = f"BE{number}"
            out["endpoint_id"], out["endpoint_scheme"] = number, "0208"
        elif country == "NL":
            out["endpoint_id"], out["endpoint_scheme"] = _digits(rng, 8), "0106"  # KvK
        else:
            out["endpoint_id"], out["endpoint_scheme"] = out["vat_id"], {"DE": "9930", "FR": "9957"}[country]
    elif country == "GB":
        out["vat_id"] = "GB" + _digits(rng, 9)
        out["endpoint_id"], out["endpoint_scheme"] = out["vat_id"], "9932"
    else:
        out["endpoint_id"], out["endpoint_scheme"] = _digits(rng, 9), "0060"  # DUNS
    if rng.random() < 0.3:
        out["buyer_reference"] = f"PO-{rng.randint(10000, 99999)}"
    if h.code == "US":
        return out, tax
    if country == h.code:
        out["vat_category"] = "S"
        if h.code == "DE":  # German buyers ask for a reference (a Leitweg-ID for public bodies)
            out["buyer_reference"] = out["buyer_reference"] or f"KST-{rng.randint(1000, 9999)}"
        return out, h.standard_rate
    if country in EU_COUNTRIES:
        out["vat_category"] = "AE"
        return out, "0"
    out["vat_category"] = "G"
    return out, "0"
