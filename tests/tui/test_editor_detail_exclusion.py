"""In the editor: a time entry left out at time-entry detail, then `t` to the other
levels and ctrl+s enter: the saved invoice does not bill it (user finding 2)."""
from __future__ import annotations

from tests.tui.conftest import TODAY, burst, make_app, open_editor, settle


async def test_time_entry_left_out_then_detail_changed_is_not_billed(book):
    from store import billing
    from store.models import Invoice, InvoiceLine
    from tui.screens.batch_editor import BatchEditorScreen

    draft = billing.create_batch("Oct entries", "2026-10", detail="time_entry", today=TODAY)
    _, plan = billing.plan_for_batch(draft.id, today=TODAY)
    entry = next(ch for cu in plan.customers for co in cu.contracts for pe in co.periods
                 for it in pe.items for ch in it.children if ch.amount > 0 and len(it.children) > 1)
    excluded = billing.toggle(plan, frozenset(), entry.ref)
    left_out = billing.selection_totals(plan, excluded)
    assert left_out != billing.selection_totals(plan, frozenset())
    billing.update_draft(draft.id, excluded=excluded)

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_editor(pilot, draft.id)
        assert isinstance(app.screen, BatchEditorScreen)
        for _ in range(2):  # time entry -> the next levels (contract, ticket)
            await burst(pilot, "t")
            await settle(pilot)
            screen = app.screen
            assert screen.plan.detail != "time_entry"
            assert billing.selection_totals(screen.plan, screen.excluded) == left_out, screen.plan.detail
        await burst(pilot, "ctrl+s", "enter")
    billed = InvoiceLine.select().where((InvoiceLine.source_kind == "time_entry")
                                        & (InvoiceLine.source_id == int(entry.ref.split(":")[1])))
    assert not billed.exists()
    saved = billing.get_batch(draft.id)
    assert saved.status == "saved" and dict(saved.totals) != {}

    subtotal = {}
    for inv in Invoice.select().where(Invoice.batch == draft.id):
        subtotal[inv.currency] = subtotal.get(inv.currency, 0) + inv.subtotal
    assert subtotal == left_out
