"""The formats.md checker catches what it must: each broken file below fails it."""
from __future__ import annotations

import pytest

from exporters.common import exporter
from tests.exporters.book import SETTINGS, book
from tests.support.checks import check_files


def good(fmt) -> bytes:
    return exporter(fmt)(book(), SETTINGS).parts[0].data


def problems(fmt, data):
    return "\n".join(check_files(fmt, [data]))


def test_a_changed_header_fails():
    assert "header is" in problems("qbo-csv", good("qbo-csv").replace(b"*InvoiceNo", b"InvoiceNo", 1))
    assert "header is" in problems("xero-csv", good("xero-csv").replace(b",BrandingTheme", b"", 1))


def test_an_amount_that_is_not_quantity_times_rate_fails():
    data = good("qbo-csv").replace(b",218.75,", b",218.76,", 1)
    assert "is not ItemQuantity 1.75 x ItemRate 125.00" in problems("qbo-csv", data)
    data = good("csv").replace(b",218.75,", b",218.70,", 1)
    assert "amount 218.70 is not quantity 1.75" in problems("csv", data)


def test_a_required_empty_cell_fails():
    data = good("qbo-csv").replace(b"INV-000003,", b",", 1)
    assert "required *InvoiceNo is empty" in problems("qbo-csv", data)


def test_an_unneutralised_formula_fails():
    data = good("xero-csv").replace(b"'@SUM(A1)", b"@SUM(A1)", 1)
    assert "starts with a formula character" in problems("xero-csv", data)


def test_mixed_date_formats_fail():
    data = good("xero-csv").replace(b"02/11/2026", b"2026-11-02", 1)
    assert "dates are not all in one" in problems("xero-csv", data)


def test_lf_line_ends_fail():
    assert "not CRLF" in problems("csv", good("csv").replace(b"\r\n", b"\n"))
    assert "CRLF" in problems("qbd-iif", good("qbd-iif").replace(b"\r\n", b"\n"))


def test_unbalanced_iif_block_fails():
    data = good("qbd-iif").replace(b"\t-110.86\t", b"\t-110.85\t", 1)
    assert "block of INV-000001 sums to 0.01, not zero" in problems("qbd-iif", data)


def test_iif_row_with_an_extra_field_fails():
    data = good("qbd-iif").replace(b"Toner cartridge", b"Toner\tcartridge", 1)
    assert "SPL row has 15 fields, its header has 14" in problems("qbd-iif", data)


def test_iif_positive_quantity_fails():
    data = good("qbd-iif").replace(b"\t-25\t45.00\t", b"\t25\t45.00\t", 1)
    assert "QNTY '25' is not negative" in problems("qbd-iif", data)


def test_an_invoice_split_across_files_fails():
    data = good("csv")
    lines = data.split(b"\r\n")
    first = b"\r\n".join(lines[:3]) + b"\r\n"
    second = b"\r\n".join([lines[0], lines[3]]) + b"\r\n"
    assert "INV-000001 is split across files 1 and 2" in "\n".join(check_files("csv", [first, second]))


def test_a_bom_fails():
    assert "BOM" in problems("qbo-csv", b"\xef\xbb\xbf" + good("qbo-csv"))


@pytest.mark.parametrize("fmt", ["qbo-csv", "qbd-iif", "xero-csv", "csv"])
def test_good_files_pass(fmt):
    assert check_files(fmt, [good(fmt)]) == []
