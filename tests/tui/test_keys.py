"""Keys a technician types, at the speed they arrive over SSH: the lookup
loop (``/`` from anywhere), keys sent in bursts (no pause between them land
where focus is when each is processed), and no key leaking from a dialog to
the screen behind it."""
from __future__ import annotations

from tests.tui.conftest import make_app, settle


async def search_screen(app):
    from tui.screens.search import SearchScreen

    return app.screen if isinstance(app.screen, SearchScreen) else None


async def test_slash_from_an_invoice_opened_from_search_goes_back_to_the_search_box(book):
    """Seen: '/', a number, enter (the invoice opens), '/': NoScreen in the footer, the app exited."""
    from textual.widgets import Input

    from tui.screens.search import SearchScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"NS-000001", "enter")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "InvoiceDetailScreen"
        await pilot.press("slash")
        await settle(pilot)
        assert app.return_code is None and app.is_running
        assert isinstance(app.screen, SearchScreen)
        field = app.screen.query_one(Input)
        assert app.focused is field
        assert field.value == "NS-000001" and field.selected_text == "NS-000001"


async def test_slash_from_an_invoice_after_leaving_search_mode_does_not_crash(book):
    """Seen: '/', a number, enter, 'i', '/': 'InvoiceDetailScreen' has no attribute 'focus_query'."""
    from textual.widgets import Input

    from tui.screens.search import SearchScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"NS-000002", "enter")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, SearchScreen)
        assert app.focused is app.screen.query_one(Input)


async def test_slash_from_a_batchs_invoices_opened_from_search_does_not_crash(book):
    """Seen: '/', a batch name, enter, 'd', '/': BatchInvoicesScreen has no 'focus_query'.
    (A name's enter goes to the results since issue 12; the batch is their first row.)"""
    from textual.widgets import Input

    from tui.screens.search import SearchScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"September", "enter")
        await settle(pilot)
        await pilot.press("enter")  # the results' first row: the batch
        await settle(pilot)
        assert app.screen.__class__.__name__ == "BatchInvoicesScreen"
        await pilot.press("d")
        await settle(pilot)
        assert app.current_mode == "dashboard"
        await pilot.press("slash")
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, SearchScreen)
        assert app.focused is app.screen.query_one(Input)


# --- bursts: a whole flow sent with no pause gives what paced keys give ------------

import pytest  # noqa: E402

from tests.tui.conftest import burst, paced  # noqa: E402

SEND = {"burst": burst, "paced": paced}
MAPLE = "Maple Leaf Physiotherapy Inc."


@pytest.mark.parametrize("send", ["burst", "paced"])
async def test_new_batch_n_enter_enter_enter_opens_the_draft_for_all_customers(book, send):
    from store import billing
    from tui.screens.batch_editor import BatchEditorScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await SEND[send](pilot, "n", "enter", "enter", "enter")
        assert isinstance(app.screen, BatchEditorScreen)
        draft = billing.get_draft(app.screen.batch_id)
        assert (draft.summary.name, draft.period, draft.customers) == ("2026-10 billing", "2026-10", None)


@pytest.mark.parametrize("send", ["burst", "paced"])
async def test_new_batch_for_one_customer_then_save_in_one_burst(book, send):
    from store.models import Batch, Invoice
    from tui.screens.invoices import BatchInvoicesScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await SEND[send](pilot, "n", "enter", "enter", *MAPLE, "enter", "ctrl+s", "enter")
        assert isinstance(app.screen, BatchInvoicesScreen)
        batch = Batch.get(Batch.name == "2026-10 billing")
        assert batch.status == "saved"
        customers = {inv.customer.name for inv in Invoice.select().where(Invoice.batch == batch.id)}
        assert customers == {MAPLE}


