"""The app's customer invoices: the invoice screen writes its PDF with one key, and
the export dialog offers the three customer formats, a batch's PDFs written one
file per invoice with progress."""
from __future__ import annotations

import io

from tests.tui.conftest import make_app, settle


async def press_p_on_invoice(pilot, app, number: str, written) -> None:
    """Open invoice ``number``, press p, and wait until the PDF worker has written
    the file ``written`` (or given up)."""
    from tui.screens.invoice_detail import InvoiceDetailScreen

    await settle(pilot)
    app.push_screen(InvoiceDetailScreen(number))
    await settle(pilot)
    await pilot.press("p")
    for _ in range(40):  # the PDF is made in a worker
        await settle(pilot)
        if written.exists():
            break


async def test_p_on_the_invoice_screen_writes_its_pdf(book, tmp_path):
    import pypdf

    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_p_on_invoice(pilot, app, "NS-000002", tmp_path / "NS-000002.pdf")
        data = (tmp_path / "NS-000002.pdf").read_bytes()
        text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
        assert "NS-000002" in text and "Whitmore & Hale Solicitors LLP" in text
        await settle(pilot)
        assert "exported" in str(app.screen.query_one("#invoice-header").render())


async def test_export_dialog_writes_a_batch_of_pdfs_one_file_per_invoice(book, tmp_path):
    from tui.screens.export_dialog import FORMAT_NAMES

    assert {"pdf", "ubl", "facturx"} <= set(FORMAT_NAMES)
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#export-format").value = "pdf"
        await settle(pilot)
        path = dialog.query_one("#export-path").value
        assert path.endswith("-pdf")
        seen = []
        original = dialog._progress
        dialog._progress = lambda done, total: (seen.append((done, total)), original(done, total))
        await pilot.press("ctrl+s")
        for _ in range(60):
            await settle(pilot)
            if app.screen is not dialog:
                break
        folder = tmp_path / path.rsplit("/", 1)[1]
        assert sorted(p.name for p in folder.iterdir()) == ["NS-000001.pdf", "NS-000002.pdf", "NS-000003.pdf"]
        assert seen[-1] == (3, 3)


async def test_p_on_a_void_exported_invoice_writes_its_credit_note_beside_the_invoice(book, tmp_path):
    from store import billing, exports

    exports.export_invoices(fmt="pdf", numbers=["NS-000002"], directory=tmp_path, actor="tester")
    sent = (tmp_path / "NS-000002.pdf").read_bytes()
    billing.void_invoice("NS-000002", "wrong customer")
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_p_on_invoice(pilot, app, "NS-000002", tmp_path / "NS-000002-CN.pdf")
        assert (tmp_path / "NS-000002-CN.pdf").exists(), ([n.message for n in app._notifications], list(tmp_path.iterdir()))
        assert (tmp_path / "NS-000002-CN.pdf").read_bytes().startswith(b"%PDF-")
        assert (tmp_path / "NS-000002.pdf").read_bytes() == sent
