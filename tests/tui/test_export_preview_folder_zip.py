"""The export dialog's preview for the one-file-per-invoice formats (issue 12 walk):
a destination folder that does not exist yet is made by the export, and the preview
says so; a .zip destination says which files go inside it."""
from __future__ import annotations

import pytest

from tests.tui.conftest import burst, make_app, settle
from tests.tui.test_export_dialog import choose_format, text


async def type_destination(pilot, field, destination: str) -> None:
    field.focus()
    await burst(pilot, "ctrl+u", *destination)
    await pilot.pause(0.3)  # the preview follows the typing
    await settle(pilot)


async def open_batch_pdf(pilot, app):
    from textual.widgets import Input

    await settle(pilot)
    await burst(pilot, "b", "e")
    assert type(app.screen).__name__ == "ExportDialog"
    await choose_format(pilot, app, "pdf")
    return app.screen.query_one("#export-path", Input)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_a_folder_to_be_made_and_a_zip_say_so(book, tmp_path, size):
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=size) as pilot:
        field = await open_batch_pdf(pilot, app)
        folder = tmp_path / "september-run-pdf"
        assert field.value == str(folder) and not folder.exists()
        summary = text(app, "#export-summary")
        assert (f"Writes 3 files in {folder} (a new folder, made by the export): "
                "NS-000001.pdf .. NS-000003.pdf (all new)") in summary.replace("\n", " "), summary
        assert text(app, "#export-error") == ""

        folder.mkdir()  # there now: nothing to make
        await type_destination(pilot, field, str(folder))
        summary = text(app, "#export-summary").replace("\n", " ")
        assert f"Writes 3 files in {folder}: NS-000001.pdf" in summary and "new folder" not in summary, summary

        await type_destination(pilot, field, str(tmp_path / "batch.zip"))
        summary = text(app, "#export-summary").replace("\n", " ")
        assert (f"Writes batch.zip in {tmp_path} (new file): NS-000001.pdf .. NS-000003.pdf (3 files) "
                "inside batch.zip") in summary, summary
        await burst(pilot, "enter")
        import zipfile

        with zipfile.ZipFile(tmp_path / "batch.zip") as archive:
            assert sorted(archive.namelist()) == ["NS-000001.pdf", "NS-000002.pdf", "NS-000003.pdf"]
