"""The day of a billing admin, by keyboard only: dashboard, new batch, take an
item out, save, see the tickets billed and the invoice listed, search it, open
it, export it, void the batch."""
from __future__ import annotations

import csv

from tests.tui.conftest import make_app, settle

CUSTOMER = "Maple Leaf Physiotherapy Inc."


def ticket_statuses() -> dict[str, str]:
    from store.models import Customer, Ticket

    rows = Ticket.select(Ticket.number, Ticket.status).join(Customer).where(Customer.name == CUSTOMER)
    return {t.number: t.status for t in rows}


async def test_billing_admin_bills_a_customer_and_voids_the_batch_by_keyboard(book, tmp_path):
    from store import billing, listing
    from tui.screens.batch_editor import BatchEditorScreen
    from tui.screens.invoice_detail import InvoiceDetailScreen
    from tui.screens.invoices import InvoicesScreen
    from tui.widgets.list_panel import ListPanel

    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # the dashboard lists the September batch and its invoices
        assert app.current_mode == "dashboard"
        batches = app.screen.query_one("#recent-batches", ListPanel)
        assert [b.name for b in batches.items] == ["September run"]
        before = {inv.number for inv in app.screen.query_one("#recent-invoices", ListPanel).items}
        assert len(before) == 3  # one per September customer

        # n: new batch for October and one customer
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("enter", "enter")  # period 2026-10, name "2026-10 billing"
        await pilot.press(*CUSTOMER, "enter")
        await settle(pilot)
        assert isinstance(app.screen, BatchEditorScreen)
        editor = app.screen
        await settle(pilot)
        plan = editor.plan
        assert [c.name for c in plan.customers] == [CUSTOMER]
        period = plan.customers[0].contracts[0].periods[0]
        tickets = [it for it in period.items if it.kind == "ticket"]
        full = billing.selection_totals(plan, frozenset())["CAD"]

        # walk down to the first ticket and take it out with space
        await pilot.press("down", "enter", "down", "enter", "down")
        assert editor.tree.cursor_node.data.ref == tickets[0].ref
        await pilot.press("space")
        assert editor.excluded == frozenset({tickets[0].ref})
        assert billing.selection_totals(plan, editor.excluded)["CAD"] == full - tickets[0].amount
        assert "[ ]" in str(editor.tree.render_label(editor.tree.cursor_node, editor.tree.rich_style, editor.tree.rich_style))

        # ctrl+s: the confirmation lists the invoice; enter saves
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "1 invoice," in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InvoicesScreen)  # the saved batch's invoices
        saved = app.screen.batch
        assert saved.status == "saved" and saved.invoice_count == 1
        number = saved.invoice_numbers[0]

        from store.models import Ticket

        numbers = {t.ref: Ticket.get_by_id(int(t.ref.split(":")[1])).number for t in tickets}
        removed_number = numbers[tickets[0].ref]
        statuses = ticket_statuses()
        assert statuses[removed_number] == "closed"  # taken out: still billable
        assert [statuses[numbers[t.ref]] for t in tickets[1:]] == ["billed"] * (len(tickets) - 1)

        # the dashboard shows the new invoice among the recent ones
        await pilot.press("escape")
        await pilot.press("d")
        await settle(pilot)
        recent = app.screen.query_one("#recent-invoices", ListPanel)
        await pilot.pause(1.5)  # the 1 s change poll
        await settle(pilot)
        assert recent.items[0].number == number

        # / search for it, enter opens it
        await pilot.press("slash")
        await settle(pilot)
        assert app.current_mode == "search"
        await pilot.press(*number, "enter")
        await settle(pilot)
        assert isinstance(app.screen, InvoiceDetailScreen)
        assert app.screen.invoice.number == number
        assert app.screen.invoice.customer.name == CUSTOMER

        # e exports it to the default file in the export directory
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "in CAD" in str(app.screen.query_one("#export-warnings").render())  # before writing
        await pilot.press("ctrl+s")
        await settle(pilot)
        files = list(tmp_path.glob(f"{number}*"))
        assert len(files) == 1
        rows = list(csv.reader(files[0].read_text(encoding="utf-8-sig").splitlines()))
        assert any(number in row for row in rows[1:])
        assert listing.recent_invoices(number)[0].status == "exported"

        # esc: back to the search box (a letter would go into it); esc again: the results; b batches
        await pilot.press("escape", "escape", "b")
        await settle(pilot)
        panel = app.screen.query_one(ListPanel)
        assert panel.current.id == saved.id
        await pilot.press("v")
        await settle(pilot)
        await pilot.press(*"wrong period", "enter")
        await settle(pilot)
        assert billing.get_batch(saved.id).status == "voided"
        assert ticket_statuses()[removed_number] == "closed"
        assert all(s != "billed" for s in ticket_statuses().values())
        assert panel.current.status == "voided"
