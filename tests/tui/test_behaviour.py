"""Behaviour of the screens beyond the main flow: a lost save race, the live
dashboard, paging in SQL, drafts reopened, the command palette and help."""
from __future__ import annotations

import asyncio
import datetime as dt

from tests.tui.conftest import TODAY, make_app, open_editor, settle

MAPLE = "Maple Leaf Physiotherapy Inc."


async def test_failed_save_names_the_item_and_keeps_the_draft(book):
    from store import billing
    from tui.screens.batch_editor import BatchEditorScreen

    draft = billing.create_batch("October Maple", "2026-10", [MAPLE], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot, draft.id)
        editor = app.screen
        assert isinstance(editor, BatchEditorScreen)
        # another technician bills the same customer meanwhile
        other = billing.create_batch("Bob's October", "2026-10", [MAPLE], actor="bob")
        billing.save_batch(other.id, actor="bob", today=TODAY)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is editor  # still in the editor
        status = str(editor.query_one("#editor-status").render())
        assert "Not saved" in status and "Bob's October" in status
        assert billing.get_batch(draft.id).status == "draft"
        assert billing.get_draft(draft.id).excluded == frozenset()


async def test_dashboard_shows_another_sessions_batch_within_two_seconds(book):
    from store import billing
    from tui.widgets.list_panel import ListPanel

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#recent-batches", ListPanel)
        draws = panel.redraws
        await asyncio.sleep(2.2)
        await settle(pilot)
        assert panel.redraws == draws  # nothing changed: the list was not redrawn
        billing.create_batch("Made elsewhere", "2026-10", [MAPLE], actor="bob")
        await asyncio.sleep(2.0)
        await settle(pilot)
        assert panel.items[0].name == "Made elsewhere"
        assert panel.redraws == draws + 1


async def test_lists_hold_one_page_and_page_down_loads_the_next(book):
    from tui.widgets.list_panel import ListPanel

    app = make_app(page_size=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        panel = app.screen.query_one(ListPanel)
        assert [inv.number for inv in panel.items] == ["NS-000003", "NS-000002"]
        assert panel.table.row_count == 2
        await pilot.press("pagedown")
        await settle(pilot)
        assert [inv.number for inv in panel.items] == ["NS-000001"]
        await pilot.press("pageup")
        await settle(pilot)
        assert panel.table.row_count == 2
        # down on the last row also turns the page
        await pilot.press("down", "down")
        await settle(pilot)
        assert [inv.number for inv in panel.items] == ["NS-000001"]


async def test_list_search_box_filters_in_sql(book):
    from tui.widgets.list_panel import ListPanel

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i", "tab")  # from the table back to... the search box
        panel = app.screen.query_one(ListPanel)
        panel.query_one("Input").focus()
        await pilot.press(*"whitmore")
        await asyncio.sleep(0.4)
        await settle(pilot)
        assert [inv.customer for inv in panel.items] == ["Whitmore & Hale Solicitors LLP"]


async def test_a_draft_reopens_from_the_batches_list_with_its_selection(book):
    from store import billing
    from tui.screens.batch_editor import BatchEditorScreen

    draft = billing.create_batch("October Maple", "2026-10", [MAPLE], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, BatchEditorScreen) and editor.batch_id == draft.id
        await pilot.press("space")  # the whole customer out
        await pilot.press("escape")  # leaving keeps the draft, selection included
        await settle(pilot)
        await app.workers.wait_for_complete()
        customer_ref = editor.plan.customers[0].ref
        assert billing.get_draft(draft.id).excluded == frozenset({customer_ref})
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.excluded == frozenset({customer_ref})
        assert "Selected: -" in str(app.screen.query_one("#editor-summary").render())


async def test_command_palette_offers_the_same_commands(book):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Batches")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "batches"


async def test_help_lists_every_global_key(book):
    from textual.widgets import DataTable

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        keys = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        for key in ("d", "b", "i", "/", "n", "?", "q", "e", "ctrl+p"):
            assert key in keys
        assert keys.count("tab") == 1  # the dashboard's own tab, not a second general one
        await pilot.press("escape")
        assert app.current_mode == "dashboard"


async def test_editor_detail_switch_changes_the_plan_detail(book):
    from store import billing

    draft = billing.create_batch("October Maple", "2026-10", [MAPLE], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot, draft.id)
        assert app.screen.plan.detail == "ticket"
        await pilot.press("t")
        await settle(pilot)
        assert app.screen.plan.detail == "time_entry"
        assert billing.get_draft(draft.id).detail == "time_entry"


async def test_export_dialog_exports_a_whole_batch_in_the_chosen_format(book, tmp_path):
    from store import listing

    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert "3 invoices" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("enter", "down", "down", "enter")  # the format list: Xero
        await settle(pilot)
        path = app.screen.query_one("#export-path").value
        assert path.endswith("-xero.csv")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # one TaxType for three rates: said before anything is written, ctrl+s again goes on
        assert "TaxType 'Tax on Sales'" in str(app.screen.query_one("#export-warnings").render())
        assert list(tmp_path.glob("*-xero.csv")) == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        written = list(tmp_path.glob("*-xero.csv"))
        assert [p.name for p in written] == [path.rsplit("/", 1)[1]]
        text = written[0].read_text(encoding="utf-8-sig")
        for number in ("NS-000001", "NS-000002", "NS-000003"):
            assert number in text
        assert {inv.status for inv in listing.recent_invoices()} == {"exported"}


async def test_new_batch_dialog_completes_customer_names(book):
    from tui.screens.batch_editor import BatchEditorScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("enter", "enter", *"maple")
        await asyncio.sleep(0.2)
        await settle(pilot)
        await pilot.press("right")  # accept the completion
        assert app.screen.query_one("#customers").value == MAPLE
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BatchEditorScreen)
        assert [c.name for c in app.screen.plan.customers] == [MAPLE]


