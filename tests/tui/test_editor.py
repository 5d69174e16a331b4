"""The batch editor's tree: what a ticket row says and what the detail level keeps."""
from __future__ import annotations

from tests.tui.conftest import make_app, open_editor, settle

MAPLE = "Maple Leaf Physiotherapy Inc."


async def open_to_first_ticket(pilot, app, batch_id):
    app.open_draft(batch_id)
    await settle(pilot)
    tree = app.screen.tree
    # the one customer is open: open its first contract and period, down to a ticket
    for _ in range(6):
        node = tree.cursor_node
        if node.data.level == "item" and node.data.source.kind == "ticket":
            return tree
        if node.allow_expand and not node.is_expanded:
            await pilot.press("enter")
        await pilot.press("down")
        await settle(pilot)
    raise AssertionError("no ticket under the first period")


async def test_ticket_rows_show_their_hours_and_amount(book):
    from store import billing
    from tui.format import money

    draft = billing.create_batch("October Maple", "2026-10", [MAPLE], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = await open_to_first_ticket(pilot, app, draft.id)
        item = tree.cursor_node.data.source
        label = tree.render_label(tree.cursor_node, tree.rich_style, tree.rich_style).plain
        assert label.endswith(f"{item.quantity:.2f} h  {money(item.amount, item.currency)}")


async def test_detail_level_keeps_the_open_nodes_and_the_cursor(book):
    from store import billing

    draft = billing.create_batch("October Maple", "2026-10", [MAPLE], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = await open_to_first_ticket(pilot, app, draft.id)
        ticket = tree.cursor_node.data.ref
        opened, _ = tree.view_state()
        assert len(opened) == 3  # customer, contract, period
        await pilot.press("t")  # ticket -> time entry
        await settle(pilot)
        assert app.screen.plan.detail == "time_entry"
        assert tree.view_state()[0] == opened
        assert tree.cursor_node.data.ref == ticket
        await pilot.press("t")  # time entry -> contract
        await settle(pilot)
        assert app.screen.plan.detail == "contract"
        assert tree.view_state()[0] == opened
        assert tree.cursor_node.data.ref == ticket


async def test_detail_levels_have_human_labels_and_p_shows_the_invoice_lines(book):
    """Seen: t to contract detail changed nothing visible; the label said 'time_entry'."""
    from store import billing
    from tui.screens.line_preview import LinePreviewDialog
    from tests.tui.conftest import burst

    draft = billing.create_batch("Lines", "2026-10", [MAPLE], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot, draft.id)
        editor = app.screen
        summary = str(editor.query_one("#editor-summary").render())
        assert "one line per ticket" in summary
        await burst(pilot, "p")
        assert isinstance(app.screen, LinePreviewDialog)
        per_ticket = app.screen.preview.line_count
        await burst(pilot, "escape", "t")  # time entry
        assert "one line per time entry" in str(editor.query_one("#editor-summary").render())
        assert "time_entry" not in str(editor.query_one("#editor-summary").render())
        await burst(pilot, "t")  # contract
        assert "one line per contract and period" in str(editor.query_one("#editor-summary").render())
        await burst(pilot, "p")
        per_contract = app.screen.preview.line_count
        title = str(app.screen.query_one(".dialog-title").render())
        assert f"{per_contract} invoice line" in title and "one line per contract and period" in title
        assert per_contract < per_ticket


async def test_a_customer_asked_for_by_name_with_nothing_to_bill_is_reported(book):
    """Hartley Dental Group's September was billed by the September run."""
    from store import billing

    draft = billing.create_batch("Again", "2026-09", ["Hartley Dental Group", MAPLE], actor="alice")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_editor(pilot, draft.id)
        status = str(app.screen.query_one("#editor-status").render())  # a note, as the others (issue 12)
        assert "Nothing to bill for Hartley Dental Group in 2026-09" in status


async def test_a_time_entry_has_its_own_check_box_at_time_entry_detail(book):
    """Issue 11, finding 4: space on a time entry leaves out that entry, not its ticket."""
    from store import billing
    from tui.format import money

    draft = billing.create_batch("October Maple", "2026-10", [MAPLE], actor="alice")
    billing.update_draft(draft.id, detail="time_entry")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tree = await open_to_first_ticket(pilot, app, draft.id)
        ticket = tree.cursor_node.data
        billable = [ch for ch in ticket.source.children if ch.minutes]
        await pilot.press("enter")  # open the ticket: its time entries
        await pilot.press("down")
        await settle(pilot)
        entry = tree.cursor_node.data
        assert entry.level == "entry"
        label = tree.render_label(tree.cursor_node, tree.rich_style, tree.rich_style).plain
        assert "[x] " in label
        if entry.source.minutes:
            assert label.endswith(f"{entry.source.minutes} min  {money(entry.source.amount, entry.source.currency)}")
        await pilot.press("space")
        await settle(pilot)
        assert app.screen.excluded == {entry.ref}  # the entry alone, not its ticket
        label = tree.render_label(tree.cursor_node, tree.rich_style, tree.rich_style).plain
        assert "[ ] " in label
        if len(billable) > 1 or not entry.source.minutes:
            assert billing.node_state(app.screen.plan, app.screen.excluded, ticket.ref) in ("some", "all")
        await pilot.pause(0.8)  # the autosave
        await settle(pilot)
        assert billing.get_draft(draft.id).excluded == {entry.ref}


async def test_editor_keeps_its_plan_out_of_the_collector_while_open(book):
    """Seen (perf keystroke p95 121.9 ms on 2,000 customers): the collector's oldest
    generation pass over a whole-book plan (~45 ms) landed on a keystroke now and
    then. The editor freezes what is alive once its plan is shown, and gives it back
    to the collector when it closes."""
    import gc

    from store import billing

    draft = billing.create_batch("Frozen", "2026-10", [MAPLE], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        gc.unfreeze()
        app.open_draft(draft.id)
        await settle(pilot)
        assert app.screen.plan is not None
        assert gc.get_freeze_count() > 0
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ != "BatchEditorScreen"
        assert gc.get_freeze_count() == 0
