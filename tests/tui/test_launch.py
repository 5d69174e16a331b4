"""Starting the app as ``batchbill`` does (tui.launch): the dashboard's data
loads in a thread started before Textual is imported, and the dashboard shows
it as it mounts; the one-line footer and title bar."""
from __future__ import annotations

from tests.tui.conftest import DB_LABEL, SEPTEMBER_CUSTOMERS, TODAY, settle


def _launch(book, **kwargs):
    from store.db import close_database
    from tui.launch import make_app

    close_database()  # make_app opens the book itself, as the command line does
    return make_app(str(book), today=TODAY, actor="tester", **kwargs)


def _panels(app):
    from tui.widgets.list_panel import ListPanel

    return (app.screen.query_one("#recent-batches", ListPanel),
            app.screen.query_one("#recent-invoices", ListPanel))


async def test_the_dashboard_shows_the_data_loaded_before_textual_was_imported(book):
    from tui.screens.dashboard import BenchmarkPanel

    app = _launch(book)
    first = app.prefetch.future.result(timeout=30)  # the head start, done before the app runs
    async with app.run_test(size=(80, 24)) as pilot:
        batches, invoices = _panels(app)
        # shown as the dashboard mounted: no worker was needed for the first load
        assert batches.loaded and invoices.loaded
        assert not [w for w in app.workers if w.group == "benchmark"]
        assert app.prefetch is None  # taken once
        assert [b.name for b in batches.items] == ["September run"]
        assert batches.items == first.batches
        assert sorted(inv.customer for inv in invoices.items) == sorted(SEPTEMBER_CUSTOMERS)
        assert app.screen.query_one(BenchmarkPanel).headline.startswith("Shop median EHR")
        await settle(pilot)
        assert [b.name for b in batches.items] == ["September run"]


async def test_a_failed_head_start_is_loaded_again_by_the_dashboard(book, monkeypatch):
    import tui.dashboard_data
    from tui.screens.dashboard import BenchmarkPanel

    real = tui.dashboard_data.first_load
    calls = []

    def broken(today, page_size):
        calls.append(today)
        raise RuntimeError("the book was busy")

    monkeypatch.setattr(tui.dashboard_data, "first_load", broken)
    app = _launch(book)
    monkeypatch.setattr(tui.dashboard_data, "first_load", real)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        batches, invoices = _panels(app)
        assert calls == [TODAY]
        assert [b.name for b in batches.items] == ["September run"]
        assert len(invoices.items) == 3
        assert app.screen.query_one(BenchmarkPanel).headline.startswith("Shop median EHR")


async def test_a_head_start_for_another_page_size_is_not_used(book):
    app = _launch(book)
    app.prefetch.future.result(timeout=30)
    app.page_size = 40  # the lists want 20 rows now: the 10 loaded ahead do not fit
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        batches, _ = _panels(app)
        assert batches.page_size == 20 and batches.loaded
        assert [b.name for b in batches.items] == ["September run"]


async def test_the_footer_lists_the_keys_and_a_click_presses_one(book):
    from tui.widgets.footer import KeyFooter

    from tests.tui.conftest import make_app as plain_app

    app = plain_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(KeyFooter)
        line = footer.render().plain
        # the dashboard leaves out its own key (d) and has room for T Tickets
        for words in ("Open", "e Export", "T Tickets", "b Batches", "i Invoices", "/ Search", "n New",
                      "? Help", "q Quit"):
            assert words in line
        start = line.index("? Help")
        await pilot.click(KeyFooter, offset=(start + 2, 0))
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"


async def test_the_title_bar_follows_the_screen_and_the_book(book):
    from tui.widgets.title_bar import TitleBar

    from tests.tui.conftest import make_app as plain_app

    app = plain_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        title = app.screen.query_one(TitleBar)
        assert "Dashboard" in title.content.plain and DB_LABEL in title.content.plain
        app.screen.sub_title = "somewhere else"
        await settle(pilot)
        assert "somewhere else" in title.content.plain


async def test_the_benchmark_panel_is_laid_out_for_its_width_and_again_after_a_resize(book):
    from tui.screens.dashboard import BenchmarkPanel

    from tests.tui.conftest import make_app as plain_app

    app = plain_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(BenchmarkPanel)
        lines = panel._laid_out[1].plain.splitlines()
        assert panel.region.height == len(lines) == 5  # two head lines, three of detail
        assert lines[0].startswith("Shop median EHR 138.95 USD/h · US mean 57.00 USD/h (+144%)")
        assert len(lines[0]) == 98 and lines[1].endswith("EHR by month")  # the sparkline at the right
        assert lines[4].startswith("Median invoice/customer-month: 2,542.05 USD")
        await pilot.resize_terminal(70, 24)
        await settle(pilot)
        lines = panel._laid_out[1].plain.splitlines()
        assert len(lines[0]) == 68 and "…" in lines[0] and lines[1].endswith("EHR by month")
        assert panel.region.height == len(lines)


async def test_every_area_footer_fits_80_columns(book):
    from tui.widgets.footer import KeyFooter

    from tests.tui.conftest import make_app as plain_app

    app = plain_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in ("d", "b", "i", "slash"):
            await pilot.press(key)
            await settle(pilot)
            if key == "slash":
                await pilot.press(*"hartley", "escape")  # results focused: the list's keys
                await settle(pilot)
            line = app.screen.query_one(KeyFooter).render().plain
            assert len(line) <= 80, (app.current_mode, line)
            assert line.endswith("q Quit"), (app.current_mode, line)


def test_a_void_invoice_is_struck_through_in_the_recent_invoices():
    import datetime as dt

    from store.domain import InvoiceSummary
    from tui.screens.dashboard import invoice_row

    void = InvoiceSummary("NS-000288", 11, "2026-10 billing", "Zoë Café GmbH", "EUR",
                          dt.date(2026, 11, 27), 258203, "void")
    live = InvoiceSummary("NS-000287", 11, "2026-10 billing", "Zoë Café GmbH", "EUR",
                          dt.date(2026, 11, 27), 258203, "exported")
    struck = invoice_row(void)[2]
    assert struck.plain == "2,582.03 EUR" and "strike" in str(struck.style)
    assert invoice_row(live)[2] == "2,582.03 EUR"
