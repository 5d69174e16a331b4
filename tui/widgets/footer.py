"""The footer of every screen: Textual's, building its keys once per change.

Textual's Footer rebuilds all its keys (a widget each) after every signal
that the bindings changed, and a screen's start sends three or four of them
(focus, mount, app focus): 8-10 ms each on the dashboard's cold start. This
one waits for the next refresh and rebuilds once for all the signals that
arrived meanwhile; it shows the bindings as they are then, as Textual's does.
"""
from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._change_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        if self._change_pending:
            return
        self._change_pending = True
        self.call_after_refresh(self._bindings_changed_now, screen)

    def _bindings_changed_now(self, screen: Screen) -> None:
        self._change_pending = False
        super().bindings_changed(screen)
