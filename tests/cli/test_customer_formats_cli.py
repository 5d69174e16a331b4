"""``batchbill export --format pdf|ubl|facturx``, ``batchbill customer`` and the
seller settings: one file per invoice in a folder or a zip, credit notes for void
invoices the customer had, and what is missing named before anything is written."""
from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from batchbill.cli import main
from store.book import open_database
from store.db import close_database
from store.models import Customer, Invoice

TODAY = dt.date(2026, 11, 27)


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def nl_book(tmp_path, monkeypatch):
    from store.demo import make_demo

    path = str(tmp_path / "nl.sqlite3")
    close_database()
    open_database(path)
    make_demo(customers=12, months=3, today=TODAY, home="NL")
    close_database()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield path, work
    close_database()


def test_ubl_batch_export_writes_one_file_per_invoice_in_a_folder(nl_book, capsys):
    path, work = nl_book
    status, out, err = run(capsys, "export", "--batch", "1", "-f", "ubl", "--db", path)
    assert (status, err) == (0, "")
    files = sorted((work / "demo-2026-09-ubl").iterdir())
    assert [f.name for f in files] == [f"PIT-{n:06d}.xml" for n in range(1, 13)]
    assert out.startswith("wrote 12 files in demo-2026-09-ubl")
    assert b"urn:fdc:peppol.eu:2017:poacc:billing:01:1.0" in files[0].read_bytes()
    open_database(path)
    assert Invoice.select().where(Invoice.status == "exported").count() == 12


def test_facturx_batch_export_into_a_zip_and_one_pdf_for_one_invoice(nl_book, capsys):
    path, work = nl_book
    status, out, _ = run(capsys, "export", "--batch", "1", "-f", "facturx", "-o", "october.zip", "--db", path)
    assert status == 0 and "wrote october.zip" in out
    with zipfile.ZipFile(work / "october.zip") as archive:
        names = archive.namelist()
        assert names[0] == "PIT-000001-facturx.pdf" and len(names) == 12
        assert archive.read(names[0]).startswith(b"%PDF-")
    status, out, _ = run(capsys, "export", "--invoice", "PIT-000003", "-f", "pdf", "--db", path)
    assert (status, out.splitlines()[0]) == (0, "wrote PIT-000003.pdf")
    assert (work / "PIT-000003.pdf").read_bytes().startswith(b"%PDF-")


def test_void_invoices_that_were_exported_get_credit_notes_others_are_refused(nl_book, capsys):
    from store import billing

    path, work = nl_book
    assert run(capsys, "export", "--invoice", "PIT-000002", "-f", "ubl", "--db", path)[0] == 0
    open_database(path)
    billing.void_batch(1, "billed the wrong month", actor="test")
    close_database()
    status, out, _ = run(capsys, "export", "--invoice", "PIT-000002", "-f", "ubl", "--db", path)
    assert status == 0 and "credit note for 1 void invoice that was exported: PIT-000002" in out
    xml = (work / "PIT-000002-CN.xml").read_bytes()  # beside the invoice's PIT-000002.xml, not over it
    assert b"<CreditNote " in xml and b"<cbc:ID>PIT-000002-CN</cbc:ID>" in xml
    assert b"<Invoice " in (work / "PIT-000002.xml").read_bytes()
    status, _, err = run(capsys, "export", "--invoice", "PIT-000003", "-f", "ubl", "--db", path)
    assert status == 2 and "PIT-000003 is void and was never exported" in err
    # the voided batch as a whole: only the credit note of the invoice the customer had
    status, out, _ = run(capsys, "export", "--batch", "1", "-f", "pdf", "-o", "voided", "--db", path)
    assert status == 0 and [p.name for p in (work / "voided").iterdir()] == ["PIT-000002-CN.pdf"]
    assert "skipped 11 void invoices never exported" in out
    status, _, err = run(capsys, "export", "--batch", "1", "-f", "csv", "--db", path)
    assert status == 2 and "voided" in err  # the accounting formats still refuse a voided batch


def test_what_is_missing_is_named_before_anything_is_written(nl_book, capsys):
    path, work = nl_book
    open_database(path)
    customer = Customer.get(Customer.vat_category == "AE")
    Customer.update(vat_id="", endpoint_id="").where(Customer.id == customer.id).execute()
    close_database()
    run(capsys, "settings", "set", "seller_company_id", "", "--db", path)
    status, out, err = run(capsys, "export", "--batch", "1", "-f", "ubl", "--db", path)
    assert status == 2 and out == ""
    assert "reverse charge (AE) needs the buyer's VAT id (BT-48): batchbill customer set" in err
    assert f"'{customer.name}' vat_id=" in err
    assert "no Peppol electronic address (BT-49" in err
    assert "seller_company_id is not set (a Dutch seller gives its KvK or OIN number, NL-R-003)" in err
    assert not (work / "demo-2026-09-ubl").exists()
    open_database(path)
    assert Invoice.select().where(Invoice.status == "exported").count() == 0


