"""The start screen: the benchmark panel, recent billing batches and recent
invoices, each list with its own search box. A 1 s timer asks the store for
its change token in a thread worker and reloads only when it moved."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from tui.dashboard_data import (FirstLoad, first_load, list_page_size, load_benchmark, recent_batches,
                                 recent_invoices)
from store import listing
from tui.format import clip, day, flex_widths, money, number_range
from tui.widgets.benchmark_text import SPARK_WIDTH, PanelText, spark, summary_lines
from tui.commands import hidden_global_bindings
from tui.widgets.footer import KeyFooter
from tui.widgets.list_panel import ListPanel
from tui.work import run_store
from tui.widgets.title_bar import TitleBar

POLL_SECONDS = 1.0
TALL_SCREEN = 32  # rows from which the benchmark lists more contracts


def batch_row(b, width: int = 80):
    """Batch, Period (what it bills: not the day it was made), Status, Invoices."""
    (name_w,) = flex_widths(width, (7, 7, 22), (1,))
    return (clip(b.name, name_w), b.period, b.status, number_range(b.invoice_numbers, b.invoice_count))


def invoice_row(inv, width: int = 80):
    amount = money(inv.total, inv.currency)
    if inv.status == "void":  # a voided batch's invoice: struck through, never read as owed
        amount = Text(amount, style="strike dim")
    customer_w, batch_w = flex_widths(width, (9, 14, 10), (3, 2))
    return (inv.number, clip(inv.customer, customer_w), amount,
            clip(inv.batch_name, batch_w), day(inv.created_at or inv.issue_date))


class BenchmarkPanel(Widget):
    """Effective hourly rate vs the regional reference (or the shop's own
    figures), the contracts furthest below it and invoices vs market.

    One widget draws it all: the head's two lines with the sparkline and its
    caption beside them, the detail under them (it was six widgets, about a
    twentieth of the app's start)."""

    COMPONENT_CLASSES = {"benchmark-panel--spark", "benchmark-panel--caption"}
    DEFAULT_CSS = """
    BenchmarkPanel {
        height: auto;
        .benchmark-panel--spark { color: $accent; background: $boost; }
        .benchmark-panel--caption { color: $text-muted; }
    }
    """
    SPARK_MARGIN = 2  # cells between the head and the sparkline

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data = None
        self._laid_out: tuple[tuple, Text] | None = None  # ((width, tall), text) last drawn

    def show(self, summary, activity) -> None:
        self.data = (summary, activity)
        self._laid_out = None
        self.refresh(layout=True)

    @property
    def headline(self) -> str:
        """The first line as shown (plain text)."""
        if self._laid_out is None:
            return "Benchmark: loading..." if self.data is None else ""
        return self._laid_out[1].plain.split("\n", 1)[0]

    def render(self) -> _LaidOut | Text:
        if self.data is None:
            return Text("Benchmark: loading...")
        return _LaidOut(self)

    def lay_out(self, width: int, console) -> Text:
        """The panel's lines for ``width`` cells (the width Textual renders it at)."""
        tall = self.app.size.height >= TALL_SCREEN
        key = (width, tall)
        if self._laid_out is not None and self._laid_out[0] == key:
            return self._laid_out[1]
        panel = describe_benchmark(*self.data, width=max(40, width - 2), tall=tall)
        left = max(1, width - SPARK_WIDTH - self.SPARK_MARGIN)
        head = panel.head.wrap(console, left, no_wrap=False)
        beside = (
            (panel.spark, self.get_component_rich_style("benchmark-panel--spark")),
            (panel.caption, self.get_component_rich_style("benchmark-panel--caption")),
        )
        out = Text()  # ends with a newline: Textual counts the lines by them
        for row, (cells, style) in enumerate(beside):
            line = Text(end="")
            if row < len(head):
                line.append_text(head[row])  # its style stays its own, not the whole line's
            line.truncate(left, pad=True)
            line.append(" " * self.SPARK_MARGIN)
            line.append(cells[:SPARK_WIDTH].ljust(SPARK_WIDTH), style)
            out.append_text(line)
            out.append("\n")
        out.append_text(panel.detail)
        self._laid_out = (key, out)
        return out


class _LaidOut:
    """The benchmark panel as a Rich renderable: laid out for the width it is
    given when drawn (and when Textual measures its height), never for an
    earlier width."""

    def __init__(self, panel: BenchmarkPanel) -> None:
        self.panel = panel

    def __rich_console__(self, console, options):
        yield self.panel.lay_out(options.max_width, console)


def describe_benchmark(summary, activity, width: int = 78, tall: bool = False) -> PanelText:
    """The panel's parts: headline, detail lines, sparkline and its caption."""
    if summary is not None:
        return summary_lines(summary, activity, width=width, tall=tall)
    counts = list(activity.invoice_counts)
    main = max(activity.totals, key=lambda c: sum(activity.totals[c]), default=None)
    if main is None:
        return PanelText(Text("Benchmark not available. No invoices in the last 12 months yet."),
                         Text("Shop's own figures: invoiced per month", style="dim"),
                         spark(counts), "invoices/month")
    series = list(activity.totals[main])
    last = series[-1] if series else 0
    text = (f"Benchmark not available. Shop's own: invoiced this month "
            f"{money(last, main)}, 12 months {money(sum(series), main)}")
    source = f"Shop's own figures, {main} invoices by issue month {activity.months[0]}..{activity.months[-1]}"
    return PanelText(Text(text), Text(source, style="dim"), spark(series), f"{main}/month")


class DashboardScreen(Screen):
    TITLE = "Dashboard"
    # The batches list has the focus from the start: focusing the first search
    # box, then the list, would build the footer's keys once more.
    AUTO_FOCUS = "#recent-batches PagedTable"
    BINDINGS = [
        Binding("e", "export", "Export", id="dashboard.export", tooltip="Export the highlighted invoice or batch"),
        # Tab stops at each list's filter box too: the help says so (issue 12)
        Binding("tab", "app.focus_next", "Next list", show=False, id="dashboard.next",
                tooltip="Next list or filter box (shift+tab: back)"),
        Binding("escape", "leave_search", "Leave search", show=False, id="dashboard.leave_search"),
        *hidden_global_bindings("dashboard"),  # the area this is: room for T Tickets at 80 columns
        Binding("T", "app.go('tickets')", "Tickets", id="batchbill.tickets",
                tooltip="Tickets by customer: status, and what billed them"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.token: int | None = None
        self.filled = False  # all three panels shown once

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield BenchmarkPanel(id="benchmark")
        yield ListPanel("Recent batches", ["Batch", "Period", "Status", "Invoices"],
                        recent_batches, batch_row,
                        page_size=list_page_size(self.app.page_size), id="recent-batches", placeholder="filter: name, period, invoice",
                        load_on_mount=False)
        yield ListPanel("Recent invoices", ["Invoice", "Customer", "Amount", "Batch", "Created"],
                        recent_invoices, invoice_row,
                        page_size=list_page_size(self.app.page_size), id="recent-invoices", placeholder="filter: number, customer, batch",
                        load_on_mount=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        # The first load: both lists and the benchmark in one worker (one thread,
        # one connection, one hand-back to the UI), not three that contend. When the
        # app was started by tui.launch, that load began before Textual was imported:
        # take its result (now if it is there, else in a worker that waits for it).
        today = self.app.today
        size = list_page_size(self.app.page_size)
        prefetch, self.app.prefetch = getattr(self.app, "prefetch", None), None

        def usable(first: FirstLoad) -> bool:
            return first.today == today and first.page_size == size

        def load(today) -> FirstLoad:
            if prefetch is not None:
                try:
                    first = prefetch.result()
                except Exception:  # loaded again below: a lasting problem is shown from there
                    first = None
                if first is not None and usable(first):
                    return first
            return first_load(today, size)

        future = getattr(prefetch, "future", None)
        if future is not None and future.done() and future.exception() is None and usable(future.result()):
            self._show_first(future.result())  # before the first paint
        else:
            run_store(self, load, today, done=self._show_first, group="benchmark")
        self.set_interval(POLL_SECONDS, self.poll)

    def _show_first(self, first: FirstLoad) -> None:
        self.query_one("#recent-batches", ListPanel).show_page(first.batches)
        self.query_one("#recent-invoices", ListPanel).show_page(first.invoices)
        self._show_benchmark(first.benchmark)

    def load_benchmark(self) -> None:
        run_store(self, load_benchmark, self.app.today, done=self._show_benchmark, group="benchmark",
                  background=True)

    def _show_benchmark(self, result) -> None:
        self.query_one(BenchmarkPanel).show(*result)
        self._check_filled()

    @on(ListPanel.Loaded)
    def _check_filled(self) -> None:
        """Tell the app once its start is over (see BatchbillApp.started_up)."""
        if self.filled or self.query_one(BenchmarkPanel).data is None:
            return
        if all(panel.loaded for panel in self.query(ListPanel)):
            self.filled = True
            started_up = getattr(self.app, "started_up", None)
            if started_up is not None:
                started_up()

    def poll(self) -> None:
        run_store(self, listing.change_token, done=self._token, group="poll", background=True)

    def _token(self, token: int) -> None:
        if self.token is None:
            self.token = token
            return
        if token != self.token:
            self.token = token
            self.refresh_data()

    def refresh_data(self) -> None:
        for panel in self.query(ListPanel):
            panel.reload(background=True)
        self.load_benchmark()

    def focused_panel(self) -> ListPanel | None:
        node = self.focused
        while node is not None and not isinstance(node, ListPanel):
            node = node.parent
        return node

    @on(ListPanel.Opened)
    def _open(self, event: ListPanel.Opened) -> None:
        if event.panel.id == "recent-batches":
            self.app.open_batch(event.item)
        else:
            self.app.open_invoice(event.item.number)

    def action_export(self) -> None:
        panel = self.focused_panel()
        if panel is None or panel.current is None:
            self.notify("Highlight an invoice or a batch first.", severity="warning")
            return
        if panel.id == "recent-batches":
            self.app.export_batch(panel.current)
        else:
            self.app.export_invoices([panel.current.number], status=panel.current.status)

    def action_leave_search(self) -> None:
        panel = self.focused_panel()
        if panel is not None:
            panel.table.focus()
