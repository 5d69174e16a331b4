"""A screen built around one paged ListPanel (batches, invoices): focus on the
table at start, fresh rows when the screen comes back."""
from __future__ import annotations

from textual.screen import Screen

from tui.widgets.list_panel import ListPanel


class ListScreen(Screen):
    def on_mount(self) -> None:
        self.panel.table.focus()

    def on_screen_resume(self) -> None:
        if self.panel.loaded:
            self.panel.reload()

    @property
    def panel(self) -> ListPanel:
        return self.query_one(ListPanel)
