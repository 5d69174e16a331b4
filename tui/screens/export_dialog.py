"""Export one invoice or a whole batch: the format, the destination (by
default a file named after the batch or invoice, in the folder of this run's
last export, else the export directory) and what will be written, checked before
anything is: the exact file(s), whether one is replaced, why the destination
cannot be used (a missing or read-only directory, something that is not a
regular file), and what in the content needs a look (a Xero tax type covering
several rates, invoices in another currency in a format without a currency
column). A destination that cannot be used writes nothing and the dialog
stays open; content warnings ask for enter (or ctrl+s) once more.

The checks and the export are store calls (:func:`store.exports.preview_export`,
:func:`store.exports.export_checked`) in thread workers."""
from __future__ import annotations

import os
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, Select

from store import exports
from tui.format import count, number_range, plural, safe, totals
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
PREVIEW_AFTER = 0.15  # seconds of no typing before the destination is checked again
HINT = "ctrl+s: export (or enter in the file field) · esc: cancel · tab: next"
CHECKING = "Checking the destination..."


def first_to_last(names) -> str:
    """'NS-000261.pdf .. NS-000284.pdf (24 files)', 'NS-000003.pdf' for one."""
    names = list(names)
    if len(names) == 1:
        return names[0]
    return f"{names[0]} .. {names[-1]} ({len(names)} files)"


def describe_files(preview) -> str:
    """'Writes NS-000003-qbo.csv in /tmp/x (new)', or the first and last of several files;
    a folder the export makes says so, a zip what goes inside (issue 12)."""
    paths = preview.paths
    if not paths:
        return ""
    replaced = set(preview.replaces)
    inside = preview.inside
    where = str(paths[0].parent)
    if preview.creates is not None:
        where += " (a new folder, made by the export)"
    if len(paths) == 1:
        state = "replaces the existing file" if paths[0] in replaced else "new file"
        text = f"Writes {paths[0].name} in {where} ({state})"
        if inside:
            text += f": {first_to_last(inside)} inside {paths[0].name}"
        return text
    state = (f"{len(replaced)} of them replace existing files" if replaced else "all new")
    return f"Writes {len(paths)} files in {where}: {paths[0].name} .. {paths[-1].name} ({state})"


def wrote_message(result) -> str:
    """What an export wrote, each count once: 'Wrote 24 files in DIR: NS-000237.pdf ..
    NS-000260.pdf', or 'Wrote PATH: 3 invoices, 12 rows' for one file; for the formats
    written one file per invoice (PDF, UBL, Factur-X) the files, not rows, which a
    document has none of (issue 12: "1 invoice, 13 rows" after a PDF): 'Wrote
    NS-000001.pdf: 1 invoice, 1 file', 'Wrote run.zip: 3 invoices, 3 files'."""
    files = result.files
    if len(files) > 1:
        folder = files[0].parent
        where = (f"in {folder}" if all(p.parent == folder for p in files)
                 else f"under {Path(os.path.commonpath([str(p) for p in files]))}")
        return f"Wrote {len(files)} files {where}: {files[0].name} .. {files[-1].name}"
    if not files:
        return f"Wrote nothing: {count(result.invoices, 'invoice')}"
    if result.format in exports.PER_INVOICE:
        # a zip holds one document per invoice and credit note (its details say how many)
        zipped = files[0].suffix.lower() == ".zip"
        documents = (result.details[0].rows if result.details else result.invoices) if zipped else 1
        return f"Wrote {files[0]}: {count(result.invoices, 'invoice')}, {count(documents, 'file')}"
    return f"Wrote {files[0]}: {count(result.invoices, 'invoice')}, {count(result.rows, 'row')}"


def refusal_of(preview) -> str:
    """Why the export would write nothing, in one line: the destination's first
    problem, else what a customer format needs set first (the first, and how many
    more: ``batchbill export`` lists them all); empty when it can go ahead."""
    if preview.problems:
        return preview.problems[0]
    if preview.missing:
        more = f" (and {len(preview.missing) - 1} more)" if len(preview.missing) > 1 else ""
        return f"Set first: {preview.missing[0]}{more}"
    return ""