@pytest.mark.parametrize("send", ["burst", "paced"])
async def test_export_dialog_destination_typed_in_a_burst_is_the_file_written(book, tmp_path, send,
                                                                              monkeypatch):
    """Seen: tab, ctrl+u and a path in one burst left the destination empty; the next
    keys, meant for the list (e, enter), went into the field and wrote a file 'e'."""
    from textual.widgets import Input

    from store.models import Invoice
    from tui.screens.export_dialog import ExportDialog
    from tui.screens.invoices import InvoicesScreen

    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    target = tmp_path / "out" / "mine.csv"
    target.parent.mkdir()
    app = make_app(export_dir=work)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # NS-000001, the third row, is in USD, the home currency: no warning stops the export
        await SEND[send](pilot, "i", "down", "down", "e", "tab", "ctrl+u", *str(target), "enter", "e")
        assert target.is_file()
        assert Invoice.get(Invoice.number == "NS-000001").status == "exported"
        # the 'e' after the enter reached the list: a second dialog, its field the default
        # (in the folder just exported to: the app remembers it)
        assert isinstance(app.screen, ExportDialog)
        assert app.screen.query_one("#export-path", Input).value == str(target.parent / "NS-000001-qbo.csv")
        await SEND[send](pilot, "escape")
        assert isinstance(app.screen, InvoicesScreen)
        assert list(work.iterdir()) == []  # nothing written in the working directory


@pytest.mark.parametrize("send", ["burst", "paced"])
async def test_search_open_escape_and_the_next_number_in_one_burst(book, send):
    from textual.widgets import Input

    from tui.screens.invoice_detail import InvoiceDetailScreen
    from tui.screens.search import SearchScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await SEND[send](pilot, "slash", *"NS-000002", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen) and app.screen.number == "NS-000002"
        await SEND[send](pilot, "escape")
        assert isinstance(app.screen, SearchScreen)
        field = app.screen.query_one(Input)
        assert app.focused is field and field.selected_text == "NS-000002"
        await SEND[send](pilot, *"NS-000001", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen) and app.screen.number == "NS-000001"
        await SEND[send](pilot, "escape", *"NS-000003", "enter", "escape", "slash", *"NS-000002", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen) and app.screen.number == "NS-000002"


@pytest.mark.parametrize("send", ["burst", "paced"])
async def test_void_dialog_reason_typed_in_a_burst_never_reaches_the_list(book, send):
    """The reason holds letters that are keys of the screens behind (d, i, e, b, n, q)."""
    from store.models import AuditEvent, Batch
    from tui.screens.batches import BatchesScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await SEND[send](pilot, "b", "v", *"billed twice: quit, redo in Nov", "enter")
        assert isinstance(app.screen, BatchesScreen)
        batch = Batch.get(Batch.name == "September run")
        assert batch.status == "voided"
        assert batch.void_reason == "billed twice: quit, redo in Nov"
        assert app.is_running
        assert not AuditEvent.select().where(AuditEvent.action == "export").exists()


@pytest.mark.parametrize("start", [("enter",), ("b", "enter"), ("slash", *"September", "enter", "enter")])
async def test_d_goes_home_from_a_batchs_invoices_in_one_press(book, start):
    from tui.screens.dashboard import DashboardScreen
    from tui.screens.invoices import BatchInvoicesScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, *start)
        assert isinstance(app.screen, BatchInvoicesScreen)
        await burst(pilot, "d")
        assert isinstance(app.screen, DashboardScreen)
        assert len(app.screen_stack) == 1


async def test_leaving_the_editor_by_a_global_key_keeps_the_toggle(book):
    from store import billing

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", "enter", "enter", *MAPLE, "enter")
        batch_id = app.screen.batch_id
        await burst(pilot, "space", "d")
        assert app.current_mode == "dashboard" and len(app.screen_stack) == 1
        await settle(pilot)
        assert billing.get_draft(batch_id).excluded != frozenset()


async def test_page_up_in_an_option_list_not_laid_out_yet_does_nothing():
    """Monkey, seed 0: ctrl+p, then keys, then pageup in the palette: KeyError: 0 ended the app."""
    from textual.app import App
    from textual.widgets import OptionList

    import tui.app  # noqa: F401  (applies tui.textual_fixes)

    class Tiny(App):
        CSS = "OptionList { height: 0; border: none; }"

        def compose(self):
            yield OptionList("one", "two", "three")

    app = Tiny()
    async with app.run_test(size=(40, 10)) as pilot:
        options = app.query_one(OptionList)
        options.focus()
        options.highlighted = 1
        await pilot.press("pageup", "pagedown")
        assert app.is_running and options.highlighted == 1


