"""Issue 12: the batch editor's invoice-lines preview (p) at 80 and 120 columns.
The Description column was as wide as the longest description: Qty was cut to
"Qt" and Unit price and Amount were off to the right."""
from __future__ import annotations

import pytest

from tests.tui.conftest import burst, make_app, open_editor
from tests.tui.test_walk_fit import shown

MAPLE = "Maple Leaf Physiotherapy Inc."


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_preview_at_time_entry_detail_shows_qty_unit_price_and_amount(book, size):
    from store import billing
    from store.money import quantity_str
    from tui.format import money
    from tui.screens.line_preview import LinePreviewDialog

    draft = billing.create_batch("Lines", "2026-10", [MAPLE], actor="alice")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_editor(pilot, draft.id)
        await burst(pilot, "j", "t", "p")  # time entry detail, the customer's lines
        assert isinstance(app.screen, LinePreviewDialog)
        preview = app.screen.preview
        assert app.screen.detail == "time_entry"
        longest = max(len(line.description) for line in preview.lines)
        assert longest > 40  # a time entry's note: longer than 80 columns leave it
        table = app.screen.query_one("#preview-lines")
        rows = shown(table)
        head = rows[0]
        for title in ("Description", "Qty", "Unit price", "Amount"):
            assert title in head
        assert table.virtual_size.width <= table.size.width  # nothing off to the right
        text = "\n".join(rows)
        visible = [line for line in preview.lines if money(line.amount, preview.currency) in text]
        assert visible, rows
        # each line shown has its quantity, unit price and amount on its first row
        first = visible[0]
        row = next(r for r in rows if money(first.amount, preview.currency) in r)
        assert quantity_str(first.quantity) in row and money(first.unit_price, preview.currency) in row
        if size[0] == 80:
            # a long description wraps in its column, its next row indented under it
            assert any(r.startswith("  ") and r.strip() and "CAD" not in r for r in rows[1:])
