"""Invoices, newest first (all of them, or one batch's), paged in SQL."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

from store import listing
from tui.commands import hidden_global_bindings, quiet_global_bindings
from tui.format import clip, day, flex_widths, money
from tui.widgets.footer import KeyFooter
from tui.screens.list_screen import ListScreen
from tui.widgets.list_panel import ListPanel
from tui.widgets.title_bar import TitleBar


def invoice_row(inv, width: int = 80):
    """Number, customer, amount, status and due date whole at 80 columns (issue 12:
    the due date is what a billing admin looks for in this list); the customer and
    the batch share what is left."""
    customer_w, batch_w = flex_widths(width, (9, 14, 8, 10), (3, 2))
    return (inv.number, clip(inv.customer, customer_w), money(inv.total, inv.currency), inv.status,
            day(inv.due_date), clip(inv.batch_name, batch_w))


def batch_invoice_row(inv, width: int = 80):
    """One batch's invoices share their issue date (in the title's batch): the due
    date is the column that tells them apart."""
    (customer_w,) = flex_widths(width, (9, 14, 8, 10), (1,))
    return (inv.number, clip(inv.customer, customer_w), money(inv.total, inv.currency), inv.status,
            day(inv.due_date))


class InvoicesScreen(ListScreen):
    TITLE = "Invoices"
    BINDINGS = [
        Binding("e", "export", "Export", id="invoices.export", tooltip="Export the highlighted invoice"),
        Binding("x", "export_batch", "Export batch", id="invoices.export_batch",
                tooltip="Export every invoice of this batch"),
        Binding("escape", "back", "Back", id="invoices.back", tooltip="Leave the search box, or go back"),
        Binding("delete", "delete", "Delete", show=False, id="invoices.delete",
                tooltip="Invoices are never deleted: how to void one instead"),
        *hidden_global_bindings("invoices"),  # the area this is: its key works, the footer has no room
    ]

    def __init__(self, batch=None) -> None:
        super().__init__()
        self.batch = batch
        if batch is not None:
            self.sub_title = f"batch {batch.name} ({batch.status})"

    def compose(self) -> ComposeResult:
        batch_id = self.batch.id if self.batch is not None else None
        title = "Invoices" if self.batch is None else f"Invoices of {self.batch.name}"
        yield TitleBar()
        columns = ["Invoice", "Customer", "Total", "Status", "Due"]
        if self.batch is None:
            columns.append("Batch")
        yield ListPanel(title, columns,
                        lambda q, p, s: listing.recent_invoices(q, p, s, batch_id=batch_id),
                        invoice_row if self.batch is None else batch_invoice_row,
                        page_size=self.app.page_size, id="invoices",
                        placeholder="filter: number, customer, batch",
                        empty="no invoices yet")
        yield KeyFooter()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "export_batch":
            return self.batch is not None
        return True

    @on(ListPanel.Opened)
    def _opened(self, event: ListPanel.Opened) -> None:
        self.app.open_invoice(event.item.number)

    def action_export(self) -> None:
        if self.panel.current is not None:
            self.app.export_invoices([self.panel.current.number], status=self.panel.current.status)

    def action_delete(self) -> None:
        """Delete was silent here: an invoice is never deleted (its number is used); say what is."""
        what = "void the batch on Batches (b, then v)" if self.batch is not None else ""
        self.notify("An invoice is never deleted (its number stays used): open it (enter) and void it "
                    f"with v{', or ' + what if what else ''}.", severity="warning")

    def action_export_batch(self) -> None:
        if self.batch is not None:
            self.app.export_batch(self.batch)

    def action_back(self) -> None:
        if self.focused is not self.panel.table:
            self.panel.table.focus()
        elif self.batch is not None:
            self.dismiss()


class BatchInvoicesScreen(InvoicesScreen):
    """One batch's invoices (the footer keeps room for the batch's own keys)."""

    BINDINGS = [*quiet_global_bindings("help", "quit")]
