"""All billing batches, paged in SQL, with their status. Enter opens a draft
in the batch editor or a saved batch's invoices; v voids a saved batch,
delete deletes a draft (after a confirmation)."""
from __future__ import annotations

from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

from store import listing
from tui.commands import hidden_global_bindings
from tui.format import clip, flex_widths, home_first, number_range, short_totals
from tui.widgets.footer import KeyFooter
from tui.screens.list_screen import ListScreen
from tui.widgets.list_panel import ListPanel
from tui.work import run_store
from tui.widgets.title_bar import TitleBar


def load_batches(query: str, page: int, page_size: int):
    """A page of batches, each with its home-currency total first (else its largest)."""
    home = listing.home_currency()
    return [replace(b, totals=home_first(b.totals, home))
            for b in listing.list_batches(query, page, page_size)]


def batch_row(b, width: int = 80):
    (name_w,) = flex_widths(width, (7, 7, 17, 16), (1,))
    return (clip(b.name, name_w), b.period, b.status,
            number_range(b.invoice_numbers, b.invoice_count, count_too=False), short_totals(b.totals))


class BatchesScreen(ListScreen):
    TITLE = "Batches"
    BINDINGS = [
        Binding("e", "export", "Export", id="batches.export", tooltip="Export every invoice of the batch"),
        Binding("v", "void", "Void", id="batches.void", tooltip="Void a saved batch, with a reason"),
        Binding("delete", "delete_draft", "Delete", id="batches.delete",
                tooltip="Delete a draft (after a confirmation)"),
        Binding("escape", "leave_search", "Leave search", show=False, id="batches.leave_search"),
        *hidden_global_bindings("batches"),  # the area we are in: room for del in the footer at 80 columns
    ]

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield ListPanel("Batches", ["Name", "Period", "Status", "Invoices", "Total"],
                        load_batches, batch_row,
                        page_size=self.app.page_size, id="batches", placeholder="filter: name, period, invoice",
                        empty="no batches yet: n starts one")
        yield KeyFooter()

    @on(ListPanel.Opened)
    def _opened(self, event: ListPanel.Opened) -> None:
        self.app.open_batch(event.item)

    def action_export(self) -> None:
        if self.panel.current is not None:
            self.app.export_batch(self.panel.current)

    def action_void(self) -> None:
        batch = self.panel.current
        if batch is None:
            return
        if batch.status != "saved":
            self.notify(f"Batch {batch.name} is {batch.status}: only a saved batch can be voided.",
                        severity="warning")
            return
        self.app.void_batch(batch, then=self.panel.reload)

    def action_delete_draft(self) -> None:
        from store import billing
        from tui.screens.confirm_delete import ConfirmDeleteDraft

        batch = self.panel.current
        if batch is None:
            return
        if batch.status != "draft":
            self.notify(f"Batch {batch.name} is {batch.status}: only a draft can be deleted "
                        "(a saved batch is voided with v).", severity="warning")
            return

        def deleted(_result) -> None:
            self.notify(f"Draft {batch.name} deleted.")
            self.panel.reload()

        def confirmed(ok: bool | None) -> None:
            if ok:
                run_store(self, billing.delete_draft, batch.id, actor=self.app.actor,
                          done=deleted, group="delete-draft")

        self.app.push_screen(ConfirmDeleteDraft(batch), confirmed)

    def action_leave_search(self) -> None:
        self.panel.table.focus()
