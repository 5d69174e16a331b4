"""Escape and the key typed right after it, read by the terminal in one go (SSH,
tmux), are two keys: Escape first, then the key, where the focus is once Escape
was dealt with. The bytes go through Textual's real xterm parser (as the Linux
driver feeds it) and then through the app's key gate."""
from __future__ import annotations

import pytest

from tests.tui.conftest import burst, make_app, settle

MAPLE = "Maple Leaf Physiotherapy Inc."


async def raw(pilot, data: str) -> None:
    """Send ``data`` as the terminal's bytes arrive in one read: parsed by the
    xterm parser the driver uses, each event posted to the app as the driver does."""
    from textual._xterm_parser import XTermParser

    app = pilot.app
    parser = XTermParser(debug=False)
    for event in [*parser.feed(data), *parser.feed("")]:
        event.set_sender(app)
        app.post_message(event)
    await app.key_gate.drained()
    await settle(pilot)
    await app.key_gate.drained()


@pytest.mark.parametrize("data, keys", [
    ("\x1bb", ["escape", "b"]),
    ("\x1b\r", ["escape", "enter"]),
    ("\x1be", ["escape", "e"]),
    ("\x1b ", ["escape", "space"]),
    ("\x1b\t", ["escape", "tab"]),
    ("\x1b/", ["escape", "slash"]),
    ("\x1bB", ["escape", "B"]),
    ("\x1b\x13", ["escape", "ctrl+s"]),
    ("\x1b\x1b", ["escape", "escape"]),
    ("voops\x1b\r", ["v", "o", "o", "p", "s", "escape", "enter"]),
    ("\x1bhartley\r", ["escape", *"hartley", "enter"]),
    # sequences that are one key stay one key
    ("\x1b[A", ["up"]), ("\x1bOP", ["f1"]), ("\x1b[1;5C", ["ctrl+right"]), ("\x1b", ["escape"]),
])
def test_escape_and_the_next_key_read_together_are_two_keys(data, keys):
    from textual._xterm_parser import XTermParser

    import tui.app  # noqa: F401  (applies the app's fixes to Textual)

    parser = XTermParser(debug=False)
    assert [event.key for event in [*parser.feed(data), *parser.feed("")]] == keys


def test_the_app_binds_no_alt_key():
    """ESC + a letter is no longer alt+letter: nothing in the app may count on it."""
    from tui.app import BatchbillApp
    from tui import screens
    import importlib
    import pkgutil

    keys = [b.key for b in BatchbillApp.BINDINGS]
    for module in pkgutil.iter_modules(screens.__path__):
        mod = importlib.import_module(f"tui.screens.{module.name}")
        for value in vars(mod).values():
            if not isinstance(value, type) or not value.__module__.startswith("tui."):
                continue  # Textual's own widgets (Input binds alt+backspace: now escape, backspace)
            for binding in getattr(value, "BINDINGS", None) or []:
                keys.append(getattr(binding, "key", binding[0] if isinstance(binding, tuple) else ""))
    assert keys and not [k for k in keys if "alt+" in k]


async def test_save_dialog_escape_enter_in_one_read_cancels_and_saves_nothing(book):
    from store.models import Batch, Invoice
    from tui.screens.batch_editor import BatchEditorScreen
    from tui.screens.confirm_save import ConfirmSaveDialog

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", "enter", "enter", *MAPLE, "enter", "ctrl+s")
        assert isinstance(app.screen, ConfirmSaveDialog)
        await raw(pilot, "\x1b\r")
        assert not isinstance(app.screen, ConfirmSaveDialog)
        assert any(isinstance(s, BatchEditorScreen) for s in app.screen_stack)
        batch = Batch.get(Batch.name == "2026-10 billing")
        assert batch.status == "draft"
        assert not Invoice.select().where(Invoice.batch == batch.id).exists()


async def test_delete_draft_dialog_escape_enter_in_one_read_keeps_the_draft(book):
    from store import billing
    from tui.screens.confirm_delete import ConfirmDeleteDraft

    draft = billing.create_batch("October review", "2026-10", ["Blue Mesa Logistics LLC"], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "b", "delete")
        assert isinstance(app.screen, ConfirmDeleteDraft)
        await raw(pilot, "\x1b\r")
        assert not isinstance(app.screen, ConfirmDeleteDraft)
        assert billing.get_batch(draft.id).status == "draft"


async def test_void_batch_dialog_reason_then_escape_enter_in_one_read_voids_nothing(book):
    from store.models import Batch

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "b", "v")
        assert type(app.screen).__name__ == "VoidDialog"
        await raw(pilot, "voops\x1b\r")
        assert type(app.screen).__name__ != "VoidDialog"
        assert Batch.get(Batch.name == "September run").status == "saved"


async def test_void_invoice_dialog_escape_enter_in_one_read_voids_nothing(book):
    from store.models import Invoice
    from tui.screens.invoice_detail import InvoiceDetailScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "i", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen)
        number = app.screen.number
        await burst(pilot, "v")
        assert type(app.screen).__name__ == "VoidInvoiceDialog"
        await raw(pilot, "oops\x1b\r")
        assert type(app.screen).__name__ != "VoidInvoiceDialog"
        assert Invoice.get(Invoice.number == number).status != "void"


async def test_new_batch_dialog_escape_enter_in_one_read_creates_nothing(book):
    from store.models import Batch

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = Batch.select().count()
        await burst(pilot, "n")
        assert type(app.screen).__name__ == "NewBatchDialog"
        await raw(pilot, "\x1b\r")
        assert type(app.screen).__name__ != "NewBatchDialog"
        assert Batch.select().count() == before


async def test_export_dialog_escape_enter_in_one_read_writes_nothing(book, tmp_path, monkeypatch):
    from store.models import AuditEvent, Invoice
    from tui.screens.export_dialog import ExportDialog

    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    app = make_app(export_dir=work)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "i", "down", "down", "e")
        assert isinstance(app.screen, ExportDialog)
        await raw(pilot, "\x1b\r")
        # the enter reached the list behind: it may open the invoice, never export it
        assert not isinstance(app.screen, ExportDialog)
        assert list(work.iterdir()) == []
        assert Invoice.get(Invoice.number == "NS-000001").status != "exported"
        assert not AuditEvent.select().where(AuditEvent.action == "export").exists()


async def test_escape_b_in_the_search_box_goes_to_batches(book):
    from tui.screens.batches import BatchesScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "slash", *"Sept")
        await raw(pilot, "\x1bb")
        assert isinstance(app.screen, BatchesScreen)


async def test_escape_e_on_an_invoice_goes_back_then_e_exports_from_the_list(book):
    from tui.screens.export_dialog import ExportDialog
    from tui.screens.invoices import InvoicesScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "i", "enter")
        await raw(pilot, "\x1be")
        assert isinstance(app.screen, ExportDialog)
        assert isinstance(app.screen_stack[-2], InvoicesScreen)


async def test_escape_and_a_name_on_an_invoice_never_opens_its_export(book):
    """Seen: 'Escape h a r t l e y Enter' on an invoice: the e opened the Export dialog."""
    from tui.screens.export_dialog import ExportDialog
    from tui.screens.invoice_detail import InvoiceDetailScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "slash", *"NS-000002", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen)
        await raw(pilot, "\x1bhartley")
        # escape went back to the search box, the letters into it
        assert not any(isinstance(s, (ExportDialog, InvoiceDetailScreen)) for s in app.screen_stack)
        assert type(app.screen).__name__ == "SearchScreen"
