"""The top line of every screen: the screen's title and subtitle, centred, the
subtitle dim, as Textual's ``Header`` (without its clock and icon) shows them.
One widget instead of the header's four, each with its own styles to parse and
apply when the app starts."""
from __future__ import annotations

from textual.widgets import Static

from tui.format import home_short, safe


class TitleBar(Static):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 10 0 8;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        content-align: center middle;
    }
    """

    def on_mount(self) -> None:
        for node in (self.app, self.screen):
            self.watch(node, "title", self._show_title, init=False)
            self.watch(node, "sub_title", self._show_title, init=False)
        self._show_title()

    def on_resize(self) -> None:
        self._show_title()  # the book's path gets the new width

    def _show_title(self) -> None:
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        if sub_title and sub_title == getattr(app, "db_label", None):
            # the book's path: ~ for the home, cut from the left to what the bar has room for
            # (its content width, padding out, before layout the screen's less the padding
            # 18; less the title and the dash 3)
            room = (self.size.width or app.size.width - 18) - len(safe(title)) - 3
            sub_title = home_short(sub_title, max(room, 12))
        self.update(app.format_title(safe(title), safe(sub_title)))
