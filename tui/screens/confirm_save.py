"""What saving the batch will bill: one row per invoice (a page or two of
them, scrolling inside a bounded area), and the totals per currency. The
total and the keys always show, whatever the terminal's height. Enter or
ctrl+s saves, escape goes back."""
from __future__ import annotations

from collections import defaultdict

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, Static

from tui.format import WIDE_DIALOG, cell, clip, count, flex_widths, line, money, safe, totals, widest

SHOWN = 40  # rows the table holds (a page or two); the rest are counted
# rows of the dialog around the table: border 2, title, table header,
# "... more", total, note, buttons; and a row of screen margin above and below
AROUND_TABLE = 2 + 1 + 1 + 1 + 1 + 1 + 1 + 2


class ConfirmSaveDialog(ModalScreen[bool]):
    BINDINGS = [
        Binding("ctrl+s,enter", "confirm", "Save", id="confirm.save", tooltip="Create the invoices"),
        Binding("escape", "cancel", "Cancel", id="confirm.cancel", tooltip="Back to the editor"),
        Binding("down,j", "scroll('down')", "Down", show=False, id="confirm.down"),
        Binding("up,k", "scroll('up')", "Up", show=False, id="confirm.up"),
        Binding("pagedown", "scroll('pagedown')", "Page down", show=False, id="confirm.pagedown"),
        Binding("pageup", "scroll('pageup')", "Page up", show=False, id="confirm.pageup"),
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
        with Vertical(classes="dialog wide-dialog", id="confirm-dialog"):
            yield Label(safe(f"Save {self.batch_name}: {count(len(self.previews), 'invoice')}, "
                        f"{count(lines, 'line')}"),
                        classes="dialog-title", markup=False)
            yield DataTable(cursor_type="none", id="previews")
            more = len(self.previews) - SHOWN
            if more > 0:
                yield Label(f"... and {count(more, 'more invoice')}", classes="dialog-hint")
            self.total_text = "Total to bill: " + totals(sorted(grand.items()))
            yield Static(line("Total to bill: ", (totals(sorted(grand.items())), "bold")), id="grand-total")
            yield Label("Tickets become billed; invoice numbers are assigned now.", classes="dialog-hint")
            with Horizontal(classes="buttons"):
                yield Label("enter: save · esc: back · ↑↓: scroll", classes="dialog-hint", id="confirm-keys")
                yield Button("Cancel (esc)", id="cancel", compact=True)
                yield Button("Save (enter)", id="save", variant="primary", compact=True)

    def on_mount(self) -> None:
        # a toast left from the editor ("Detail level ...") would cover the total
        self.app.clear_notifications()
        self._fill_table()
        self._bound_table()
        self.query_one("#save", Button).focus()

    def on_resize(self) -> None:
        self._fill_table()
        self._bound_table()

    def _fill_table(self) -> None:
        """The rows, the customer's name given all the width the amounts leave
        (issue 12: at 80 columns names were cut at 18 with 10 columns unused):
        the amount columns are as wide as their widest cell, as the table draws
        them, so they always show; the name takes the rest of the dialog."""
        rows = [(p.line_count, money(p.subtotal, p.currency), money(p.tax, p.currency), money(p.total, p.currency))
                for p in self.previews[:SHOWN]]
        headers = ("Lines", "Subtotal", "Tax", "Total")
        width = self.size.width or self.app.size.width
        inner = min(WIDE_DIALOG, width) - 4  # the dialog (max-width 100%) less its border and padding
        (customer_w,) = flex_widths(inner, widest(headers, rows), (1,), minimum=12)
        table = self.query_one("#previews", DataTable)
        table.clear(columns=True)
        table.add_columns("Customer", *headers)
        for p, r in zip(self.previews, rows):
            table.add_row(*map(cell, (clip(p.customer, customer_w), *r)))

    def _bound_table(self) -> None:
        """The table gets the rows the screen has left once the rest of the
        dialog is in: the total and the buttons always show."""
        more = 1 if len(self.previews) > SHOWN else 0
        inner = max(20, min(WIDE_DIALOG, self.size.width - 4) - 4)  # the dialog's border and padding
        total_rows = -(-len(self.total_text) // inner)  # many currencies wrap the total
        room = self.size.height - AROUND_TABLE + (1 - more) - (total_rows - 1)
        self.query_one("#previews", DataTable).styles.max_height = max(2, room)

    def action_scroll(self, how: str) -> None:
        table = self.query_one("#previews", DataTable)
        {"down": table.scroll_down, "up": table.scroll_up,
         "pagedown": table.scroll_page_down, "pageup": table.scroll_page_up}[how](animate=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "save")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
