"""Where the keys go is seen without colour (issue 12): the focused list's title
carries a ▶ marker, and a │ separates every list's title from its search box
("Recent batches search batches" read as one phrase)."""
from __future__ import annotations

from tests.tui.conftest import burst, make_app, settle


def screen_text(app) -> list[str]:
    """The screen as plain text, what `tmux capture-pane` shows (no colour)."""
    return [strip.text.rstrip() for strip in app.screen._compositor.render_strips()]


def title_line(app, title: str) -> str:
    lines = [line for line in screen_text(app) if f"{title} │" in line]
    assert len(lines) == 1, screen_text(app)
    return lines[0]


async def test_tab_on_the_dashboard_moves_the_marker_to_the_focused_list(book):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert title_line(app, "Recent batches").startswith("▶ Recent batches │ filter:")
        assert title_line(app, "Recent invoices").startswith("  Recent invoices │ filter:")
        await burst(pilot, "tab")  # the invoices' search box: the marker before it
        await pilot.pause()
        assert title_line(app, "Recent batches").startswith("  Recent batches │")
        assert title_line(app, "Recent invoices").startswith("  Recent invoices │ ▶ ")
        await burst(pilot, "tab")  # the invoices' list
        await pilot.pause()
        assert title_line(app, "Recent invoices").startswith("▶ Recent invoices │")
        # the search box of a list: the marker moves before the box (issue 12)
        app.screen.query_one("#recent-invoices").focus_search()
        await pilot.pause()
        assert title_line(app, "Recent invoices").startswith("  Recent invoices │ ▶ ")
        assert title_line(app, "Recent batches").startswith("  Recent batches │ filter:")


def title_lit(app, panel_id: str) -> bool:
    title = app.screen.query_one(f"#{panel_id} .list-title")
    return title.styles.background.a > 0


async def test_title_highlight_and_search_box_follow_the_focus(book):
    """Issue 12: "Recent batches" kept its highlight whatever had the focus (and
    "Recent invoices" never got it); an empty search box with the focus looked
    like one without, so a user typed d into it for the Home key."""
    from textual.widgets import Input

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert title_lit(app, "recent-batches") and not title_lit(app, "recent-invoices")
        lit = app.screen.query_one("#recent-batches .list-title").styles
        lit = (lit.background, lit.color)
        await burst(pilot, "tab")  # the invoices' search box
        await pilot.pause()
        assert isinstance(app.focused, Input)
        assert not title_lit(app, "recent-batches") and title_lit(app, "recent-invoices")
        line = title_line(app, "Recent invoices")
        assert line.startswith("  Recent invoices │ ▶ type to filter · esc: back to the list"), line
        assert "▶" not in title_line(app, "Recent batches")
        await burst(pilot, "tab")  # the invoices' list
        await pilot.pause()
        assert title_line(app, "Recent invoices").startswith("▶ Recent invoices │ filter: number, customer, batch")
        assert not title_lit(app, "recent-batches") and title_lit(app, "recent-invoices")
        now = app.screen.query_one("#recent-invoices .list-title").styles
        assert (now.background, now.color) == lit  # the same highlight for both lists
        await burst(pilot, "tab", "tab")  # the batches' search box, then its list
        await pilot.pause()
        assert title_line(app, "Recent batches").startswith("▶ Recent batches │ filter: name, period, invoice")
        assert title_lit(app, "recent-batches") and not title_lit(app, "recent-invoices")
