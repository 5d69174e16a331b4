"""Whatever the text and the numbers, every format's output passes the
formats.md checker and the amounts read back equal the invoice's."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from exporters.common import csv_bytes, exporter, plain_text
from store.money import format_minor
from store.text import name_key
from tests.exporters.book import SETTINGS, customer, invoice, line
from tests.support.checks import check_files

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=0, max_size=30,
) | st.sampled_from(["=1+1", "+1 555", "-discount", "@SUM(A1)", "\tx", "\r\ny", "a,b", 'q"q', "東京", "Zoë"])
NAME = TEXT.filter(lambda t: any(c.isprintable() and not c.isspace() for c in t))


@st.composite
def invoices(draw):
    result = []
    ids: dict[str, int] = {}  # names are unique in a book (store.text.name_key): one name, one customer
    for n in range(1, draw(st.integers(1, 4)) + 1):
        currency = draw(st.sampled_from(["USD", "EUR", "JPY", "BHD"]))
        lines = [
            line(
                i, draw(st.sampled_from(["ticket", "expense", "service_item", "device"])), draw(TEXT),
                Decimal(draw(st.integers(0, 100000))) / 100, draw(st.integers(0, 10**7)),
                taxable=draw(st.booleans()), contract=draw(TEXT),
            )
            for i in range(1, draw(st.integers(1, 4)) + 1)
        ]
        rate = draw(st.sampled_from(["0", "0.0825", "0.19", "0.10"]))
        name = draw(NAME)
        cid = ids.setdefault(name_key(name), n)
        result.append(invoice(f"INV-{n:06d}", customer(cid, name, currency=currency), lines,
                              currency=currency, tax_rate=rate, batch_name=draw(TEXT)))
    return result


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_any_book_passes_the_checker_in_every_format(book):
    for fmt in ("qbo-csv", "qbd-iif", "xero-csv", "csv"):
        out = exporter(fmt)(book, SETTINGS)
        assert check_files(fmt, [p.data for p in out.parts]) == [], fmt


@hsettings(max_examples=60, deadline=None)
@given(invoices())
def test_plain_csv_reads_back_the_exact_text_and_amounts(book):
    data = exporter("csv")(book, SETTINGS).parts[0].data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    expected = [(inv, ln) for inv in book for ln in inv.lines]
    assert len(rows) == len(expected)
    for row, (inv, ln) in zip(rows, expected):
        assert row["amount"] == format_minor(ln.amount, inv.currency)
        assert row["invoice_total"] == format_minor(inv.total, inv.currency)
        text = ln.description
        if any((ord(c) < 32 and c not in "\t\r\n") or c == "\x7f" for c in text):
            assert row["description"] == plain_text(text)
        else:  # the exact text survives, behind a ' when it starts like a formula
            formula = text.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
            assert row["description"] == ("'" + text if formula else text)


_CELL = st.one_of(
    st.text(alphabet=st.sampled_from(list('ab ,"\r\n\t;\'=\u00e9\u6771')), max_size=6),
    st.none(), st.integers(), st.decimals(allow_nan=False, allow_infinity=False),
)


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_CELL, max_size=4), max_size=5))
def test_csv_bytes_writes_what_the_csv_module_writes(rows):
    """csv_bytes joins cells itself (twice as fast): the bytes must be csv.writer's,
    quotes, commas, CR, LF, a lone empty cell and non-text cells included."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["a", "b"])
    writer.writerows(rows)
    assert csv_bytes(["a", "b"], rows) == buf.getvalue().encode("utf-8")
