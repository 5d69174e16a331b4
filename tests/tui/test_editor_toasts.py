"""Issue 12: the batch editor's toasts covered the tree's amounts. A new detail
level shows in the summary line and a refused toggle of a locked node in the
status line: neither is a toast. Outcomes (saved, errors) still are."""
from __future__ import annotations

from tests.tui.conftest import burst, make_app, open_editor

MAPLE = "Maple Leaf Physiotherapy Inc."


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_detail_level_and_a_locked_node_are_said_without_a_toast(book):
    from store import billing

    # Hartley's 2026 period ends in December: locked, with its reason
    draft = billing.create_batch("Again", "2026-09", ["Hartley Dental Group", MAPLE], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot, draft.id)
        editor = app.screen
        node = editor.tree.cursor_node
        assert node.data.source.name == "Hartley Dental Group"
        assert editor.tree.state_of(node.data) == "locked"
        await burst(pilot, "space")
        assert len(app._notifications) == 0
        status = " ".join(text(app, "#editor-status").split())
        assert status.startswith("Not selectable: period 2026 ends 2026-12-31"), status
        await burst(pilot, "t")
        assert editor.plan.detail == "time_entry"
        assert len(app._notifications) == 0
        assert "one line per time entry" in text(app, "#editor-summary")
