"""Checks of the identity data e-invoices carry (seller settings and customer
fields): country codes, VAT ids, IBAN/BIC, electronic address schemes and VAT
categories. Each parser returns the normalised value or raises ValidationError
saying what is accepted; callers add which key or field it was."""
from __future__ import annotations

import re

from store.errors import ValidationError

# ISO 3166-1 alpha-2 country codes (officially assigned), plus UK, the common
# name of GB that the benchmark reference uses.
ISO_3166_ALPHA2 = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE
YT ZA ZM ZW
""".split()) | {"UK"}

# EU member states and the prefix of their VAT ids (Greece uses EL).
EU_COUNTRIES = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
VAT_PREFIX = {"GR": "EL"}

# VAT category codes of EN 16931 (UNCL5305 as the standard restricts it) that batchbill offers.
VAT_CATEGORIES = {
    "S": "standard rate",
    "Z": "zero rated",
    "E": "exempt (give the reason)",
    "AE": "reverse charge (intra-EU B2B services)",
    "G": "export outside the EU",
    "O": "not subject to VAT",
}
# Categories whose VAT breakdown needs an exemption reason (BR-E-10, BR-AE-10, BR-G-10, BR-O-10),
# with the VATEX code and text used when the customer has none of its own.
DEFAULT_EXEMPTION = {
    "AE": ("VATEX-EU-AE", "Reverse charge"),
    "G": ("VATEX-EU-G", "Export outside the EU"),
    "O": ("VATEX-EU-O", "Not subject to VAT"),
}

# Electronic address schemes (EAS code list) people use for Peppol participants.
EAS_SCHEMES = {
    "0002": "FR SIRENE", "0007": "SE organisation number", "0009": "FR SIRET", "0060": "DUNS",
    "0088": "GS1 GLN", "0096": "DK P-number", "0106": "NL KvK", "0130": "EU directorates",
    "0135": "IT SIA", "0142": "IT SECETI", "0151": "AU ABN", "0183": "CH UIDB",
    "0184": "DK CVR", "0188": "JP corporate number", "0190": "NL OIN", "0191": "EE company code",
    "0192": "NO organisation number", "0193": "UBL.BE party identifier", "0195": "SG UEN",
    "0196": "IS kennitala", "0198": "DK SE-number", "0199": "LEI", "0200": "LT company code",
    "0201": "IT IPA", "0204": "DE Leitweg-ID", "0208": "BE enterprise number", "0209": "GS1 identifiers",
    "0210": "IT tax code", "0211": "IT VAT number", "0212": "FI organisation id", "0213": "FI VAT",
    "0215": "FI Net service id", "0216": "FI OVTcode", "0218": "LV company code", "0221": "JP invoice registration",
    "0225": "FR FRCTC", "0230": "MY national e-invoicing", "0235": "AE TIN",
    "9901": "DK CPR", "9910": "HU VAT", "9913": "EU business register", "9914": "AT VAT",
    "9915": "AT government", "9918": "IBAN", "9919": "AT KUR", "9920": "ES VAT", "9922": "AD VAT",
    "9923": "AL VAT", "9924": "BA VAT", "9925": "BE VAT", "9926": "BG VAT", "9927": "CH VAT",
    "9928": "CY VAT", "9929": "CZ VAT", "9930": "DE VAT", "9931": "EE VAT", "9932": "GB VAT",
    "9933": "GR VAT", "9934": "HR VAT", "9935": "IE VAT", "9936": "LI VAT", "9937": "LT VAT",
    "9938": "LU VAT", "9939": "LV VAT", "9940": "MC VAT", "9941": "ME VAT", "9942": "MK VAT",
    "9943": "MT VAT", "9944": "NL VAT", "9945": "PL VAT", "9946": "PT VAT", "9947": "RO VAT",
    "9948": "RS VAT", "9949": "SI VAT", "9950": "SK VAT", "9951": "SM VAT", "9952": "TR VAT",
    "9953": "VA VAT", "9957": "FR VAT", "9959": "US EIN",
}


def country_code(text: str) -> str:
    up = str(text).strip().upper()
    if up == "UK":
        up = "GB"
    if up not in ISO_3166_ALPHA2:
        raise ValidationError("an ISO 3166-1 two-letter country code such as DE, NL, BE, US")
    return up


def optional_country(text: str) -> str:
    return country_code(text) if str(text).strip() else ""


_VAT = re.compile(r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$")


def vat_id(text: str) -> str:
    """A VAT id with its country prefix (DE123456789, NL123456789B01, EL...): spaces,
    dots and dashes removed, upper case. Empty is allowed (none)."""
    value = re.sub(r"[\s.\-]", "", str(text)).upper()
    if not value:
        return ""
    if not _VAT.match(value):
        raise ValidationError("a VAT id starting with its two-letter country prefix, e.g. DE123456789, "
                              "NL123456789B01, BE0123456789")
    return value


def iban(text: str) -> str:
    """An IBAN, spaces removed and checked with its mod-97 check digits. Empty: none."""
    value = re.sub(r"\s", "", str(text)).upper()
    if not value:
        return ""
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", value):
        raise ValidationError("an IBAN such as NL91ABNA0417164300 (country, check digits, account)")
    digits = "".join(str(int(c, 36)) for c in value[4:] + value[:4])
    if int(digits) % 97 != 1:
        raise ValidationError("an IBAN whose check digits are right (this one has a typo)")
    return value


def bic(text: str) -> str:
    value = re.sub(r"\s", "", str(text)).upper()
    if not value:
        return ""
    if not re.fullmatch(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?", value):
        raise ValidationError("a BIC of 8 or 11 characters such as ABNANL2A")
    return value


def eas_scheme(text: str) -> str:
    value = str(text).strip().upper()
    if not value:
        return ""
    if value not in EAS_SCHEMES:
        common = "0088 (GLN), 0106 (NL KvK), 0190 (NL OIN), 0204 (DE Leitweg-ID), 0208 (BE enterprise number), " \
                 "9930 (DE VAT), 9944 (NL VAT), 9925 (BE VAT), 0060 (DUNS)"
        raise ValidationError(f"a Peppol electronic address scheme (EAS code), e.g. {common}")
    return value


def vat_category(text: str) -> str:
    value = str(text).strip().upper()
    if not value:
        return ""
    if value not in VAT_CATEGORIES:
        raise ValidationError("one of " + ", ".join(f"{k} ({v})" for k, v in VAT_CATEGORIES.items()))
    return value


def one_line(text: str, limit: int = 200) -> str:
    value = str(text).strip()
    if any(c in value for c in "\t\r\n"):
        raise ValidationError("one line of text, without tabs or newlines")
    if len(value) > limit:
        raise ValidationError(f"at most {limit} characters")
    return value


def treatment_problem(category: str, rate) -> str | None:
    """Why a VAT category does not go with a tax rate, or None."""
    from decimal import Decimal

    rate = Decimal(rate)
    if category == "S" and rate <= 0:
        return "category S (standard rate) needs a tax rate above 0"
    if category in ("Z", "E", "AE", "G", "O") and rate != 0:
        return f"category {category} charges no VAT, so the tax rate must be 0 (it is {rate})"
    return None