async def test_f_reaches_each_dashboard_search_box_and_the_lists_match_like_slash(book):
    """Seen: reaching the dashboard's search boxes took tab, then shift+tab twice; recent
    invoices found nothing for 'zoe' and recent batches nothing for an invoice number."""
    from textual.widgets import Input

    from tui.widgets.list_panel import ListPanel

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        batches = app.screen.query_one("#recent-batches", ListPanel)
        invoices = app.screen.query_one("#recent-invoices", ListPanel)
        await burst(pilot, "f", *"000002", "enter")
        assert app.focused is batches.table
        assert [b.name for b in batches.items] == ["September run"]
        await burst(pilot, "tab")  # the next list
        assert app.focused.parent is invoices or app.focused in invoices.query("*")
        await burst(pilot, "tab", "f")  # to its table, then its search box
        assert app.focused is invoices.query_one(Input)
        await burst(pilot, *"zoe", "enter")
        assert [i.customer for i in invoices.items] == ["Zoë Café GmbH"]
        assert app.focused is invoices.table


async def test_tickets_area_shows_a_billed_ticket_with_its_invoice_batch_and_why_it_is_locked(book):
    from store.models import BilledLedger, Invoice, Ticket
    from tui.screens.invoice_detail import InvoiceDetailScreen
    from tui.screens.tickets import TicketsScreen

    billed = Ticket.get(Ticket.status == "billed")
    number = Invoice.get_by_id(BilledLedger.get((BilledLedger.source_kind == "ticket")
                                                & (BilledLedger.source_id == billed.id)).invoice_id).number
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "T")
        assert isinstance(app.screen, TicketsScreen)
        await burst(pilot, "f", *billed.number, "enter")
        assert [t.number for t in app.screen.panel.items] == [billed.number]
        detail = str(app.screen.query_one("#ticket-detail").render())
        assert f"Billed by invoice {number} of batch September run" in detail
        assert "cannot be edited, reopened or deleted" in detail
        await burst(pilot, "enter")
        assert isinstance(app.screen, InvoiceDetailScreen) and app.screen.number == number


@pytest.mark.parametrize("send", ["burst", "paced"])
async def test_area_keys_typed_into_a_dialog_stay_in_it(book, send):
    """d, b, i, q, / and T typed into the new batch dialog are text in its field; the escape
    after them closes the dialog and nothing else; the next d reaches the dashboard."""
    from textual.widgets import Input

    from tui.screens.new_batch import NewBatchDialog

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await SEND[send](pilot, "n", "tab", "ctrl+u", *"dbiq/T")
        assert isinstance(app.screen, NewBatchDialog)
        assert app.screen.query_one("#name", Input).value == "dbiq/T"
        await SEND[send](pilot, "escape", "b")
        assert app.is_running and app.current_mode == "batches"


@pytest.mark.parametrize("send", ["burst", "paced"])
async def test_slash_in_the_search_box_selects_the_query_and_is_not_typed(book, send):
    """Found by a new user over SSH: after esc from an invoice the focus is in the search
    box, and `/` was typed into it: `esc / 1 2 enter` searched "/12" and opened another
    invoice. `/` in the search box selects the query, as `/` does everywhere."""
    from textual.widgets import Input

    from tui.screens.search import SearchScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await SEND[send](pilot, "slash", *"NS-000002", "enter", "escape", "slash", "1", "2")
        assert isinstance(app.screen, SearchScreen)
        field = app.screen.query_one(Input)
        assert field.value == "12"
        await SEND[send](pilot, "slash", "slash", "7")
        assert field.value == "7"


# --- keys typed while an export writes its files wait for it, however long ----------

