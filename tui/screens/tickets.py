"""Tickets, read-only: by customer with their status, searchable; a billed
ticket says which invoice and batch billed it and why it cannot be changed
(enter opens that invoice). The Tickets area (``T``)."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from store import tickets
from tui.commands import hidden_global_bindings
from tui.format import clip, day, flex_widths, safe, wrap
from tui.screens.list_screen import ListScreen
from tui.widgets.footer import KeyFooter
from tui.widgets.list_panel import ListPanel
from tui.widgets.title_bar import TitleBar


def ticket_row(t, width: int = 80):
    customer_w, title_w = flex_widths(width, (8, 7, 14), (2, 3))
    billed = t.invoice_number or ("" if t.status != "closed" else "billable")
    status = Text(t.status, style="bold" if t.status == "billed" else "")
    return (t.number, clip(t.customer, customer_w), clip(t.title, title_w), status, billed)


def ticket_detail(t, width: int = 78) -> Text:
    """The lines under the list for the highlighted ticket, ``width`` columns each:
    at most 4 (#ticket-detail's cap), nothing cut that matters. The head is one line
    (customer and contract give way, number and date do not); a billed ticket's
    invoice and batch take up to two, the reason one (issue 12: at 80 columns the
    reason was cut)."""
    if t is None:
        return Text("")
    when = f"closed {day(t.closed_at)}" if t.closed_at else f"opened {day(t.opened_at)}"
    contract = t.contract or "no contract"
    names_w = max(16, width - len(t.number) - len(when) - 9)  # three " · "
    customer_w = max(8, min(len(t.customer), names_w - min(len(contract), names_w // 2)))
    head = f"{safe(t.number)} · {clip(t.customer, customer_w)} · {clip(contract, names_w - customer_w)} · {when}"
    if t.status == "billed":
        return Text(f"{head}\n{wrap(t.billed_by, width, lines=2)}\n{wrap(t.why_locked, width, lines=1)}")
    if t.status == "open":
        return Text(f"{head}\nOpen: not billable until it is closed.")
    if t.contract is None:
        return Text(f"{head}\nClosed without a contract: it cannot be billed.")
    return Text(f"{head}\nClosed: billable in the next batch of its period.")


class TicketsScreen(ListScreen):
    TITLE = "Tickets"
    BINDINGS = [
        Binding("escape", "leave_search", "Leave search", show=False, id="tickets.leave_search"),
        *hidden_global_bindings("tickets"),  # the area this is: its key works, the footer has no room
    ]

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield ListPanel("Tickets", ["Ticket", "Customer", "Title", "Status", "Invoice"],
                        tickets.list_tickets, ticket_row, page_size=self.app.page_size, id="tickets",
                        placeholder="search number, title, customer, invoice",
                        empty="no tickets")
        yield Static("", id="ticket-detail")
        yield KeyFooter()

    def _show_detail(self) -> None:
        width = (self.size.width or self.app.size.width) - 2  # the detail's padding
        self.query_one("#ticket-detail", Static).update(ticket_detail(self.panel.current, width))

    def on_data_table_row_highlighted(self, event) -> None:
        self._show_detail()

    @on(ListPanel.Loaded)
    def _loaded(self) -> None:
        self._show_detail()

    def on_resize(self) -> None:
        self._show_detail()

    @on(ListPanel.Opened)
    def _opened(self, event: ListPanel.Opened) -> None:
        t = event.item
        if t.invoice_number:
            self.app.open_invoice(t.invoice_number)
        else:
            self.notify(safe(f"{t.number} is {t.status}: no invoice billed it."), severity="information")

    def action_leave_search(self) -> None:
        self.panel.table.focus()
