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
        await burst(pilot, "tab")
        await pilot.pause()
        assert title_line(app, "Recent batches").startswith("  Recent batches │")
        assert title_line(app, "Recent invoices").startswith("▶ Recent invoices │")
        # the search box of a list marks its list too
        app.screen.query_one("#recent-invoices").focus_search()
        await pilot.pause()
        assert title_line(app, "Recent invoices").startswith("▶ Recent invoices │")
        assert title_line(app, "Recent batches").startswith("  Recent batches │")


async def test_a_batchs_invoices_title_is_apart_from_its_search_box(book):
    from tui.screens.invoices import InvoicesScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "enter")  # the newest batch, September run
        await settle(pilot)
        assert isinstance(app.screen, InvoicesScreen)
        line = title_line(app, "Invoices of September run")
        assert line.startswith("▶ Invoices of September run │ filter: number, customer, batch")
