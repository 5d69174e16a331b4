"""Seen over SSH (walk of 5 Dec): in the batch editor with the invoice-lines
preview open, `esc ctrl+s` in one burst closed the preview and lost ctrl+s (the
batch was not saved, no message); sent one at a time it opened the save dialog."""
from __future__ import annotations

from tests.tui.conftest import burst, make_app, open_editor

MAPLE = "Maple Leaf Physiotherapy Inc."


async def test_escape_then_ctrl_s_in_one_burst_from_the_preview_opens_the_save_dialog(book):
    from store import billing
    from tui.screens.confirm_save import ConfirmSaveDialog
    from tui.screens.line_preview import LinePreviewDialog

    draft = billing.create_batch("Burst save", "2026-10", [MAPLE], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot, draft.id)
        await burst(pilot, "p")
        assert isinstance(app.screen, LinePreviewDialog)
        await burst(pilot, "escape", "ctrl+s")
        assert isinstance(app.screen, ConfirmSaveDialog)
