"""Void one invoice (issue 11): the reason is required and recorded with who
voided it; the invoice's items can be billed again, the rest of its batch stays
saved. An exported invoice says so: voiding here does not void it in the
accounting system."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.format import money, safe


class VoidInvoiceDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="void-invoice.cancel", tooltip="Keep the invoice")]

    def __init__(self, invoice) -> None:
        super().__init__()
        self.invoice = invoice

    def compose(self) -> ComposeResult:
        inv = self.invoice
        with Vertical(classes="dialog"):
            yield Label(safe(f"Void invoice {inv.number} ({inv.customer.name})"), classes="dialog-title",
                        markup=False)
            yield Label(safe(f"{money(inv.total, inv.currency)} becomes void; the number stays used, its "
                             f"items can be billed again, the rest of batch {inv.batch_name} stays saved."),
                        markup=False)
            if inv.status == "exported":
                yield Label(f"{inv.number} was exported: void it in your accounting system too.",
                            id="void-invoice-exported", classes="problem", markup=False)
            yield Label("Reason (required), enter to void, esc to cancel:", classes="field-label")
            yield Input(placeholder="why this invoice is voided", id="void-invoice-reason", compact=True)
            yield Label("", id="void-invoice-error", classes="problem", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.query_one("#void-invoice-error", Label).update("A reason is required.")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
