"""The help screen: every key of the screen it was opened from, with what it does."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, rows: list[tuple[str, str]], screen_title: str) -> None:
        super().__init__()
        self.rows = rows
        self.screen_title = screen_title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-dialog"):
            yield Label(f"Keys: {self.screen_title}", classes="dialog-title")
            table = DataTable(cursor_type="row", id="help-keys")
            table.add_columns("Key", "What it does")
            for key, description in self.rows:
                table.add_row(key, description)
            yield table
            yield Label("esc closes", classes="dialog-hint")

    def action_dismiss(self) -> None:
        self.dismiss(None)