def test_customer_set_checks_every_field_and_the_category_with_the_rate(nl_book, capsys):
    path, _ = nl_book
    status, out, _ = run(capsys, "customer", "set", "Zoë Café GmbH", "vat_id=de 123.456.789", "city=Köln",
                         "--db", path)
    assert status == 0 and "vat_id = DE123456789" in out
    status, _, err = run(capsys, "customer", "set", "zoë café gmbh", "vat_category=S", "--db", path)
    assert status == 2 and "category S (standard rate) needs a tax rate above 0" in err
    status, _, err = run(capsys, "customer", "set", "Zoë Café GmbH", "vat_category=S", "tax_rate=19%",
                         "endpoint_scheme=1234", "--db", path)
    assert status == 2 and "endpoint_scheme: '1234' is not accepted" in err
    open_database(path)
    row = Customer.get(Customer.name == "Zoë Café GmbH")
    assert (row.vat_category, row.city) == ("AE", "Köln")  # the refused command stored nothing
    close_database()
    status, out, _ = run(capsys, "customer", "set", "Zoë Café GmbH", "vat_category=S", "tax_rate=19%",
                         "--db", path)
    assert status == 0
    status, out, _ = run(capsys, "customer", "show", "Zoë Café GmbH", "--db", path)
    assert "vat_category" in out and "0.19" in out


@pytest.mark.parametrize("key,value,message", [
    ("seller_iban", "NL91ABNA0417164301", "check digits are right"),
    ("seller_vat_id", "123456789", "country prefix"),
    ("seller_country", "XX", "ISO 3166-1"),
    ("seller_endpoint_scheme", "EM", "EAS code"),
    ("pdf_page_size", "A5", "A4 or Letter"),
])
def test_seller_settings_are_checked_where_they_are_entered(nl_book, capsys, key, value, message):
    path, _ = nl_book
    status, out, err = run(capsys, "settings", "set", key, value, "--db", path)
    assert status == 2 and message in err and key in err


def test_links_and_fifos_in_the_way_are_refused_and_nothing_is_written(nl_book, capsys):
    import os

    path, work = nl_book
    folder = work / "out"
    folder.mkdir()
    elsewhere = work / "elsewhere.xml"
    elsewhere.write_text("keep me")
    os.symlink(elsewhere, folder / "PIT-000004.xml")
    status, _, err = run(capsys, "export", "--batch", "1", "-f", "ubl", "-o", str(folder), "--db", path)
    assert status == 2 and "PIT-000004.xml exists and is not a regular file" in err
    assert sorted(p.name for p in folder.iterdir()) == ["PIT-000004.xml"]
    assert elsewhere.read_text() == "keep me"
    os.mkfifo(work / "batch.zip")
    status, _, err = run(capsys, "export", "--batch", "1", "-f", "pdf", "-o", "batch.zip", "--db", path)
    assert status == 2 and "exports write only regular files" in err
    open_database(path)
    assert Invoice.select().where(Invoice.status == "exported").count() == 0


def test_an_invoice_voided_alone_after_export_gets_a_credit_note_dated_the_day_of_the_void(nl_book, capsys):
    from store import billing

    path, work = nl_book
    assert run(capsys, "export", "--batch", "1", "-f", "ubl", "--db", path)[0] == 0
    open_database(path)
    billing.void_invoice("PIT-000005", "wrong customer", actor="test")
    close_database()
    status, out, _ = run(capsys, "export", "--batch", "1", "-f", "ubl", "-o", "again", "--db", path)
    assert status == 0 and "credit note for 1 void invoice that was exported: PIT-000005" in out
    files = sorted(p.name for p in (work / "again").iterdir())
    assert "PIT-000005-CN.xml" in files and "PIT-000005.xml" not in files and len(files) == 12
    xml = (work / "again" / "PIT-000005-CN.xml").read_text()
    assert f"<cbc:IssueDate>{dt.date.today().isoformat()}</cbc:IssueDate>" in xml
    assert "<cac:InvoiceDocumentReference>" in xml and "<cbc:ID>PIT-000005</cbc:ID>" in xml


def test_the_dialogs_preview_names_the_files_a_customer_format_writes(nl_book):
    """Found by a new user over SSH: for pdf/ubl/facturx the export dialog's preview said
    'pdf2-1 .. pdf2-2' or 'fx-1.zip .. fx-2.zip' while the export wrote pdf2/NS-....pdf
    and one fx.zip. The preview now names exactly what the export writes."""
    from store import exports

    path, work = nl_book
    open_database(path)
    folder = exports.preview_export(fmt="ubl", batch=1, out_path=str(work / "ubl-out"))
    assert folder.problems == []
    assert [p.name for p in folder.paths] == [f"PIT-{n:06d}.xml" for n in range(1, 13)]
    assert {p.parent for p in folder.paths} == {work / "ubl-out"}
    archive = exports.preview_export(fmt="ubl", batch=1, out_path=str(work / "fx.zip"))
    assert archive.paths == [work / "fx.zip"] and archive.problems == []
    missing = exports.preview_export(fmt="ubl", batch=1, out_path=str(work / "no" / "such"))
    assert missing.problems == [f"directory {work / 'no'} does not exist: check the path (no directory is made)"]
    result = exports.export_checked(fmt="ubl", batch=1, out_path=str(work / "ubl-out"))
    assert sorted(result.files) == sorted(folder.paths)


