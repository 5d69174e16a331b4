"""The help screen: every key of the screen it was opened from, with what it does."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from tui.format import safe

KEY_WIDTH = 8
# rows of the screen around the table: a row of margin above and below, the
# border, the title and the hint
AROUND_TABLE = 2 + 2 + 1 + 1
# columns of the dialog around the description: border, padding, the key
# column, cell padding and the scrollbar
BESIDE_TEXT = 2 + 2 + KEY_WIDTH + 4 + 2


class HelpTable(DataTable):
    """Home and End go to the first and the last key (the table never
    scrolls sideways: long descriptions wrap)."""

    BINDINGS = [
        Binding("home", "scroll_top", "First", show=False),
        Binding("end", "scroll_bottom", "Last", show=False),
    ]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, rows: list[tuple[str, str]], screen_title: str) -> None:
        super().__init__()
        self.rows = rows
        self.screen_title = screen_title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-dialog", id="help-dialog"):
            yield Label(f"Keys: {safe(self.screen_title)}", classes="dialog-title", markup=False)
            table = HelpTable(cursor_type="row", id="help-keys")
            table.add_column("Key", width=KEY_WIDTH)
            table.add_column("What it does", width=self._text_width())
            for key, description in self.rows:
                table.add_row(Text(key), Text(description), height=None)
            yield table
            yield Label("esc closes · ↑↓ home end: move", classes="dialog-hint")

    def _text_width(self) -> int:
        dialog = min(76, self.app.size.width)
        return max(20, dialog - BESIDE_TEXT)

    def on_mount(self) -> None:
        self._bound_table()

    def on_resize(self) -> None:
        self._bound_table()

    def _bound_table(self) -> None:
        """The table gets the rows the screen has left: the hint always shows."""
        self.query_one(HelpTable).styles.max_height = max(3, self.size.height - AROUND_TABLE)

    def action_dismiss(self) -> None:
        self.dismiss(None)
