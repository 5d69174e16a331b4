"""Voiding a batch that holds an invoice voided alone before: the dialog counts and
totals only the invoices that stand, the exported warning too; a voided batch
shows no total (user finding 3 of the SSH trial)."""
from __future__ import annotations

from tests.tui.conftest import make_app, settle


async def test_void_batch_dialog_leaves_out_an_invoice_voided_already(book, tmp_path):
    from store import billing, exports, listing
    from tui.screens.batches import batch_row

    (before,) = listing.list_batches()
    assert (before.invoice_count, before.live_count) == (3, 3)
    exports.export_invoices(fmt="csv", out_path=str(tmp_path / "out.csv"), actor="tester",
                            numbers=["NS-000001", "NS-000002", "NS-000003"])
    voided = billing.void_invoice("NS-000002", "wrong customer")
    (batch,) = listing.list_batches()
    assert (batch.invoice_count, batch.live_count) == (3, 2)
    # the total of the two that stand
    standing = {}
    for inv in listing.recent_invoices(batch_id=batch.id):
        if inv.status != "void":
            standing[inv.currency] = standing.get(inv.currency, 0) + inv.total
    assert dict(batch.totals) == standing
    assert dict(billing.get_batch(batch.id).totals) == standing
    assert listing.exported_count(batch.id) == 2

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("b", "v")
        await settle(pilot)
        assert type(app.screen).__name__ == "VoidDialog"
        text = " ".join(str(label.render()) for label in app.screen.query("Label"))
        assert "(2) totalling" in text and "1 of its invoices is void already" in text
        assert "2 of its 2 invoices were exported" in text
        await pilot.press(*"redo", "enter")
        await settle(pilot)

    (after,) = listing.list_batches()
    assert after.status == "voided" and after.totals == () and after.live_count == 0
    assert after.invoice_count == 3  # the numbers stay used
    assert batch_row(after)[-1] == "-"
    assert billing.get_batch(after.id).totals == ()
    assert voided  # noqa: the invoice voided alone first
