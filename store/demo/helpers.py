"""Small helpers of the demo generator: months, prices, slugs, timestamps."""
from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

from store.demo.data import Region

# --------------------------------------------------------------------------- helpers
def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_label(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _minor(major: Decimal | int) -> int:
    return int(Decimal(major) * 100)


def _price(usd: int | Decimal, region: Region) -> int:
    """A list price in the region's currency, whole units, as minor units."""
    return _minor((Decimal(usd) * region.price_factor).quantize(Decimal(1)))


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [w for w in "".join(c if c.isalnum() else " " for c in ascii_name).lower().split()]
    stop = {"llc", "inc", "ltd", "gmbh", "kg", "pty", "bv", "b", "v", "sarl", "sas", "llp", "co",
            "pllc", "corp", "group", "the", "and"}
    kept = [w for w in words if w not in stop] or words
    slug = ""
    for word in kept:
        slug += word
        if len(slug) >= 8:
            break
    if not slug:  # a name in Hebrew, Japanese...: no ASCII letters to make a domain from
        import zlib

        slug = f"client{zlib.crc32(name.encode('utf-8')) % 100000:05d}"
    return slug


def _ts(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")

