"""The invoice lines a customer's invoice will have at the batch's detail level,
as saving would write them (``p`` in the batch editor): what "one line per
contract" or "one line per time entry" means, before anything is billed."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from store.money import quantity_str
from tui.format import count, money, safe

DETAIL_LABELS = {
    "contract": "one line per contract and period",
    "ticket": "one line per ticket",
    "time_entry": "one line per time entry",
}


def detail_label(detail: str) -> str:
    """'one line per ticket': the detail level as a user reads it (never 'time_entry')."""
    return DETAIL_LABELS.get(detail, detail.replace("_", " "))


class LinePreviewDialog(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,p,q", "close", "Close", id="preview.close", tooltip="Back to the editor"),
    ]

    def __init__(self, preview, detail: str) -> None:
        super().__init__()
        self.preview = preview
        self.detail = detail

    def compose(self) -> ComposeResult:
        p = self.preview
        with Vertical(classes="dialog wide-dialog", id="line-preview"):
            yield Label(safe(f"{p.customer}: {count(p.line_count, 'invoice line')} "
                             f"({detail_label(self.detail)})"), classes="dialog-title", markup=False)
            table = DataTable(cursor_type="row", id="preview-lines")
            table.add_column("Description")
            table.add_column("Qty")
            table.add_column("Amount")
            for line in p.lines:
                table.add_row(Text(safe(line.description)), quantity_str(line.quantity),
                              money(line.amount, p.currency), height=None)
            yield table
            yield Label(f"Subtotal {money(p.subtotal, p.currency)} · tax {money(p.tax, p.currency)} · "
                        f"total {money(p.total, p.currency)}", markup=False)
            yield Label("esc: back · t in the editor changes the detail level", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def action_close(self) -> None:
        self.dismiss(None)
