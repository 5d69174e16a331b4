"""A titled, searchable list that pages in SQL: it holds one page of rows,
loads the next with PageDown (or down on the last row) and the previous with
PageUp. The store function that feeds it runs in a thread worker."""
from __future__ import annotations

from typing import Any, Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from tui.format import cell
from tui.widgets.row_table import RowTable
from tui.work import run_store

Loader = Callable[[str, int, int], Sequence[Any]]
RowOf = Callable[[Any, int], tuple]  # (item, the list's width in cells) -> cells
Picker = Callable[[Sequence[Any], bool], Any]  # (rows, more pages) -> the row Enter opens, or None

DEBOUNCE_SECONDS = 0.25


def item_key(item: Any) -> Any:
    """What a row stands for, across reloads: a batch's or ticket's id, an invoice's
    number, a search hit's kind and key."""
    for name in ("id", "number"):
        value = getattr(item, name, None)
        if value is not None:
            return (type(item).__name__, value)
    if hasattr(item, "kind") and hasattr(item, "key"):
        return ("hit", item.kind, item.key)
    return item


FOCUS_MARK = "▶"
SEPARATOR = "│"


SEARCH_HINT = "type to filter · esc: back to the list"


def title_text(title: str, focused: bool, searching: bool = False) -> Text:
    """A list's title: the ▶ marker where the keys go (seen in a plain capture,
    without colour): before the title while the list has them, after the
    separator, before the search box, while the box has them (issue 12: a user
    typed into an empty box he did not see focused). The separator keeps the title
    from reading as one phrase with the search box's text ("Recent batches
    search batches")."""
    text = Text(f"{FOCUS_MARK if focused and not searching else ' '} {title} ")
    text.append(SEPARATOR, style="not bold")
    if searching:
        text.append(f" {FOCUS_MARK}", style="not bold")
    return text


