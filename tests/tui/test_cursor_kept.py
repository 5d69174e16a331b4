"""A list that reloads (back from another screen, a refresh) keeps its cursor on the
same batch, invoice or ticket, by its id, wherever that row is now."""
from __future__ import annotations

import datetime as dt

from tests.tui.conftest import burst, make_app, settle


def current_of(app):
    return app.screen.panel.current


async def test_back_on_the_batches_list_the_cursor_stays_on_the_same_batch(book):
    from store import billing

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "b")
        assert current_of(app).name == "September run"
        await burst(pilot, "i")
        # meanwhile (another session) a new draft: it comes first in the list
        billing.create_batch("October Maple", "2026-10", ["Maple Leaf Physiotherapy Inc."], actor="bob")
        await burst(pilot, "b")
        panel = app.screen.panel
        assert panel.items[0].name == "October Maple"
        assert current_of(app).name == "September run"
        assert panel.table.cursor_row == 1


async def test_back_on_the_invoices_list_the_cursor_stays_on_the_same_invoice(book):
    from store import billing

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "i", "down")
        number = current_of(app).number
        await burst(pilot, "enter")
        assert type(app.screen).__name__ == "InvoiceDetailScreen"
        batch = billing.create_batch("October Maple", "2026-10", ["Maple Leaf Physiotherapy Inc."],
                                     actor="bob")
        billing.save_batch(batch.id, actor="bob", today=dt.date(2026, 11, 2))
        await burst(pilot, "escape")
        assert type(app.screen).__name__ == "InvoicesScreen"
        assert current_of(app).number == number
        assert app.screen.panel.table.cursor_row == 2


async def test_a_refreshed_dashboard_list_keeps_its_cursor_on_the_same_invoice(book):
    from store import billing

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await burst(pilot, "tab")
        panel = app.screen.focused_panel()
        assert panel.id == "recent-invoices", panel
        await burst(pilot, "down")
        number = panel.current.number
        batch = billing.create_batch("October Maple", "2026-10", ["Maple Leaf Physiotherapy Inc."],
                                     actor="bob")
        billing.save_batch(batch.id, actor="bob", today=dt.date(2026, 11, 2))
        app.screen.refresh_data()
        await settle(pilot)
        assert panel.items[0].number != number
        assert panel.current.number == number
