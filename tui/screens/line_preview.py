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
from tui.format import WIDE_DIALOG, count, flex_widths, money, safe, widest, wrap
from tui.widgets.row_table import RowTable

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
            yield RowTable(cursor_type="row", id="preview-lines")
            yield Label(f"Subtotal {money(p.subtotal, p.currency)} · tax {money(p.tax, p.currency)} · "
                        f"total {money(p.total, p.currency)}", markup=False)
            yield Label("esc: back · t in the editor changes the detail level", classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill()
        self.query_one(DataTable).focus()

    def on_resize(self) -> None:
        self._fill()  # the descriptions get the new width

    def _fill(self) -> None:
        """The lines, Qty, Unit price and Amount always whole and in sight; the
        description takes the width they leave and wraps in its column (issue 12:
        as wide as the longest description, it pushed Qty and Amount off an
        80-column terminal, with nothing saying to scroll right)."""
        p = self.preview
        rows = [(line.description, quantity_str(line.quantity), money(line.unit_price, p.currency),
                 money(line.amount, p.currency)) for line in p.lines]
        heads = ("Qty", "Unit price", "Amount")
        fixed = widest(heads, [row[1:] for row in rows])
        inside = min(WIDE_DIALOG, self.app.size.width) - 4  # the border and the padding
        (room,) = flex_widths(inside, fixed, (1,), minimum=12)
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column("Description", width=room)
        for head, cells in zip(heads, fixed):
            table.add_column(Text(head, justify="right"), width=cells)
        for description, quantity, unit, amount in rows:
            table.add_row(Text(wrap(description, room, lines=4, hang=1)), Text(quantity, justify="right"),
                          Text(unit, justify="right"), Text(amount, justify="right"), height=None)
        if table.row_count:
            table.move_cursor(row=max(0, min(row, table.row_count - 1)), animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