class PagedTable(RowTable):
    """A DataTable whose PageUp/PageDown and end-of-table move between pages;
    Home and End go to the page's first and last row (RowTable)."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="list.open", tooltip="Open the highlighted row"),
        Binding("j", "cursor_down", "Down", show=False, id="list.down", tooltip="Down (also ↓)"),
        Binding("k", "cursor_up", "Up", show=False, id="list.up", tooltip="Up (also ↑)"),
        Binding("pagedown", "next_page", "Next page", show=False, id="list.next_page",
                tooltip="Next page of the list"),
        Binding("pageup", "previous_page", "Previous page", show=False, id="list.previous_page",
                tooltip="Previous page of the list"),
        Binding("f", "find", "Find", show=False, id="list.find",
                tooltip="Search this list: its search box, the text selected"),
    ]

    def action_find(self) -> None:
        self.parent_panel.focus_search()

    def action_next_page(self) -> None:
        self.parent_panel.turn_page(+1)

    def action_previous_page(self) -> None:
        self.parent_panel.turn_page(-1)

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1 and self.parent_panel.has_more:
            self.parent_panel.turn_page(+1)
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0 and self.parent_panel.page > 0:
            self.parent_panel.turn_page(-1, to_end=True)
            return
        super().action_cursor_up()

    @property
    def parent_panel(self) -> "ListPanel":
        return self.query_ancestor(ListPanel)


class ListPanel(Widget):
    """Title, search box and one page of a store list.

    A grid: title, search box and page range on the first row, the table under
    them (no row container: each widget costs the app's start styling and layout)."""

    DEFAULT_CSS = """
    ListPanel {
        height: 1fr;
        layout: grid;
        grid-size: 3 2;
        grid-columns: auto 1fr auto;
        grid-rows: 1 1fr;
    }
    ListPanel .list-title { text-style: bold; width: auto; padding-right: 1; }
    ListPanel .list-page { color: $text-muted; width: auto; padding-left: 1; }
    ListPanel Input { width: 1fr; height: 1; }
    /* where the keys go is always visible: the focused list's title lights up and gets
       the ▶ marker (seen without colour too, in a plain capture: title_text), the search
       box too. A class set on focus changes, not :focus-within, which Textual does not
       restyle the title by when the focus moves (issue 12: one title stayed lit) */
    ListPanel .list-title.-focused { background: $accent; color: $background; }
    ListPanel Input:focus { background: $boost; }
    ListPanel PagedTable { height: 1fr; column-span: 3; }
    """

    class Opened(Message):
        """Enter on a row."""

        def __init__(self, panel: "ListPanel", item: Any) -> None:
            super().__init__()
            self.panel = panel
            self.item = item

    class Loaded(Message):
        def __init__(self, panel: "ListPanel") -> None:
            super().__init__()
            self.panel = panel

    def __init__(self, title: str, columns: Sequence[str], loader: Loader, row_of: RowOf,
                 *, page_size: int = 20, placeholder: str = "search", id: str | None = None,
                 empty: str = "nothing yet", submit_pick: Picker | None = None,
                 load_on_mount: bool = True, search_hint: str | None = SEARCH_HINT) -> None:
        super().__init__(id=id)
        self.title = title
        self.columns = list(columns)
        self.loader = loader
        self.row_of = row_of
        self.page_size = page_size
        self.placeholder = placeholder
        # what the empty search box says while it has the focus (None: the placeholder)
        self.search_hint = search_hint
        self.empty = empty
        # Enter in the search box: None, the list (first row highlighted); else the
        # search runs and ``submit_pick(rows, more pages)`` says which row opens
        # directly (None: the list, the user picks)
        self.submit_pick = submit_pick
        self._marks = (False, False)  # (the list has the focus, its search box has it), as the title shows
        self.load_on_mount = load_on_mount  # False: the screen loads the first page (show_page)
        self._open_when_loaded = False
        self.page = 0
        self.redraws = 0  # how often the rows were replaced (tests: no redraw without a change)
        self.items: list[Any] = []
        self.loaded = False
        self._debounce: Timer | None = None
        self._cursor_to_end = False
        self._reset_cursor = False

    def compose(self) -> ComposeResult:
        yield Static(title_text(self.title, False), classes="list-title")
        yield Input(placeholder=self.placeholder, compact=True)
        yield Static("", classes="list-page")
        table = PagedTable(cursor_type="row", zebra_stripes=False)
        # Text, not str: a str label is parsed as markup (and loads rich's emoji table)
        table.add_columns(*(Text(column) for column in self.columns))
        yield table

    def on_descendant_focus(self) -> None:
        self._mark_focus()

    def on_descendant_blur(self) -> None:
        self._mark_focus()

    def _mark_focus(self) -> None:
        """The title's ▶ marker and highlight: on while the list or its search box has
        the focus, the marker before the box while the box has it; the empty box then
        says how to use it and leave it."""
        focused = self.has_focus_within
        field = self.query_one(Input)
        searching = focused and field.has_focus
        state = (focused, searching)
        if state != self._marks:
            self._marks = state
            title = self.query_one(".list-title", Static)
            title.update(title_text(self.title, focused, searching))
            title.set_class(focused, "-focused")
            if self.search_hint:
                field.placeholder = self.search_hint if searching else self.placeholder

    @property
    def marked(self) -> bool:
        """The title shows the focus marker."""
        return self._marks[0]

    def on_mount(self) -> None:
        if self.load_on_mount:
            self.reload()

    def show_page(self, items: Sequence[Any]) -> None:
        """Rows loaded by the screen; ignored once the list loaded its own."""
        if not self.loaded:
            self._show(items)

    def focus_search(self) -> None:
        """The search box, its text selected: what is typed next replaces it."""
        field = self.query_one(Input)
        field.focus()
        field.select_all()

    def clear_filter(self) -> None:
        """The filter emptied and the list reloaded at once (no debounce: the user
        asked for the area afresh, tui.app.BatchbillApp.action_go)."""
        if not self.query_text:
            return
        field = self.query_one(Input)
        with field.prevent(Input.Changed):
            field.value = ""
        if self._debounce is not None:
            self._debounce.stop()
        self._search_now()

    @property
    def table(self) -> PagedTable:
        return self.query_one(PagedTable)

    @property
    def query_text(self) -> str:
        return self.query_one(Input).value

    @property
    def has_more(self) -> bool:
        return len(self.items) >= self.page_size

    @property
    def current(self) -> Any | None:
        table = self.table
        if not self.items or table.cursor_row < 0 or table.cursor_row >= len(self.items):
            return None
        return self.items[table.cursor_row]

    def reload(self, background: bool = False) -> None:
        """Load the current page again; ``background``: a refresh nobody asked for
        (keys typed meanwhile need not wait for it, see tui.keys)."""
        run_store(self, self.loader, self.query_text, self.page, self.page_size,
                  done=self._show, group=f"list-{self.id or id(self)}", background=background)

    def turn_page(self, step: int, to_end: bool = False) -> None:
        if step > 0 and not self.has_more:
            return
        if step < 0 and self.page == 0:
            return
        self.page += step
        self._cursor_to_end = to_end
        self._reset_cursor = True
        self.reload()

    def _show(self, items: Sequence[Any]) -> None:
        items = list(items)
        if not items and self.page > 0:
            self.page -= 1  # ran off the end: stay on the last page
            self.reload()
            return
        if items == self.items and self.loaded and not self._reset_cursor:
            self._open_pending()
            return  # nothing changed: no redraw
        table = self.table
        row = table.cursor_row
        if self._cursor_to_end:
            row = len(items) - 1
        elif self._reset_cursor or not self.loaded:
            row = 0
        else:
            # a reload (back from an action, a refresh): the cursor stays on the same
            # batch, invoice or ticket wherever its row is now; gone, on the same row
            current = self.current
            if current is not None:
                keys = [item_key(item) for item in items]
                key = item_key(current)
                if key in keys:
                    row = keys.index(key)
        self._cursor_to_end = self._reset_cursor = False
        self.items = items
        self.loaded = True
        self.redraws += 1
        self._fill(table)
        if items:
            table.move_cursor(row=max(0, min(row, len(items) - 1)), animate=False)
        label = self.query_one(".list-page", Static)
        if not items:
            label.update(self.empty if not self.query_text else "no match")
        else:
            first = self.page * self.page_size + 1
            label.update(f"{first}-{first + len(items) - 1}{'+' if self.has_more else ''}")
        self.post_message(self.Loaded(self))
        self._open_pending()

    @property
    def width(self) -> int:
        """The cells the rows may use: the list's width (the terminal's before layout)."""
        return self.size.width or self.app.size.width

    def _fill(self, table) -> None:
        self._filled_width = self.width
        rows = [[cell(value) for value in self.row_of(item, self._filled_width)] for item in self.items]
        table.clear()
        # the columns measured again, from their labels and these rows: clear() keeps
        # each column's widest cell so far, so after a shrink (120 -> 80 columns) the
        # rows were cut for the new width but the columns stayed wide and pushed Status
        # and Invoice off screen (issue 12). Measured here, not left to the table's
        # idle pass: a draw before it would cut every cell to its label.
        for index, column in enumerate(table.ordered_columns):
            column.content_width = max(
                [column.label.cell_len,
                 *(max(c.cell_len for c in row[index].split()) if row[index].plain else 0
                   for row in rows if index < len(row))])
        for index, cells in enumerate(rows):
            # a cell folded on several lines (tui.format.wrap) makes its row that tall
            tall = any("\n" in c.plain for c in cells)
            table.add_row(*cells, key=str(index), height=None if tall else 1)

    def on_resize(self) -> None:
        """Rows laid out again for a new width (names get the room), the cursor kept."""
        if self.loaded and self.items and getattr(self, "_filled_width", None) != self.width:
            table = self.table
            row = table.cursor_row
            self._fill(table)
            table.move_cursor(row=max(0, min(row, len(self.items) - 1)), animate=False)

    def _open_pending(self) -> None:
        """Enter was pressed in the search box and its rows are here: the row the
        query names opens (``submit_pick``); else the list takes the keys, its first
        row highlighted, for the user to pick with the arrows and Enter. No row: the
        search box keeps the keys."""
        if self._open_when_loaded:
            self._open_when_loaded = False
            if self.items:
                table = self.table
                table.focus()
                picked = self.submit_pick(self.items, self.has_more) if self.submit_pick else None
                if picked is None:
                    table.move_cursor(row=0, animate=False)
                    return
                table.move_cursor(row=self.items.index(picked), animate=False)
                self.post_message(self.Opened(self, picked))

    @on(Input.Changed)
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._search_now)

    def _search_now(self) -> None:
        self._debounce = None
        self.page = 0
        self._reset_cursor = True
        self.reload()

    @on(Input.Submitted)
    def _query_submitted(self, event: Input.Submitted) -> None:
        """Enter: search now (the debounce may not have fired: keys typed ahead then
        wait for these rows, tui.keys), then the list, or the row the query names
        opened (``submit_pick``)."""
        event.stop()
        pending = self._debounce is not None  # typed, not searched yet
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        if self.submit_pick is None:
            self.table.focus()
            if pending:
                self._search_now()
            return
        self._open_when_loaded = True
        self._search_now()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        item = self.current
        if item is not None:
            self.post_message(self.Opened(self, item))
