"""The export dialog checks the destination before anything is written: the
exact file(s), a missing or read-only directory, a target that is not a
regular file; every refusal is one line and the dialog stays usable."""
from __future__ import annotations

import os

from tests.tui.conftest import burst, make_app, settle


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def open_dialog(pilot, app):
    """The dialog for NS-000001 (USD, the home currency: no content warning)."""
    await settle(pilot)
    await burst(pilot, "i", "down", "down", "e")
    assert type(app.screen).__name__ == "ExportDialog"


async def choose_format(pilot, app, fmt: str) -> None:
    """The dialog's format set to ``fmt``, and its preview there for it."""
    from textual.widgets import Select

    app.screen.query_one("#export-format", Select).value = fmt
    await pilot.pause(0.3)  # the preview follows the change
    await settle(pilot)


async def type_destination(pilot, destination: str) -> None:
    await burst(pilot, "tab", "ctrl+u", *destination)
    await pilot.pause(0.3)  # the preview follows the typing
    await settle(pilot)


async def test_preview_names_the_file_written_for_a_directory_destination(book, tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dialog(pilot, app)
        await type_destination(pilot, str(out))
        summary = text(app, "#export-summary")
        assert f"Writes NS-000001-qbo.csv in {out} (new file)" in summary
        await burst(pilot, "enter")
        assert [p.name for p in out.iterdir()] == ["NS-000001-qbo.csv"]


async def test_preview_says_an_existing_file_is_replaced(book, tmp_path):
    target = tmp_path / "old.csv"
    target.write_text("old")
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dialog(pilot, app)
        await type_destination(pilot, str(target))
        assert "Writes old.csv in" in text(app, "#export-summary")
        assert "(replaces the existing file)" in text(app, "#export-summary")


async def test_a_missing_directory_is_refused_in_one_line_and_the_dialog_stays_usable(book, tmp_path):
    """Seen: a missing directory was created silently (a typo went unnoticed)."""
    from store.models import Invoice

    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dialog(pilot, app)
        typo = tmp_path / "exprots" / "a.csv"
        await type_destination(pilot, str(typo))
        assert "does not exist" in text(app, "#export-error")
        await burst(pilot, "enter")
        assert type(app.screen).__name__ == "ExportDialog"
        error = text(app, "#export-error")
        assert "does not exist" in error and "\n" not in error
        assert not typo.parent.exists()
        assert Invoice.get(Invoice.number == "NS-000001").status == "issued"
        # the dialog is still usable: the right path exports
        await burst(pilot, "ctrl+u", *str(tmp_path / "a.csv"), "enter")
        assert (tmp_path / "a.csv").is_file()
        assert type(app.screen).__name__ == "InvoicesScreen"


async def test_a_fifo_or_a_directory_path_is_not_written(book, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dialog(pilot, app)
        await type_destination(pilot, str(fifo))
        await burst(pilot, "enter")
        assert "FIFO" in text(app, "#export-error")
        assert type(app.screen).__name__ == "ExportDialog"


async def test_an_empty_destination_asks_for_one_and_writes_nothing(book, tmp_path, monkeypatch):
    """Seen: an empty destination previewed 'Writes ... to . (it exists and will be replaced)'."""
    monkeypatch.chdir(tmp_path)
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dialog(pilot, app)
        await burst(pilot, "tab", "ctrl+u")
        await pilot.pause(0.3)
        await settle(pilot)
        assert "will be replaced" not in text(app, "#export-summary")
        await burst(pilot, "enter")
        assert text(app, "#export-error") == "Give a destination file."
        assert list(tmp_path.iterdir()) == [tmp_path / "book.sqlite3"] or \
            {p.name for p in tmp_path.iterdir()} <= {"book.sqlite3", "book.sqlite3-wal", "book.sqlite3-shm"}


async def test_a_read_only_directory_is_one_line_and_never_hangs_on_exporting(book, tmp_path, monkeypatch):
    """Seen: 'Unexpected error PermissionError ... .b.csv.316qvonh.tmp' and the dialog hung on
    'Exporting...'. (The tests run as root, who may write anywhere: the refusal is simulated.)"""
    import tempfile

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == str(locked)
                        else real_access(p, mode, **kw))
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dialog(pilot, app)
        await type_destination(pilot, str(locked / "b.csv"))
        await burst(pilot, "enter")
        assert text(app, "#export-error") == f"directory {locked} is not writable (permission denied)"
        # the check passed but the write fails all the same (the directory changed meanwhile)
        monkeypatch.setattr(os, "access", real_access)

        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied", str(locked / ".b.csv.x.tmp"))

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
        await burst(pilot, "enter")
        error = text(app, "#export-error")
        assert error == f"cannot write {locked / 'b.csv'}: Permission denied; nothing was written"
        assert type(app.screen).__name__ == "ExportDialog" and not app.screen.busy
        monkeypatch.undo()
        await burst(pilot, "ctrl+u", *str(tmp_path / "b.csv"), "enter")
        assert (tmp_path / "b.csv").is_file()


async def test_a_refusal_replaces_the_checking_line(book, tmp_path):
    """A destination refused by the check (here an unknown user's home, which raised in
    the check before) leaves no "Checking the destination..." and no file named."""
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dialog(pilot, app)
        await burst(pilot, "tab", "ctrl+u", *"~nosuchuser12/x.csv", "enter")
        assert type(app.screen).__name__ == "ExportDialog"
        assert text(app, "#export-error") == "cannot use ~nosuchuser12/x.csv: ~nosuchuser12 is no user's home directory"
        summary = text(app, "#export-summary")
        assert summary == "QuickBooks Online CSV, 1 invoice."
        await pilot.pause(0.3)  # the check after the typing says the same
        await settle(pilot)
        assert text(app, "#export-summary") == summary
        assert "no user's home directory" in text(app, "#export-error")


async def test_a_customer_format_names_what_is_missing_before_writing(book, tmp_path):
    """The tui book's seller has no Peppol address: UBL says what to set (the command
    that sets it), writes nothing, and the summary names no file."""
    from store.models import Invoice

    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dialog(pilot, app)
        await choose_format(pilot, app, "ubl")
        error = text(app, "#export-error")
        assert error.startswith("Set first: settings: ") and "batchbill settings set " in error, error
        assert text(app, "#export-summary") == "Peppol UBL e-invoices (one file per invoice), 1 invoice."
        await burst(pilot, "ctrl+s")
        assert type(app.screen).__name__ == "ExportDialog" and text(app, "#export-error") == error
        assert list(tmp_path.glob("*.xml")) == []
        assert Invoice.get(Invoice.number == "NS-000001").status == "issued"


async def test_defaults_are_named_after_the_batch_and_the_last_export_folder_is_remembered(book, tmp_path):
    """The default for a batch is its name ('September run' -> september-run-qbo.csv), as
    on the command line; after an export the next dialog offers the folder exported to,
    not the export directory again."""
    from textual.widgets import Input, Select

    other = tmp_path / "accounts"
    other.mkdir()
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "b", "e")
        assert type(app.screen).__name__ == "ExportDialog"
        field = app.screen.query_one("#export-path", Input)
        assert field.value == str(tmp_path / "september-run-qbo.csv")
        app.screen.query_one("#export-format", Select).value = "pdf"
        await settle(pilot)
        assert field.value == str(tmp_path / "september-run-pdf")
        app.screen.query_one("#export-format", Select).value = "csv"
        await settle(pilot)
        await burst(pilot, "tab", "ctrl+u", *f"{other}/", "enter")
        assert (other / "september-run.csv").is_file()
        assert app.export_folder == other
        await burst(pilot, "i", "down", "down", "e")
        assert app.screen.query_one("#export-path", Input).value == str(other / "NS-000001-qbo.csv")
        await burst(pilot, "escape", "enter", "p")  # the invoice's PDF goes there too
        assert (other / "NS-000001.pdf").is_file()


