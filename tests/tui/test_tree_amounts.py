"""Issue 12: every node of the batch editor's tree shows the amount selected
under it. A left-out ticket or item kept its full amount (it read as billed)
while a left-out contract showed "-"; a ticket with some time entries left out
showed its full hours."""
from __future__ import annotations

from tests.tui.conftest import make_app, settle
from tests.tui.test_editor import MAPLE, open_to_first_ticket


def label(tree, node=None) -> str:
    node = node or tree.cursor_node
    return tree.render_label(node, tree.rich_style, tree.rich_style).plain


async def test_left_out_nodes_show_a_dash_and_a_partial_ticket_its_selected_hours(book):
    from store import billing
    from store.billing.lines import _ticket_amounts
    from store.money import hours_from_minutes
    from tui.format import money

    draft = billing.create_batch("October Maple", "2026-10", [MAPLE], actor="alice")
    billing.update_draft(draft.id, detail="time_entry")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        tree = await open_to_first_ticket(pilot, app, draft.id)
        # a ticket with two billable time entries or more
        while True:
            data = tree.cursor_node.data
            if data.level == "item" and data.source.kind == "ticket" and \
                    sum(1 for ch in data.source.children if ch.minutes) >= 2:
                break
            await pilot.press("down")
            await settle(pilot)
        ticket_node = tree.cursor_node
        ticket = ticket_node.data.source
        assert label(tree).endswith(f"{ticket.quantity:.2f} h  {money(ticket.amount, ticket.currency)}")
        await pilot.press("enter", "down")  # its first time entry
        while not tree.cursor_node.data.source.minutes:
            await pilot.press("down")
        await settle(pilot)
        entry = tree.cursor_node.data.source
        await pilot.press("space")  # that entry left out
        await settle(pilot)
        assert "[ ] " in label(tree)
        assert label(tree).endswith("  -")
        bills = _ticket_amounts(ticket, frozenset({entry.ref}))
        hours = hours_from_minutes(ticket.minutes - entry.minutes)
        assert bills["quantity"] == hours
        text = label(tree, ticket_node)
        assert "[-] " in text
        assert text.endswith(f"{hours:.2f} h  {money(bills['amount'], ticket.currency)}"), text
        # the whole ticket left out: it and its entries show "-", as a left-out contract does
        tree.move_cursor(ticket_node)
        await pilot.press("space")
        await settle(pilot)
        text = label(tree, ticket_node)
        assert "[ ] " in text and text.endswith("  -"), text
        for child in ticket_node.children:
            if child.data.source.minutes:
                assert label(tree, child).endswith("  -")
        # a service item left out: "-"
        period = ticket_node.parent
        item = next(n for n in period.children if n.data.source.kind != "ticket"
                    and tree.state_of(n.data) == "all")
        tree.move_cursor(item)
        await pilot.press("space")
        await settle(pilot)
        text = label(tree, item)
        assert "[ ] " in text and text.endswith("  -"), text
        assert money(item.data.source.amount, item.data.source.currency) not in text
