"""Export one invoice or a whole batch: the format, the destination (a file
in the current directory by default) and what will be written, then the
export runs in a thread worker and the dialog says what it wrote."""
from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select

from store import exports
from tui.format import count, number_range, totals
from tui.work import run_store

FORMAT_NAMES = {
    "qbo-csv": "QuickBooks Online CSV",
    "qbd-iif": "QuickBooks Desktop IIF",
    "xero-csv": "Xero sales invoices CSV",
    "csv": "Plain CSV",
    "pdf": "PDF invoices (one file per invoice)",
    "ubl": "Peppol UBL e-invoices (one file per invoice)",
    "facturx": "Factur-X / ZUGFeRD PDF (one file per invoice)",
}


class ExportDialog(ModalScreen):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="export.cancel", tooltip="Write nothing"),
        Binding("ctrl+s", "export", "Export", id="export.run", tooltip="Write the file"),
    ]

    def __init__(self, numbers: list[str] | None = None, batch=None) -> None:
        super().__init__()
        self.numbers = list(numbers or [])
        self.batch = batch
        self._default = ""  # the default path shown last: a user's own path is kept

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Export {self._what()}", classes="dialog-title", markup=False)
            yield Label("Format:")
            yield Select([(label, fmt) for fmt, label in FORMAT_NAMES.items()], value="qbo-csv",
                         allow_blank=False, compact=True, id="export-format")
            yield Label("Destination file:")
            yield Input(self._default_path("qbo-csv"), id="export-path", compact=True)
            yield Label("", id="export-summary", markup=False)
            yield Label("ctrl+s: export (or enter in the file field) · esc: cancel · tab: next",
                        classes="dialog-hint", id="export-keys")
            yield Label("", id="export-error", classes="problem", markup=False)

    def on_mount(self) -> None:
        self._describe()
        self.query_one("#export-format", Select).focus()

    def _what(self) -> str:
        if self.batch is not None:
            b = self.batch
            return (f"batch {b.name}: {count(b.invoice_count, 'invoice')} "
                    f"{number_range(b.invoice_numbers, b.invoice_count)}")
        if len(self.numbers) == 1:
            return f"invoice {self.numbers[0]}"
        return f"{len(self.numbers)} invoices"

    @property
    def fmt(self) -> str:
        return self.query_one("#export-format", Select).value

    def _default_path(self, fmt: str) -> str:
        if self.batch is not None:
            name = exports.default_filename(fmt, batch_id=self.batch.id)
        else:
            name = exports.default_filename(fmt, numbers=self.numbers)
        self._default = str(Path(self.app.export_dir) / name)
        return self._default

    def _describe(self) -> None:
        path = Path(self.query_one("#export-path", Input).value.strip() or ".")
        exists = " (it exists and will be replaced)" if path.exists() else ""
        money = f", total {totals(self.batch.totals)}" if self.batch is not None else ""
        self.query_one("#export-summary", Label).update(
            f"Writes {FORMAT_NAMES[self.fmt]} to {path}{exists}{money}; the invoices are then "
            "marked exported (exporting again is allowed)."
        )

    def on_select_changed(self, event: Select.Changed) -> None:
        field = self.query_one("#export-path", Input)
        if field.value.strip() in ("", self._default):
            self._default = self._default_path(self.fmt)
            field.value = self._default
        self._describe()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._describe()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_export()

    def action_export(self) -> None:
        path = self.query_one("#export-path", Input).value.strip()
        if not path:
            self.query_one("#export-error", Label).update("Give a destination file.")
            return
        kwargs = {"batch": self.batch.id} if self.batch is not None else {"numbers": self.numbers}
        self.query_one("#export-error", Label).update("Exporting...")
        app = self.app

        def progress(done: int, total: int) -> None:  # called in the worker: hand it to the UI thread
            app.call_from_thread(self._progress, done, total)

        if self.fmt in ("pdf", "facturx"):
            kwargs["progress"] = progress
        run_store(self, exports.export_invoices, fmt=self.fmt, out_path=path,
                  actor=self.app.actor, done=self._done, failed=self._failed, group="export", **kwargs)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#export-error", Label).update(f"Writing {done} of {total} files...")

    def _done(self, result) -> None:
        files = ", ".join(str(p) for p in result.files[:3]) + (
            f" and {len(result.files) - 3} more" if len(result.files) > 3 else "")
        again = f"; {len(result.reexported)} exported again" if result.reexported else ""
        self.app.notify(f"Wrote {files}: {count(result.invoices, 'invoice')}, "
                        f"{count(result.rows, 'row')}{again}",
                        title="Exported", timeout=8)
        for warning in result.warnings:
            self.app.notify(warning, severity="warning", timeout=8)
        self.dismiss(result)

    def _failed(self, error) -> None:
        self.query_one("#export-error", Label).update(str(error))

    def action_cancel(self) -> None:
        self.dismiss(None)