class SlowPdf:
    """exporters.pdf.invoice_pdf held until the test lets it go: an export as long as
    the test wants (22 PDFs took ~16 s over SSH), with no clock in the test."""

    def __init__(self, monkeypatch):
        import threading

        import exporters.pdf as pdf

        self.release = threading.Event()
        self.started = threading.Event()
        real = pdf.invoice_pdf

        def slow(inv, settings, **kwargs):
            self.started.set()
            assert self.release.wait(120), "the test never released the export"
            return real(inv, settings, **kwargs)

        monkeypatch.setattr(pdf, "invoice_pdf", slow)


def post_keys(app, *keys: str) -> None:
    """Keys as the terminal sends them in one read, without waiting for the app."""
    from tests.tui.conftest import key_event

    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        app.post_message(event)


async def until(condition, what: str) -> None:
    import asyncio

    for _ in range(6000):  # not a timing assertion: a bound on a wait that ends by itself
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def test_keys_typed_during_a_long_export_wait_for_it_and_land_in_order(book, tmp_path, monkeypatch):
    """Seen: a PDF export of 22 invoices outlasted the key gate's 15 s, and the '/' of a
    path typed meanwhile opened Search. Keys typed while an export runs wait for it (here
    far beyond the limit, made tiny) and then land where the focus is after it, in order."""
    from pathlib import Path

    from textual.widgets import Input, Label, Select

    from tui import keys
    from tui.screens.export_dialog import ExportDialog
    from tui.screens.search import SearchScreen

    slow = SlowPdf(monkeypatch)
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "b", "e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog) and dialog.batch.name == "September run"
        dialog.query_one("#export-format", Select).value = "pdf"
        await settle(pilot)
        # Made tiny only now: any other call would let the keys in at once (set before
        # 'b e', it let 'e' reach the batches list before it loaded, on a loaded machine)
        monkeypatch.setattr(keys, "WORKER_LIMIT", 0.01)
        folder = dialog.path_text
        post_keys(app, "ctrl+s", "slash", *"NS-000002")
        try:
            await until(lambda: slow.started.is_set() and len(app.key_gate.waiting) == 10, "10 keys held")
            await pilot.pause(0.1)  # ... and still held a while later
            assert len(app.key_gate.waiting) == 10 and app.screen is dialog
            status = str(dialog.query_one("#export-error", Label).render())
            assert status.endswith("(10 keys typed meanwhile wait for the export)"), status
        finally:
            slow.release.set()
        await until(lambda: isinstance(app.screen, SearchScreen), "the export done, then '/' opened Search")
        await app.key_gate.drained()
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        field = app.screen.query_one(Input)
        assert field.value == "NS-000002"  # every key, in order, none in the dialog
        assert sorted(p.name for p in Path(folder).iterdir()) == ["NS-000001.pdf", "NS-000002.pdf",
                                                                  "NS-000003.pdf"]


async def test_keys_typed_while_the_invoice_screen_writes_its_pdf_wait_for_it(book, tmp_path, monkeypatch):
    from textual.widgets import Input

    from tui import keys
    from tui.screens.invoice_detail import InvoiceDetailScreen
    from tui.screens.search import SearchScreen

    slow = SlowPdf(monkeypatch)
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "slash", *"NS-000001", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen)
        await settle(pilot)
        monkeypatch.setattr(keys, "WORKER_LIMIT", 0.01)  # only now: the keys below must wait anyway
        post_keys(app, "p", "slash", *"NS-000002")
        try:
            await until(lambda: slow.started.is_set() and len(app.key_gate.waiting) == 10, "10 keys held")
            await pilot.pause(0.1)
            assert len(app.key_gate.waiting) == 10 and isinstance(app.screen, InvoiceDetailScreen)
        finally:
            slow.release.set()
        await until(lambda: not app.key_gate.waiting, "the keys let in after the PDF")
        await app.key_gate.drained()
        await settle(pilot)
        assert (tmp_path / "NS-000001.pdf").is_file()
        assert isinstance(app.screen, SearchScreen)
        field = app.screen.query_one(Input)
        assert app.focused is field and field.value == "NS-000002"
