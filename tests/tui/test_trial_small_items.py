"""Smaller app findings of the SSH trial (7)."""
from __future__ import annotations

from tests.tui.conftest import burst, make_app, settle


def footer_keys(screen) -> list[str]:
    from tui.widgets.footer import KeyFooter

    return [key for key, _display, _description, _enabled in screen.query_one(KeyFooter)._keys]


async def test_void_invoice_footer_offers_neither_export_nor_void(book):
    from store import billing
    from tui.screens.invoice_detail import InvoiceDetailScreen

    billing.void_invoice("NS-000002", "wrong customer")
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "slash", *"NS-000001", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen)
        await settle(pilot)
        assert {"e", "v"} <= set(footer_keys(app.screen))  # a live invoice: both offered
        await burst(pilot, "escape", "slash", *"NS-000002", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen) and app.screen.number == "NS-000002"
        await settle(pilot)
        keys = footer_keys(app.screen)
        assert "e" not in keys and "v" not in keys and "p" in keys
        await burst(pilot, "e", "v")
        assert isinstance(app.screen, InvoiceDetailScreen)  # no dialog


async def test_delete_on_a_batchs_invoice_list_says_invoices_are_voided_not_deleted(book):
    from store.models import Invoice
    from tui.screens.invoices import BatchInvoicesScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "b", "enter")
        assert isinstance(app.screen, BatchInvoicesScreen)
        await burst(pilot, "delete")
        messages = [n.message for n in app._notifications]
        assert any("never deleted" in m and "void" in m for m in messages)
        assert Invoice.select().count() == 3 and Invoice.select().where(Invoice.status == "void").count() == 0


async def test_new_batch_dialog_shows_the_name_it_will_create(book):
    from textual.widgets import Input

    from store import billing
    from tui.screens.batch_editor import BatchEditorScreen

    taken = billing.create_batch("2026-10 billing", "2026-10", ["Blue Mesa Logistics LLC"], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n")
        await settle(pilot)
        assert app.screen.query_one("#name", Input).value == "2026-10 billing (2)"
        # another period: its own name, then back
        await burst(pilot, "ctrl+u", *"2026-09")
        await settle(pilot)
        assert app.screen.query_one("#name", Input).value == "2026-09 billing"
        await burst(pilot, "ctrl+u", *"2026-10")
        await settle(pilot)
        assert app.screen.query_one("#name", Input).value == "2026-10 billing (2)"
        await burst(pilot, "enter", "enter", "enter")
        assert isinstance(app.screen, BatchEditorScreen)
        assert billing.get_draft(app.screen.batch_id).summary.name == "2026-10 billing (2)"
        assert taken.name == "2026-10 billing"


async def test_missing_export_folder_in_the_app_never_mentions_the_cli_flag(book, tmp_path):
    from tui.screens.invoice_detail import InvoiceDetailScreen

    app = make_app(export_dir=tmp_path / "gone")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "slash", *"NS-000001", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen)
        await burst(pilot, "p")
        messages = " ".join(n.message for n in app._notifications)
        assert "does not exist" in messages and "--mkdir" not in messages
        assert not (tmp_path / "gone").exists()


async def test_command_palette_finds_save_and_void(book):
    from tui.commands import BatchbillCommands

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        provider = BatchbillCommands(app.screen)
        titles = [title for title, *_ in provider._commands()]
        for word in ("save", "void"):
            assert any(word in t.casefold() for t in titles), word
        # the batches screen: its own void (the footer's word leads), not the pointer elsewhere
        await burst(pilot, "b")
        provider = BatchbillCommands(app.screen)
        titles = [title for title, *_ in provider._commands()]
        assert "Void a saved batch, with a reason" in titles and "Void a batch" not in titles
        await burst(pilot, "ctrl+p", *"void")
        await settle(pilot)
        await burst(pilot, "enter")
        assert type(app.screen).__name__ == "VoidDialog"
