"""A DataTable with a row cursor whose Home and End move it: Textual binds them
to the leftmost and rightmost column, which a row cursor has no use for, so they
did nothing although the help says "home end: move" (issue 12)."""
from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable):
    """Home: the first row; End: the last row (of the rows loaded: a list's page)."""

    BINDINGS = [
        Binding("home", "first_row", "First row", show=False),
        Binding("end", "last_row", "Last row", show=False),
    ]

    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0, animate=False)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)
