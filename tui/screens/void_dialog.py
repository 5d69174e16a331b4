"""Void a saved batch: the reason is required and recorded with who voided it."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.format import number_range, totals


class VoidDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="void.cancel", tooltip="Keep the batch")]

    def __init__(self, batch) -> None:
        super().__init__()
        self.batch = batch

    def compose(self) -> ComposeResult:
        b = self.batch
        with Vertical(classes="dialog"):
            yield Label(f"Void batch {b.name} ({b.period})", classes="dialog-title", markup=False)
            yield Label(f"Invoices {number_range(b.invoice_numbers, b.invoice_count)} "
                        f"totalling {totals(b.totals)} become void; their numbers stay used "
                        "and their items can be billed again.")
            yield Label("Reason (required), enter to void, esc to cancel:", classes="field-label")
            yield Input(placeholder="why this batch is voided", id="void-reason", compact=True)
            yield Label("", id="void-error", classes="problem", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.query_one("#void-error", Label).update("A reason is required.")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