def check_then_export(args: dict, accept_warnings: bool, progress=None):
    """The preview when it refuses or warns (and warnings are not accepted yet), else
    the export's result. One call: what is checked is what is written. ``progress(done,
    total)`` hears of each file of the formats written one file per invoice (PDF)."""
    preview = exports.preview_export(**args)
    if not preview.ok or (preview.warnings and not accept_warnings):
        return preview
    return exports.export_checked(**args, progress=progress)


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
        self._names: dict[str, str] = {}  # each format's default name (store.exports.default_names)
        self._timer: Timer | None = None
        self._warned: tuple | None = None  # (format, path) whose warnings were shown: enter again goes on
        self.preview = None
        self.busy = False
        self._doing = ""  # what the export is doing ("Exporting...", "Writing 3 of 22 files...")
        self._held = 0  # keys typed while it runs: they wait for it (tui.keys)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Export {self._what()}", classes="dialog-title", markup=False)
            yield Label("Format:")
            yield Select([(label, fmt) for fmt, label in FORMAT_NAMES.items()], value="qbo-csv",
                         allow_blank=False, compact=True, id="export-format")
            yield Label("Destination file:")
            yield Input("", id="export-path", compact=True, placeholder="a file, or a folder to write into")
            yield Label(CHECKING, id="export-summary", markup=False)
            yield Label("", id="export-warnings", classes="warning", markup=False)
            yield Label(HINT, classes="dialog-hint", id="export-keys")
            yield Label("", id="export-error", classes="problem", markup=False)

    def on_mount(self) -> None:
        # a toast left from before (an earlier export's "Wrote ...") would sit on the dialog
        self.app.clear_notifications()
        self.query_one("#export-warnings", Label).display = False
        self.query_one("#export-format", Select).focus()
        # the default names come from the store (a batch's name, made unique): keys typed
        # meanwhile wait for them (not a background call), so a path typed at once replaces
        # the default instead of being typed before it
        what = {"batch": self.batch.id} if self.batch is not None else {"numbers": list(self.numbers)}
        run_store(self, exports.default_names, **what, done=self._named, failed=self._failed,
                  group="export-names")

    def _named(self, names: dict[str, str]) -> None:
        self._names = names
        field = self.query_one("#export-path", Input)
        if not field.value.strip():
            field.value = self._default_path(self.fmt)
        self._check_soon(0)

    def _what(self) -> str:
        if self.batch is not None:
            b = self.batch
            # the count once: the range without its "(N)"
            return safe(f"batch {b.name}: {count(b.invoice_count, 'invoice')} "
                        f"{number_range(b.invoice_numbers, b.invoice_count, count_too=False)}")
        if len(self.numbers) == 1:
            return f"invoice {self.numbers[0]}"
        return count(len(self.numbers), "invoice")

    @property
    def fmt(self) -> str:
        return self.query_one("#export-format", Select).value

    @property
    def path_text(self) -> str:
        return self.query_one("#export-path", Input).value.strip()

    def _args(self) -> dict:
        args = {"fmt": self.fmt, "out_path": self.path_text, "directory": str(self.app.export_folder)}
        if self.batch is not None:
            args["batch"] = self.batch.id
        else:
            args["numbers"] = list(self.numbers)
        return args

    def _default_path(self, fmt: str) -> str:
        """The format's default name in the folder of the app's last export."""
        name = self._names.get(fmt)
        if not name:
            return ""
        self._default = str(Path(self.app.export_folder) / name)
        return self._default

    # --- the preview, as the destination is typed ---------------------------------

    def _check_soon(self, delay: float = PREVIEW_AFTER) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self._check)

    def _check(self) -> None:
        if self.busy:
            return
        run_store(self, exports.preview_export, **self._args(), done=self._show_preview,
                  failed=self._failed, after=self._checked, group="export-preview", background=True)

    def _checked(self) -> None:
        """The check is over: an unexpected error (a notification) leaves no
        "Checking the destination..." behind."""
        if not self.busy:
            self._drop_checking()

    def _drop_checking(self) -> None:
        """A "Checking the destination..." left on the summary (its check is over,
        or dropped by an export) gives way to the plain summary."""
        summary = self.query_one("#export-summary", Label)
        if str(summary.render()) == CHECKING:
            summary.update(safe(self._plain_summary()))

    def _plain_summary(self, invoices: int | None = None) -> str:
        """The format and how much, without the files (a refusal says why there are none)."""
        if invoices is None:
            invoices = (self.preview.invoices if self.preview is not None
                        else self.batch.invoice_count if self.batch is not None else len(self.numbers))
        money = f"; total {totals(self.batch.totals)}" if self.batch is not None else ""
        return f"{FORMAT_NAMES[self.fmt]}, {count(invoices, 'invoice')}{money}."

    def _show_preview(self, preview) -> None:
        if self.busy:
            return
        self.preview = preview
        refusal = refusal_of(preview)
        files = describe_files(preview) if not refusal else ""  # the refusal says it all
        summary = self.query_one("#export-summary", Label)
        plain = self._plain_summary(preview.invoices)
        if files:
            summary.update(safe(f"{plain[:-1]}. {files}; the invoices are then marked exported."))
        else:
            summary.update(safe(plain))
        self.query_one("#export-error", Label).update(safe(refusal))
        warnings = self.query_one("#export-warnings", Label)
        warnings.update(safe("\n".join(f"Check: {w}" for w in preview.warnings)))
        warnings.display = bool(preview.warnings)

    def on_select_changed(self, event: Select.Changed) -> None:
        field = self.query_one("#export-path", Input)
        if self._names and field.value.strip() in ("", self._default):
            field.value = self._default_path(self.fmt)
        self._changed()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._changed()

    def _changed(self) -> None:
        self._warned = None
        self.query_one("#export-keys", Label).update(HINT)
        if not self.busy:  # what is shown is about the previous destination: say it is being checked
            self.query_one("#export-summary", Label).update(CHECKING)
        self._check_soon()

    # --- the export ---------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    def action_export(self) -> None:
        if self.busy:
            return
        if not self.path_text:
            self.query_one("#export-summary", Label).update(safe(self._plain_summary()))
            self.query_one("#export-error", Label).update("Give a destination file.")
            return
        if self._timer is not None:
            self._timer.stop()
        self.busy = True
        self._held = 0
        self._drop_checking()  # a check still running is dropped (busy)
        self._doing_now("Exporting...")
        app = self.app

        def progress(done: int, total: int) -> None:  # called in the worker: hand it to the UI thread
            app.call_from_thread(self._progress, done, total)

        # keys typed meanwhile wait for the export however long it takes (22 PDFs: longer than
        # the key gate's limit for other calls), then land where the focus is after it
        run_store(self, check_then_export, self._args(), self._warned == (self.fmt, self.path_text),
                  progress if self.fmt in ("pdf", "facturx") else None,
                  done=self._done, failed=self._failed, after=self._over, group="export",
                  hold_keys=True, held=self._keys_held)

    def _doing_now(self, text: str) -> None:
        self._doing = text
        held = ""
        if self._held:
            held = (f" ({count(self._held, 'key')} typed meanwhile {plural(self._held, 'waits', 'wait')} "
                    "for the export)")
        self.query_one("#export-error", Label).update(text + held)

    def _keys_held(self, waiting: int) -> None:
        if self.busy and self._doing:
            self._held = waiting
            self._doing_now(self._doing)

    def _over(self) -> None:
        self.busy = False
        if self._doing:  # an unexpected error (shown as a notification)
            self._doing = ""
            self.query_one("#export-error", Label).update("Not exported: see the message above.")
            self._checked()

    def _progress(self, done: int, total: int) -> None:
        if self._doing:
            self._doing_now(f"Writing {done} of {total} files...")

    def _done(self, result) -> None:
        self._doing = ""
        if isinstance(result, exports.ExportPreview):
            self.busy = False
            self._show_preview(result)
            if not result.ok:
                return
            self._warned = (self.fmt, self.path_text)
            self.query_one("#export-error", Label).update("")
            self.query_one("#export-keys", Label).update(
                "Check the warning: enter or ctrl+s exports anyway · esc: cancel · or change the format")
            return
        again = f"; {len(result.reexported)} exported again" if result.reexported else ""
        if result.output is not None:  # the next export offers this folder (per app run)
            self.app.export_folder = result.output.parent
        self.app.notify(safe(wrote_message(result) + again), title="Exported", timeout=8, markup=False)
        self.dismiss(result)

    def _failed(self, error) -> None:
        self.busy = False
        self._doing = ""
        self.query_one("#export-summary", Label).update(safe(self._plain_summary()))
        self.query_one("#export-error", Label).update(safe(str(error)))

    def action_cancel(self) -> None:
        self.dismiss(None)