async def test_command_palette_offers_the_screens_own_commands(book):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"void a saved")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "VoidDialog"


async def test_quitting_right_after_a_toggle_keeps_the_draft_selection(book):
    from store import billing

    draft = billing.create_batch("October Maple", "2026-10", [MAPLE], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot, draft.id)
        customer_ref = app.screen.plan.customers[0].ref
        await pilot.press("space", "q")
        await pilot.pause(0.2)
    assert billing.get_draft(draft.id).excluded == frozenset({customer_ref})


async def test_billing_a_period_again_after_a_void_proposes_a_free_name(book):
    from store import billing
    from tui.screens.batch_editor import BatchEditorScreen

    draft = billing.create_batch("2026-10 billing", "2026-10", [MAPLE], actor="alice")
    billing.save_batch(draft.id, actor="alice", today=TODAY)
    billing.void_batch(draft.id, "wrong rates", actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BatchEditorScreen)
        assert app.screen.draft.summary.name == "2026-10 billing (2)"


async def test_a_void_batch_or_invoice_is_refused_before_the_export_dialog(book):
    from store import billing, listing
    from tui.screens.export_dialog import ExportDialog

    draft = billing.create_batch("October Maple", "2026-10", [MAPLE], actor="alice")
    billing.save_batch(draft.id, actor="alice", today=TODAY)
    billing.void_batch(draft.id, "wrong rates", actor="alice")
    voided = billing.get_batch(draft.id)
    number = listing.recent_invoices("", 0, 1)[0]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.export_batch(voided)
        await settle(pilot)
        assert not isinstance(app.screen, ExportDialog)
        app.export_invoices([number.number], status="void")
        await settle(pilot)
        assert not isinstance(app.screen, ExportDialog)
        messages = [n.message for n in app._notifications]
        assert any("was voided" in m for m in messages) and any("is void" in m for m in messages)
