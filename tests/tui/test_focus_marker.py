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


BLOCKS = set("▁▂▃▄▅▆▇█▉▊▋▌▍▎▏")


async def test_no_chart_glyph_outside_the_benchmark_panel(book):
    """A stray ▄▄ at the lists' right edge (the README's dashboard, other screens too)
    read as a piece of the EHR sparkline: it was a list's scrollbar thumb, its ends
    drawn as block eighths. Only the sparkline, beside the panel's first line, draws
    block characters."""
    import datetime as dt

    from store import billing

    for period in ("2026-09", "2026-10"):  # more invoices than the lists have room for
        batch = billing.create_batch(f"{period} run", period, actor="alice")
        billing.save_batch(batch.id, actor="alice", issue_date=dt.date(2026, 11, 1), today=dt.date(2026, 11, 1))
    app = make_app()
    async with app.run_test(size=(80, 20)) as pilot:  # short: the lists scroll
        await settle(pilot)
        table = app.screen.query_one("#recent-invoices PagedTable")
        assert table.max_scroll_y > 0  # a scrollbar is there, its thumb drawn
        for keys in ((), ("b",), ("i",)):
            await burst(pilot, *keys)
            await settle(pilot)
            lines = screen_text(app)
            first = 2 if keys == () else 0  # the title bar, the panel's line with the sparkline
            stray = [(row, line) for row, line in enumerate(lines) if row >= first and BLOCKS & set(line)]
            assert stray == [], keys
