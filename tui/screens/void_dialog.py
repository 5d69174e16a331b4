"""Void a saved batch: the reason is required and recorded with who voided
it. When some of its invoices were exported, the dialog says so: voiding
here does not void them in the accounting system."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from store import listing
from tui.format import count, number_range, plural, safe, totals
from tui.work import run_store


def exported_warning(exported: int, invoice_count: int) -> str:
    """``invoice_count``: the batch's invoices that stand (one voided alone is void already)."""
    if not exported:
        return ""
    return (f"{exported} of its {count(invoice_count, 'invoice')} {plural(exported, 'was', 'were')} exported: "
            f"void {plural(exported, 'it', 'them')} in your accounting system too.")


class VoidDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="void.cancel", tooltip="Keep the batch")]

    def __init__(self, batch) -> None:
        super().__init__()
        self.batch = batch

    def compose(self) -> ComposeResult:
        b = self.batch
        with Vertical(classes="dialog"):
            yield Label(safe(f"Void batch {b.name} ({b.period})"), classes="dialog-title", markup=False)
            void_already = b.invoice_count - b.live_count
            already = (f" ({void_already} of its invoices {plural(void_already, 'is', 'are')} "
                       "void already)") if void_already else ""
            yield Label(f"Invoices {number_range(b.invoice_numbers, b.live_count)} "
                        f"totalling {totals(b.totals)} become void{already}; "
                        "their numbers stay used and their items can be billed again.", markup=False)
            yield Label("", id="void-exported", classes="problem", markup=False)
            yield Label("Reason (required), enter to void, esc to cancel:", classes="field-label")
            yield Input(placeholder="why this batch is voided", id="void-reason", compact=True)
            yield Label("", id="void-error", classes="problem", markup=False)

    def on_mount(self) -> None:
        self.query_one("#void-exported", Label).display = False
        run_store(self, listing.exported_count, self.batch.id, done=self._exported, group="void-exported")

    def _exported(self, exported: int) -> None:
        label = self.query_one("#void-exported", Label)
        label.update(exported_warning(exported, self.batch.live_count))
        label.display = bool(exported)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.query_one("#void-error", Label).update("A reason is required.")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
