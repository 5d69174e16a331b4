"""The dialogs at 80x24: what they say and which keys work."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.app import App

import tui
from tests.tui.conftest import make_app, settle

CSS = str(Path(tui.__file__).parent / "app.tcss")


def previews(n: int, currencies=("USD",)):
    from store.billing import InvoicePreview

    return [InvoicePreview(i, f"Customer {i:02d} Ltd", currencies[i % len(currencies)], Decimal("0.08"),
                           tuple(range(3)), 100_000, 8_000, 108_000) for i in range(n)]


class Host(App):
    """A bare app with the batchbill styles that opens one dialog."""
    CSS_PATH = CSS

    def __init__(self, dialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.result = "not dismissed"

    def on_mount(self) -> None:
        self.notify("Detail level: one line per ticket")  # as the editor does before ctrl+s
        self.call_later(self.push_screen, self.dialog, self._dismissed)

    def _dismissed(self, result) -> None:
        self.result = result


def fully_on_screen(widget, size) -> bool:
    r = widget.region
    return r.height > 0 and r.y >= 0 and r.bottom <= size[1] and r.x >= 0 and r.right <= size[0]


async def test_save_confirmation_of_23_invoices_shows_total_and_keys_at_80x24_and_scrolls():
    from textual.widgets import DataTable

    from tui.screens.confirm_save import ConfirmSaveDialog

    host = Host(ConfirmSaveDialog("November run", previews(23)))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dialog = host.screen
        for selector in ("#grand-total", "#confirm-keys", "#save", "#cancel"):
            assert fully_on_screen(dialog.query_one(selector), (80, 24)), selector
        assert "Total to bill: 24,840.00 USD" in str(dialog.query_one("#grand-total").render())
        assert "enter: save" in str(dialog.query_one("#confirm-keys").render())
        assert len(host._notifications) == 0  # the editor's toast no longer covers the total
        table = dialog.query_one("#previews", DataTable)
        assert table.row_count == 23 and table.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert table.scroll_y > 0  # the rows that do not fit scroll inside the dialog
        await pilot.press("enter")
        await pilot.pause()
        assert host.result is True


async def test_save_confirmation_in_six_currencies_keeps_total_and_keys_at_80x24_without_sideways_scroll():
    from textual.widgets import DataTable

    from tui.screens.confirm_save import ConfirmSaveDialog

    rows = previews(23, ("AUD", "CAD", "EUR", "GBP", "ILS", "USD"))
    for p in rows:
        object.__setattr__(p, "customer", "Magnolia Restaurant Supply Co. of Greater Springfield")
    host = Host(ConfirmSaveDialog("October run", rows))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dialog = host.screen
        for selector in ("#grand-total", "#confirm-keys", "#save"):
            assert fully_on_screen(dialog.query_one(selector), (80, 24)), selector
        assert dialog.query_one("#grand-total").region.height == 2  # the total wraps, still all shown
        assert dialog.query_one("#previews", DataTable).max_scroll_x == 0


async def test_save_confirmation_escape_goes_back_without_saving():
    from tui.screens.confirm_save import ConfirmSaveDialog

    host = Host(ConfirmSaveDialog("November run", previews(2)))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert host.result is False


async def test_export_dialog_keys_do_what_its_hint_says(book, tmp_path):
    """ctrl+s exports from the format list (where enter opens the list), and
    enter exports from the destination field."""
    from textual.widgets import Select

    from store import listing

    out = tmp_path / "exports"
    out.mkdir()
    app = make_app(export_dir=out)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i", "e")
        await settle(pilot)
        hint = str(app.screen.query_one("#export-keys").render())
        assert hint.startswith("ctrl+s: export (or enter in the file field)")
        assert isinstance(app.focused, Select)
        await pilot.press("ctrl+s")
        await settle(pilot)
        # a EUR invoice in a format without a currency column: said first, nothing written yet
        assert "1 invoice in EUR (first NS-000003)" in str(app.screen.query_one("#export-warnings").render())
        assert list(out.iterdir()) == []
        await pilot.press("ctrl+s")  # go on
        await settle(pilot)
        assert [p.name for p in out.iterdir()] == ["NS-000003-qbo.csv"]
        assert listing.recent_invoices("NS-000003")[0].status == "exported"

        await pilot.press("down", "e")  # NS-000002
        await settle(pilot)
        await pilot.press("tab", "enter", "enter")  # enter in the destination field (twice: GBP)
        await settle(pilot)
        assert sorted(p.name for p in out.iterdir()) == ["NS-000002-qbo.csv", "NS-000003-qbo.csv"]


async def test_void_dialog_warns_when_the_batchs_invoices_were_exported(book, tmp_path):
    from store import exports, listing

    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b", "v")
        await settle(pilot)
        warning = app.screen.query_one("#void-exported")
        assert not warning.display  # nothing exported yet: no warning
        await pilot.press("escape")

        batch = listing.list_batches()[0]
        exports.export_invoices(fmt="csv", out_path=str(tmp_path / "out.csv"), actor="tester",
                                numbers=["NS-000001", "NS-000002"])
        await pilot.press("v")
        await settle(pilot)
        warning = app.screen.query_one("#void-exported")
        assert warning.display
        assert str(warning.render()) == ("2 of its 3 invoices were exported: "
                                         "void them in your accounting system too.")
        assert batch.invoice_count == 3



async def test_delete_key_deletes_a_draft_after_confirmation_and_never_a_saved_batch(book):
    from store import billing, listing
    from tui.screens.confirm_delete import ConfirmDeleteDraft

    draft = billing.create_batch("October review", "2026-10", ["Blue Mesa Logistics LLC"], actor="alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert app.screen.query_one("ListPanel").current.id == draft.id
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDeleteDraft)
        await pilot.press("escape")  # keep it
        await settle(pilot)
        assert billing.get_batch(draft.id).status == "draft"

        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert [b.name for b in listing.list_batches()] == ["September run"]
        panel = app.screen.query_one("ListPanel")
        assert [b.name for b in panel.items] == ["September run"]

        await pilot.press("delete")  # a saved batch: refused, no dialog
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmDeleteDraft)
        assert [b.status for b in listing.list_batches()] == ["saved"]


async def test_delete_is_in_the_batches_help_and_palette(book):
    from tui.commands import BatchbillCommands

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        titles = [title for title, *_ in BatchbillCommands(app.screen)._commands()]
        assert "Delete a draft (after a confirmation)" in titles
        await pilot.press("question_mark")
        await settle(pilot)
        rows = [app.screen.query_one("#help-keys").get_row_at(i)
                for i in range(app.screen.query_one("#help-keys").row_count)]
        assert ["del", "Delete a draft (after a confirmation)"] in [list(map(str, r)) for r in rows]


async def test_help_end_goes_to_the_last_key_without_scrolling_sideways(book):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        table = app.screen.query_one("#help-keys")
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1
        assert table.scroll_x == 0 and table.max_scroll_x == 0  # the key column stays in view
        assert str(table.get_row_at(table.cursor_row)[0]) == "ctrl+p"
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0


async def test_invoice_detail_shows_when_the_invoice_was_exported(book, tmp_path):
    from store import exports, invoices

    exports.export_invoices(fmt="csv", out_path=str(tmp_path / "out.csv"), actor="tester",
                            numbers=["NS-000001"])
    when = invoices.load_invoice("NS-000001").exported_at
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_invoice("NS-000001")
        await settle(pilot)
        header = app.screen.query_one("#invoice-header")
        first_line = str(header.render()).splitlines()[0]
        assert f"exported {when:%Y-%m-%d %H:%M}" in first_line
        assert header.region.right <= 80


async def test_invoice_screen_voids_the_invoice_alone_and_warns_when_exported(book, tmp_path):
    """Issue 11: v on the invoice screen voids that invoice (with a reason); its batch
    stays saved; an exported invoice says it must be voided in the accounting system."""
    from store import exports, invoices
    from store.models import Batch, Invoice

    exports.export_invoices(fmt="csv", out_path=str(tmp_path / "out.csv"), actor="tester",
                            numbers=["NS-000001"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_invoice("NS-000001")
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        warning = app.screen.query_one("#void-invoice-exported")
        assert "NS-000001 was exported: void it in your accounting system too" in str(warning.render())
        await pilot.press("enter")  # no reason: refused
        await settle(pilot)
        assert "A reason is required" in str(app.screen.query_one("#void-invoice-error").render())
        for key in "typo":
            await pilot.press(key)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        assert invoices.load_invoice("NS-000001").status == "void"
        batch = Invoice.get(Invoice.number == "NS-000001").batch
        assert Batch.get_by_id(batch.id).status == "saved"
        assert Invoice.select().where((Invoice.batch == batch.id) & (Invoice.status != "void")).exists()
        assert "void" in str(app.screen.query_one("#invoice-header").render()).splitlines()[0]