def _no_rendering(monkeypatch):
    """Every way a customer document is made raises: a test that passes made none."""
    import exporters.cii as cii
    import exporters.facturx as facturx
    import exporters.pdf as pdf
    import exporters.ubl as ubl

    def refuse(*args, **kwargs):
        raise AssertionError("a document was rendered")

    for module, name in ((pdf, "invoice_pdf"), (facturx, "invoice_pdf"), (facturx, "invoice_facturx"),
                         (ubl, "invoice_xml"), (cii, "invoice_xml")):
        monkeypatch.setattr(module, name, refuse)


@pytest.mark.parametrize("fmt", ["pdf", "ubl", "facturx"])
def test_the_preview_of_a_customer_format_plans_without_rendering(nl_book, monkeypatch, fmt):
    """Seen: the dialog's preview of a PDF batch rendered every PDF (9 s for 22 invoices),
    and the export then rendered them again. The preview plans: the files, credit notes
    included, and what is missing, nothing made."""
    from exporters.common import planner
    from store import exports
    from store.billing import void_invoice
    from store.invoices import batch_invoices, export_settings

    path, work = nl_book
    open_database(path)
    exports.export_invoices(fmt="csv", numbers=["PIT-000002"], out_path=str(work / "sent.csv"))
    void_invoice("PIT-000002", "wrong customer", actor="t")
    suffix = {"pdf": ".pdf", "ubl": ".xml", "facturx": "-facturx.pdf"}[fmt]
    want = [f"PIT-{n:06d}{'-CN' if n == 2 else ''}{suffix}" for n in range(1, 13)]
    _no_rendering(monkeypatch)
    preview = exports.preview_export(fmt=fmt, batch=1, out_path=str(work / "out"))
    assert preview.ok and [p.name for p in preview.paths] == want
    assert {p.parent for p in preview.paths} == {work / "out"}
    invoices = batch_invoices(1, include_void=True)
    planned = planner(fmt)([i for i in invoices if i.status != "void" or i.exported_at], export_settings())
    assert list(planned.names) == want and planned.missing == ()
    monkeypatch.undo()
    result = exports.export_invoices(fmt=fmt, batch=1, out_path=str(work / "out"))
    assert sorted(p.name for p in result.files) == sorted(want) and result.credit_notes == ["PIT-000002"]


@pytest.mark.parametrize("fmt", ["ubl", "facturx"])
def test_the_preview_names_what_is_missing_with_the_command_that_sets_it(nl_book, monkeypatch, fmt):
    from store import exports, settings

    path, work = nl_book
    open_database(path)
    settings.set_value("seller_city", "")
    Customer.update(endpoint_id="").where(Customer.name == Invoice.get(Invoice.number == "PIT-000003")
                                          .customer.name).execute()
    _no_rendering(monkeypatch)
    preview = exports.preview_export(fmt=fmt, batch=1, out_path=str(work / "out"))
    assert not preview.ok and preview.problems == []
    assert preview.missing[0] == (f"settings: seller_city is not set ({fmt} needs it): "
                                  "batchbill settings set seller_city Amsterdam")
    assert any(m.startswith("PIT-000003 (") and "endpoint_id=" in m for m in preview.missing)
    with pytest.raises(Exception) as refused:  # the export refuses the same, before rendering
        exports.export_invoices(fmt=fmt, batch=1, out_path=str(work / "out"))
    assert "to set before export" in str(refused.value) and preview.missing[0] in str(refused.value)
    assert not (work / "out").exists()


@pytest.mark.parametrize("fmt", ["pdf", "facturx"])
def test_a_bad_destination_fails_before_any_document_is_rendered(nl_book, capsys, monkeypatch, fmt):
    """A bad -o used to be found only after every PDF was made (seconds for a batch)."""
    path, work = nl_book
    _no_rendering(monkeypatch)
    status, out, err = run(capsys, "export", "--batch", "1", "-f", fmt, "-o", str(work / "no" / "such" / "dir"),
                           "--db", path)
    assert status == 2 and out == ""
    assert f"directory {work / 'no'} does not exist" in err or f"directory {work / 'no' / 'such'} does not exist" in err
    (work / "pipe.pdf").parent.mkdir(exist_ok=True)
    import os

    os.mkfifo(work / "pipe.pdf")
    status, out, err = run(capsys, "export", "--invoice", "PIT-000001", "-f", fmt, "-o", str(work / "pipe.pdf"),
                           "--db", path)
    assert status == 2 and "pipe.pdf" in err and "nothing was written" in err
    open_database(path)
    assert not Invoice.select().where(Invoice.status == "exported").exists()