async def test_opening_the_dialog_clears_a_toast_left_on_screen(book, tmp_path):
    """Seen: the "Exported" toast of the previous export sat on the next dialog."""
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.notify("Wrote something earlier", title="Exported", timeout=30)
        await pilot.pause()
        assert len(app._notifications) == 1
        await open_dialog(pilot, app)
        assert len(app._notifications) == 0


async def test_a_batch_export_says_exporting_never_checking_and_counts_once(book, tmp_path, monkeypatch):
    """Seen at 80x24: "Checking the destination..." stayed up under "Exporting...", the title said
    "3 invoices NS-..(3)" and the toast repeated the count."""
    import threading
    from pathlib import Path

    from store import exports
    from tui.screens import export_dialog

    release = threading.Event()
    files = [tmp_path / f"NS-{n:06d}.pdf" for n in range(237, 261)]

    def slow_export(args, accept_warnings, progress=None):
        release.wait(10)
        return exports.ExportResult(files=files, invoices=24, rows=24, format="pdf",
                                    output=tmp_path / "NS-000237.pdf")

    monkeypatch.setattr(export_dialog, "check_then_export", slow_export)
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "b")
        panel = app.screen.panel
        row = next(i for i, b in enumerate(panel.items) if b.status == "saved")
        panel.table.move_cursor(row=row)
        await burst(pilot, "e")
        dialog = app.screen
        assert type(dialog).__name__ == "ExportDialog"
        title = text(app, ".dialog-title")
        assert title == "Export batch September run: 3 invoices NS-000001..000003", title
        dialog.query_one("#export-path").value = str(tmp_path)  # checking again...
        await pilot.pause()
        dialog.action_export()  # ...and export before the check is back
        await pilot.pause()
        assert text(app, "#export-error") == "Exporting..."
        assert "Checking" not in text(app, "#export-summary")
        release.set()
        await settle(pilot)
        assert type(app.screen).__name__ != "ExportDialog"
        [note] = list(app._notifications)
        assert note.message == f"Wrote 24 files in {tmp_path}: NS-000237.pdf .. NS-000260.pdf"
        assert "24" not in note.title
