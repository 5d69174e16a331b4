"""Fixes to Textual 8.2.8 that the app needs, each small and named after what it
guards (remove one when the pinned Textual fixes it).

- ``OptionList._move_page``: page up/down on an option list that has not been
  laid out yet (zero height: the command palette's list right after a search
  changed its options) looked up the highlighted option's line in an empty
  table: ``KeyError: 0`` ended the app. Textual's own ``scroll_to_highlight``
  guards the same lookup; page moves now do too (the key does nothing then).
- ``XTermParser``: Escape and the key typed right after it, read together, are
  two keys, not one alt/ctrl key (see :mod:`tui.xterm_escape`).
- ``ScrollBar.renderer``: Textual draws a scrollbar thumb's ends as block
  eighths (``▄``, ``▁``; ``▌`` across) for a smoother look. Without colour (a
  plain ``tmux capture-pane``, the README's dashboard, a monochrome terminal)
  the rest of the thumb is blank and those two cells are all there is: a
  stray ``▄▄`` at the right edge of the dashboard's lists read as a fragment
  of the EHR sparkline, on every screen with a list taller than its room
  (issue 12). The thumb is drawn in whole cells (colour only), not eighths.
"""
from __future__ import annotations

from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.widgets import OptionList

_move_page = OptionList._move_page


def _move_page_when_laid_out(self, direction) -> None:
    if self._options and (self.highlighted or 0) not in self._index_to_line:
        return
    _move_page(self, direction)


class WholeCellScrollBarRender(ScrollBarRender):
    """A scrollbar whose thumb is whole cells: no ▄/▁ ends that look like a chart."""

    VERTICAL_BARS = [" "] * len(ScrollBarRender.VERTICAL_BARS)
    HORIZONTAL_BARS = [" "] * len(ScrollBarRender.HORIZONTAL_BARS)


def apply() -> None:
    from tui import xterm_escape

    xterm_escape.apply()
    if OptionList._move_page is not _move_page_when_laid_out:
        OptionList._move_page = _move_page_when_laid_out
    ScrollBar.renderer = WholeCellScrollBarRender
