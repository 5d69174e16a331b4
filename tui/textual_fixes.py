"""Fixes to Textual 8.2.8 that the app needs, each small and named after what it
guards (remove one when the pinned Textual fixes it).

- ``OptionList._move_page``: page up/down on an option list that has not been
  laid out yet (zero height: the command palette's list right after a search
  changed its options) looked up the highlighted option's line in an empty
  table: ``KeyError: 0`` ended the app. Textual's own ``scroll_to_highlight``
  guards the same lookup; page moves now do too (the key does nothing then).
- ``XTermParser``: Escape and the key typed right after it, read together, are
  two keys, not one alt/ctrl key (see :mod:`tui.xterm_escape`).
"""
from __future__ import annotations

from textual.widgets import OptionList

_move_page = OptionList._move_page


def _move_page_when_laid_out(self, direction) -> None:
    if self._options and (self.highlighted or 0) not in self._index_to_line:
        return
    _move_page(self, direction)


def apply() -> None:
    from tui import xterm_escape

    xterm_escape.apply()
    if OptionList._move_page is not _move_page_when_laid_out:
        OptionList._move_page = _move_page_when_laid_out
