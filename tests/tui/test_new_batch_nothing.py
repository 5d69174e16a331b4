"""The new-batch dialog for a period and customers with nothing to bill: the
store's one-line refusal is shown in the dialog, which stays open; no draft."""
from __future__ import annotations

from tests.tui.conftest import make_app, settle


async def test_new_batch_with_nothing_to_bill_shows_the_reason_and_creates_nothing(book):
    from textual.widgets import Input, Label

    from store.models import Batch
    from tui.screens.new_batch import NewBatchDialog

    before = Batch.select().count()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewBatchDialog)
        dialog.query_one("#period", Input).value = "2026-09"
        dialog.query_one("#name", Input).value = "September again"
        dialog.query_one("#customers", Input).value = "Hartley Dental Group"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert app.is_running and app.screen is dialog
        shown = str(dialog.query_one("#new-batch-error", Label).render())
        assert "nothing to bill for 2026-09 (customers: Hartley Dental Group)" in shown
    assert Batch.select().count() == before
