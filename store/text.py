"""Text rules shared by import, search and every output: control characters,
line ends, and the key that makes two customer names "the same".

- Control characters: C0 (U+0000-U+001F) except tab and line feed, DEL
  (U+007F) and C1 (U+0080-U+009F). The importer refuses them in text cells;
  every command-line output escapes any already stored (``\\x1b``), so a
  record cannot clear a terminal or set its title.
- Line ends: CRLF and CR inside a cell are stored as LF (a file re-saved by
  Excel on Windows compares unchanged).
- Readings: ``koehler`` may be ``Köhler`` (:func:`umlaut_readings`): search
  matches a name typed without umlauts as a German user types it.
- Names: unique after Unicode NFKC, case folding and removal of zero-width
  and other invisible format characters (``ACME`` = ``Acme`` = ``Ac\\u200bme``).
"""
from __future__ import annotations

import re
import unicodedata

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Invisible characters that make two names look the same: zero-width space,
# non-joiner, joiner, word joiner, BOM, soft hyphen, and the other format (Cf)
# characters (bidi marks and overrides included).
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")

_NAMES = {0x1b: "ESC", 0x07: "BEL", 0x08: "BS", 0x00: "NUL", 0x0d: "CR", 0x0c: "FF", 0x0b: "VT",
          0x7f: "DEL", 0x9b: "CSI", 0x9d: "OSC"}


def control_name(ch: str) -> str:
    """'U+001B (ESC)' for a control character."""
    code = ord(ch)
    label = _NAMES.get(code)
    return f"U+{code:04X}" + (f" ({label})" if label else "")


def first_control(text: str) -> tuple[int, str] | None:
    """Position (1-based) and character of the first control character, if any."""
    m = CONTROL.search(text)
    return (m.start() + 1, m.group(0)) if m else None


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR as LF."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def escape_controls(text: str) -> str:
    """Text safe to print to a terminal: control characters (not tab or line
    feed) written as ``\\x1b``; a CR as ``\\r``."""
    if not CONTROL.search(text):
        return text
    return CONTROL.sub(lambda m: "\\r" if m.group(0) == "\r" else f"\\x{ord(m.group(0)):02x}", text)


def name_key(name: str) -> str:
    """The key two customer names must not share: NFKC, case folded, without
    invisible characters, runs of white space as one space."""
    if (name or "").isascii():  # NFKC changes no ASCII, and ASCII has no invisible characters
        return " ".join((name or "").casefold().split())
    text = unicodedata.normalize("NFKC", name or "")
    text = _INVISIBLE.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.split())


# A German user without the keys types ä, ö, ü and ß as ae, oe, ue and ss.
_READING = re.compile("ae|oe|ue|ss")
_READ_AS = {"ae": "a", "oe": "o", "ue": "u", "ss": "\u00df"}


def umlaut_readings(word: str, limit: int = 8) -> list[str]:
    """The (folded) word and the words it may be the ASCII reading of, where
    each ae, oe, ue may stand for ä, ö, ü (folded: a, o, u) and ss for ß:
    'koehler' -> ['koehler', 'kohler'], 'strasse' -> ['strasse', 'straße'].
    At most ``limit`` forms (a word with many such pairs)."""
    spots = [m.span() for m in _READING.finditer(word)]
    if not spots:
        return [word]
    out = []
    for mask in range(min(2 ** len(spots), limit)):
        parts, at = [], 0
        for bit, (start, end) in enumerate(spots):
            parts.append(word[at:start])
            pair = word[start:end]
            parts.append(_READ_AS[pair] if mask >> bit & 1 else pair)
            at = end
        parts.append(word[at:])
        out.append("".join(parts))
    return out


def plural(n: int, noun: str, many: str | None = None) -> str:
    """The word for ``n`` things: ``noun`` for 1, else ``many`` (default ``noun`` + 's').
    ``plural(1, 'was', 'were')`` is 'was'; ``plural(2, 'invoice')`` is 'invoices'."""
    if n == 1:
        return noun
    return many if many is not None else f"{noun}s"


def count(n: int, noun: str, many: str | None = None) -> str:
    """'1 invoice', '2 invoices', '0 invoices' (``many`` for an irregular plural)."""
    return f"{n} {plural(n, noun, many)}"
