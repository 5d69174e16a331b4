"""The customer's PDF read as a person reads it: the text of the page holds the
invoice number, every line's description and amount, the VAT and the totals, in
the invoice's currency with its decimals, whatever script the customer's name is in."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest

from exporters import einvoice as ei
from exporters import pdf as pdf_format
from exporters.pdf import money

pypdf = pytest.importorskip("pypdf", reason="pypdf (a test dependency) is not installed")


def page_text(data: bytes) -> str:
    """The pages' text as pypdf reads it. pypdf reads the two-byte codes of the CID-keyed
    CJK font with a NUL before each character (poppler's pdftotext reads them clean):
    the NULs are dropped."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").replace("\x00", "").split()) for page in reader.pages)


def squeeze(text: str) -> str:
    return "".join(text.split())


def assert_reads_like_the_invoice(inv, data: bytes) -> str:
    text = page_text(data)
    flat = squeeze(text)
    number = ei.credit_note_number(inv) if ei.is_credit_note(inv) else inv.number
    assert number in text
    for line in inv.lines:
        assert squeeze(line.description) in flat, f"{inv.number}: line {line.position} {line.description!r} missing"
        assert money(line.amount, inv.currency) in text, f"{inv.number}: amount of line {line.position} missing"
    for amount in (inv.subtotal, inv.tax, inv.total):
        assert money(amount, inv.currency) in text
    assert f"Total {inv.currency}" in text
    return text


def _name_in(name: str, text: str) -> bool:
    """The name's words are on the page, in order or, for a right-to-left name that
    pypdf reads back in visual order, in reverse order."""
    words = name.split()
    return " ".join(words) in text or " ".join(reversed(words)) in text


@pytest.fixture(scope="module")
def us_book(tmp_path_factory):
    """The default US shop: ten customers, the tenth with a Hebrew name."""
    import datetime as dt
    from dataclasses import replace

    from store import invoices, settings
    from store.book import open_database
    from store.db import close_database
    from store.demo import make_demo

    close_database()
    open_database(str(tmp_path_factory.mktemp("us") / "book.sqlite3"))
    try:
        make_demo(customers=10, months=3, today=dt.date(2026, 11, 27))
        docs = invoices.batch_invoices(1)
        return {"invoices": docs, "settings": replace(invoices.export_settings(), tax_names=settings.tax_names())}
    finally:
        close_database()


def test_us_shop_pdfs_hold_what_the_invoice_screen_holds(us_book):
    st = us_book["settings"]
    assert st.page_size == "Letter"
    for inv in us_book["invoices"]:
        data = pdf_format.invoice_pdf(inv, st)
        text = assert_reads_like_the_invoice(inv, data)
        assert _name_in(inv.customer.name, text)
        assert "Northstar Managed IT LLC" in text and inv.due_date.isoformat() in text
        if inv.tax:  # a US shop charges sales tax
            taxed = sum(line.amount for line in inv.lines if line.taxable)
            assert f"Tax {ei.percent_text(inv.tax_rate)}% of {money(taxed, inv.currency)}" in text
        reader = pypdf.PdfReader(io.BytesIO(data))
        width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
        assert (round(float(width)), round(float(height))) == (612, 792)  # Letter


def test_hebrew_and_japanese_names_are_set_in_fonts_from_pip_packages(us_book, home_books):
    hebrew = next(i for i in us_book["invoices"] if re.search("[\u0590-\u05ff]", i.customer.name))
    nl = home_books("NL")
    japanese = next(i for i in nl["invoices"] if re.search("[\u3040-\u30ff\u4e00-\u9fff]", i.customer.name))
    for inv, st in ((hebrew, us_book["settings"]), (japanese, nl["settings"])):
        data = pdf_format.invoice_pdf(inv, st)
        text = assert_reads_like_the_invoice(inv, data)
        assert _name_in(inv.customer.name, text)
        fonts = {str(f.get("/BaseFont")) for page in pypdf.PdfReader(io.BytesIO(data)).pages
                 for f in page["/Resources"]["/Font"].values()}
        assert any("Hebrew" in f or "CJK" in f for f in fonts), fonts
    assert nl["settings"].page_size == "A4"


def test_eu_pdfs_say_reverse_charge_and_show_the_vat_per_rate(home_books):
    book = home_books("DE")
    seen = set()
    for inv in book["invoices"]:
        data = pdf_format.invoice_pdf(inv, book["settings"])
        text = assert_reads_like_the_invoice(inv, data)
        category = inv.customer.vat_category
        seen.add(category)
        if category == "AE":
            assert "Reverse charge" in text and inv.customer.vat_id in text
        if category == "S":
            assert f"VAT 19% of {money(inv.subtotal, inv.currency)}" in text
        if ei.is_credit_note(inv):
            assert "CREDIT NOTE" in text and inv.number in text
        else:
            assert "IBAN DE89 3704 0044 0532 0130 00" in text
    assert {"S", "AE", "G"} <= seen


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_a_pdf_renders_to_a_page_image(us_book, tmp_path):
    inv = us_book["invoices"][0]
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf_format.invoice_pdf(inv, us_book["settings"]))
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True, capture_output=True)
    assert (tmp_path / "page-1.png").stat().st_size > 2000


def test_a_factur_x_file_is_a_pdf_a_3_with_its_xml_embedded_and_every_font_embedded(home_books):
    from exporters import facturx

    book = home_books("DE")
    inv = book["invoices"][-1]
    data = facturx.invoice_facturx(inv, book["settings"])
    reader = pypdf.PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert reader.trailer.get("/ID") is not None
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part[>=\"]+3", xmp) and re.search(r"pdfaid:conformance[>=\"]+B", xmp)
    assert "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in xmp
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert names[0] == "factur-x.xml"
    spec = names[1].get_object()
    assert spec["/AFRelationship"] in ("/Data", "/Alternative")
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    for font in fonts:
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert any(k.startswith("/FontFile") for k in descriptor), font["/BaseFont"]
    assert len({str(f["/BaseFont"]) for f in fonts}) == len(fonts)  # regular and bold told apart
    assert inv.number in page_text(data)
