"""Type-ahead search over invoices and batches (``/`` anywhere)."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from store import search
from tui.format import day, flex_widths, money, wrap
from tui.commands import hidden_global_bindings
from tui.widgets.footer import KeyFooter
from tui.widgets.list_panel import ListPanel
from tui.widgets.title_bar import TitleBar


HANG = 2  # a wrapped Found or Where: its next lines' indent


def column_widths(width: int) -> tuple[int, int]:
    """(Found, Where) widths for a list ``width``: what Amount (14), Date (10) and
    the cell padding leave, shared evenly."""
    found, where = flex_widths(width, (14, 10), (1, 1), minimum=12)
    return found, where


def hit_row(hit, width: int = 80):
    """Found (number and customer, or the batch) and Where (what matched, the
    status and the batch, as ``batchbill search`` shows it) wrap on a narrow
    terminal rather than lose the batch's name, their next lines indented two
    cells in their column (issue 12: flush with the column's edge they read as
    the next hit)."""
    found_w, where_w = column_widths(width)
    amount = money(hit.amount, hit.currency) if hit.currency else ""
    title = hit.title if hit.kind == "invoice" else f"batch {hit.title}"
    return (wrap(title, found_w, hang=HANG), wrap(hit.where, where_w, sep=" · ", hang=HANG), amount, day(hit.date))


def named_hit(hits, more: bool):
    """The hit Enter in the query opens directly: the one invoice the query names by
    its number ("NS-000150", "ns150"), or the only hit there is. Else None: the
    results take the keys and the user picks (issue 12: a customer's name opened
    its newest invoice and hid the others)."""
    by_number = [hit for hit in hits if hit.kind == "invoice" and hit.matched == "number"]
    if len(by_number) == 1:
        return by_number[0]
    if len(hits) == 1 and not more:
        return hits[0]
    return None


class SearchScreen(Screen):
    TITLE = "Search"
    BINDINGS = [
        Binding("escape", "back", "Back", id="search.back",
                tooltip="From the results: the query, selected; from the query: back where / was pressed"),
        # `/` here too selects the query (priority: before the search box types it), so
        # `esc / 12` after an invoice searches "12", not "/12"
        Binding("slash", "focus_query", "Search", show=False, priority=True),
        *hidden_global_bindings("search"),  # the area this is: its key works, the footer has no room
    ]

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield ListPanel("Search", ["Found", "Where", "Amount", "Date"],
                        lambda q, p, s: search.search(q, p, s),
                        hit_row, page_size=self.app.page_size,
                        id="search-results",
                        placeholder="invoice number, customer, batch, line text, amount",
                        empty="type to search; enter: the results",
                        submit_pick=named_hit, search_hint=None)
        yield KeyFooter()

    @property
    def panel(self) -> ListPanel:
        return self.query_one(ListPanel)

    def on_mount(self) -> None:
        self.focus_query()

    def on_screen_resume(self) -> None:
        # back from a result (esc): the query, selected, so the next number replaces it
        self.focus_query()

    def action_focus_query(self) -> None:
        self.focus_query()

    def focus_query(self) -> None:
        """The search box, its text selected: the next number typed replaces it."""
        field = self.panel.query_one(Input)
        field.focus()
        field.select_all()

    @on(ListPanel.Opened)
    def _opened(self, event: ListPanel.Opened) -> None:
        hit = event.item
        if hit.kind == "invoice":
            self.app.open_invoice(hit.key)
        else:
            self.app.open_batch_id(int(hit.key))

    async def action_back(self) -> None:
        """Esc in the results: the query, its text selected (the next number replaces
        it); esc in the query: back to where ``/`` was pressed."""
        if isinstance(self.focused, Input):
            await self.app.leave_search()
        else:
            self.focus_query()
