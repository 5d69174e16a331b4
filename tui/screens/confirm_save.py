"""What saving the batch will bill: one row per invoice (a page of them), and
the totals per currency. Enter or ctrl+s saves, escape goes back."""
from __future__ import annotations

from collections import defaultdict

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, Static

from tui.format import cell, count, line, money, totals

SHOWN = 12


class ConfirmSaveDialog(ModalScreen[bool]):
    BINDINGS = [
        Binding("ctrl+s,enter", "confirm", "Save", id="confirm.save", tooltip="Create the invoices"),
        Binding("escape", "cancel", "Cancel", id="confirm.cancel", tooltip="Back to the editor"),
    ]

    def __init__(self, batch_name: str, previews) -> None:
        super().__init__()
        self.batch_name = batch_name
        self.previews = previews

    def compose(self) -> ComposeResult:
        grand: dict[str, int] = defaultdict(int)
        lines = 0
        for p in self.previews:
            grand[p.currency] += p.total
            lines += p.line_count
        with Vertical(classes="dialog"):
            yield Label(f"Save {self.batch_name}: {count(len(self.previews), 'invoice')}, "
                        f"{count(lines, 'line')}",
                        classes="dialog-title", markup=False)
            table = DataTable(cursor_type="none", id="previews")
            table.add_columns("Customer", "Lines", "Subtotal", "Tax", "Total")
            for p in self.previews[:SHOWN]:
                table.add_row(*map(cell, (p.customer[:22], p.line_count, money(p.subtotal, p.currency),
                              money(p.tax, p.currency), money(p.total, p.currency))))
            yield table
            more = len(self.previews) - SHOWN
            if more > 0:
                yield Label(f"... and {more} more invoices", classes="dialog-hint")
            yield Static(line("Total to bill: ", (totals(sorted(grand.items())), "bold")), id="grand-total")
            yield Label("Tickets become billed; invoice numbers are assigned now.", classes="dialog-hint")
            with Horizontal(classes="buttons"):
                yield Button("Cancel (esc)", id="cancel", compact=True)
                yield Button("Save (enter)", id="save", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "save")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
