"""The footer of every screen: its keys on one line, drawn by one widget.

It shows what Textual's compact ``Footer`` shows (each key and what it does,
disabled ones dim, the same theme colours) and a click on a key presses it.
Textual's ``Footer`` is a scrolling container with a widget per key, which it
rebuilds after every "bindings changed" signal: on the dashboard's start that
was ten widgets to style, lay out and paint, a good part of the CPU of a
start. This one is one line of text,
rebuilt once after the next refresh for all the signals that arrived meanwhile.
"""
from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.dom import NoScreen
from textual.screen import Screen
from textual.widget import Widget


class KeyFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: list[tuple[str, str, str, bool]] = []  # key, key display, description, enabled
        self._spans: list[tuple[int, int, str, bool]] = []  # cells start, end, key, enabled
        self._change_pending = False

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        screen = self._own_screen()
        if screen is not None:
            screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        if self._change_pending or screen is not self._own_screen():
            return
        self._change_pending = True
        self.call_after_refresh(self._update_keys)

    def _own_screen(self) -> Screen | None:
        """The footer's screen; None once the screen was closed (a key that pops it can
        arrive while an update is due: the update is then dropped, not an error)."""
        try:
            return self.screen
        except NoScreen:
            return None

    def _update_keys(self) -> None:
        self._change_pending = False
        screen = self._own_screen()
        if screen is None or not self.is_attached:
            return
        keys, seen = [], set()
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if not binding.show or binding.action in seen:  # one key per action, as Footer
                continue
            seen.add(binding.action)
            keys.append((binding.key, self.app.get_key_display(binding), binding.description, enabled))
        if keys != self._keys:
            self._keys = keys
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        dim = Style(dim=True)
        text = Text(no_wrap=True, end="")
        spans = []
        for key, display, description, enabled in self._keys:
            if spans:
                text.append(" ")  # between keys, none after the last (80 columns hold them)
            start = text.cell_len
            text.append(display, key_style if enabled else key_style + dim)
            if description:
                text.append(f" {description}", description_style if enabled else description_style + dim)
            spans.append((start, text.cell_len, key, enabled))
        self._spans = spans
        return text

    def on_click(self, event: events.Click) -> None:
        for start, end, key, enabled in self._spans:
            if start <= event.x < end:
                event.stop()
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
