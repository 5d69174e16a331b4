"""The dashboard's help on Tab (issue 12 walk)."""
from __future__ import annotations

from tests.tui.conftest import burst, make_app, settle


async def test_the_dashboard_help_says_tab_stops_at_the_filter_boxes_too(book):
    """Tab goes list -> its filter box -> the next list (issue 12 walk: the help said
    "Next list")."""
    from textual.widgets import Input

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "tab")
        assert isinstance(app.focused, Input)  # the filter box: what the help must say
        await burst(pilot, "shift+tab")
        await burst(pilot, "question_mark")
        keys = app.screen.query_one("#help-keys")
        rows = dict(tuple(str(c) for c in keys.get_row_at(i)) for i in range(keys.row_count))
        assert rows["tab"] == "Next list or filter box (shift+tab: back)"
