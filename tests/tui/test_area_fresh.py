"""d, b, i and T open an area at its first screen, fresh (issue 12, new-user walk):
text typed into a list's filter by mistake stayed there when the user came back,
and the dashboard looked empty ('no match') until the filter was found and cleared."""
from __future__ import annotations

from tests.tui.conftest import burst, make_app, settle
from tui.screens.invoice_detail import InvoiceDetailScreen
from tui.widgets.list_panel import ListPanel


def panels(app) -> dict[str, ListPanel]:
    return {p.id: p for p in app.screen.query(ListPanel)}


async def test_coming_back_to_an_area_clears_its_filters(book):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dash = panels(app)
        assert dash["recent-invoices"].table.row_count == 3
        dash["recent-invoices"].focus_search()
        await burst(pilot, *"zzqx", "enter")  # enter: search now, then the list
        await settle(pilot)
        assert dash["recent-invoices"].query_text == "zzqx"
        assert dash["recent-invoices"].table.row_count == 0  # no match
        await burst(pilot, "b")
        await settle(pilot)
        await burst(pilot, "d")
        await settle(pilot)
        dash = panels(app)
        assert dash["recent-invoices"].query_text == ""
        assert dash["recent-invoices"].table.row_count == 3


async def test_esc_back_from_an_invoice_keeps_the_filter(book):
    """Only d/b/i/T start the area afresh: leaving an invoice with esc comes back to
    the list as it was, filter and all."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "i")
        await settle(pilot)
        (panel,) = panels(app).values()
        panel.focus_search()
        await burst(pilot, *"whitmore", "enter")
        await settle(pilot)
        assert panel.table.row_count == 1
        if not isinstance(app.screen, InvoiceDetailScreen):
            await burst(pilot, "enter")  # the invoice
            await settle(pilot)
        assert isinstance(app.screen, InvoiceDetailScreen)
        await burst(pilot, "escape")
        await settle(pilot)
        (panel,) = panels(app).values()
        assert panel.query_text == "whitmore" and panel.table.row_count == 1
