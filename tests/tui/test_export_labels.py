"""Issue 12, the export dialog at 80 columns: a long format name wrapped in the
Select with its ▼ in the middle ("Peppol UBL e-invoices (one file per ▼ /
invoice)"); after a PDF the toast said "1 invoice, 13 rows" (a PDF has no rows)."""
from __future__ import annotations

import pytest

from tests.tui.conftest import burst, make_app, settle
from tests.tui.test_export_dialog import choose_format, open_dialog
from tests.tui.test_focus_marker import screen_text


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_every_format_name_fits_the_select_on_one_row(book, tmp_path, size):
    from textual.widgets import Select

    from tui.screens.export_dialog import FORMAT_NAMES

    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=size) as pilot:
        await open_dialog(pilot, app)
        select = app.screen.query_one("#export-format", Select)
        for fmt, name in FORMAT_NAMES.items():
            select.value = fmt
            await pilot.pause()
            top, bottom = select.region.y, select.region.bottom
            rows = [r.strip(" │╭╮╰╯─") for r in screen_text(app)[top:bottom]]
            rows = [r.strip() for r in rows if r.strip()]
            assert len(rows) == 1 and rows[0].startswith(name) and rows[0].endswith("▼"), (fmt, rows)


async def test_a_pdf_export_says_files_not_rows(book, tmp_path):
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(pilot, app)
        await choose_format(pilot, app, "pdf")
        await burst(pilot, "ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ != "ExportDialog"
        [note] = list(app._notifications)
        assert note.message.startswith("Wrote ") and note.message.endswith(": 1 invoice, 1 file"), note.message
        assert "row" not in note.message


def test_wrote_message_counts_files_for_the_document_formats(tmp_path):
    from store import exports
    from tui.screens.export_dialog import wrote_message

    pdf = tmp_path / "NS-000001.pdf"
    one = exports.ExportResult(files=[pdf], invoices=1, rows=13, format="pdf",
                               details=[exports.ExportedFile(pdf, 1, 13)])
    assert wrote_message(one) == f"Wrote {pdf}: 1 invoice, 1 file"
    zipped = tmp_path / "run.zip"
    many = exports.ExportResult(files=[zipped], invoices=3, rows=40, format="ubl",
                                details=[exports.ExportedFile(zipped, 3, 3)])
    assert wrote_message(many) == f"Wrote {zipped}: 3 invoices, 3 files"
    csv = tmp_path / "a.csv"
    rows = exports.ExportResult(files=[csv], invoices=3, rows=12, format="qbo-csv")
    assert wrote_message(rows) == f"Wrote {csv}: 3 invoices, 12 rows"
