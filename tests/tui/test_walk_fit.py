"""A new user's walk at 80x24 and 120x36 (issue 12): what matters on a screen is
shown whole, in the rows and columns it has."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.tui.conftest import burst, make_app, open_editor, settle

LONG_BATCH = "September run for managed services"


def shown(widget) -> list[str]:
    """The text rows the widget draws on the screen (what a user sees of it)."""
    from textual.geometry import Region

    size = widget.outer_size
    strips = widget.render_lines(Region(0, 0, size.width, size.height))
    return ["".join(seg.text for seg in strip).rstrip() for strip in strips]


async def test_billed_ticket_detail_shows_invoice_batch_and_reason_at_80x24(book):
    from store.models import Batch, BilledLedger, Invoice, Ticket
    from store.tickets import LOCKED
    from tui.screens.tickets import TicketsScreen

    Batch.update(name=LONG_BATCH).execute()
    # a billed ticket of the customer with the longest name: the head is longest
    billed = (Ticket.select().join(BilledLedger, on=(BilledLedger.source_id == Ticket.id))
              .where((Ticket.status == "billed") & (BilledLedger.source_kind == "ticket")))
    ticket = max(billed, key=lambda t: len(t.customer.name))
    number = Invoice.get_by_id(BilledLedger.get((BilledLedger.source_kind == "ticket")
                                                & (BilledLedger.source_id == ticket.id)).invoice_id).number
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "T", "f", *ticket.number, "enter")
        assert isinstance(app.screen, TicketsScreen)
        assert [t.number for t in app.screen.panel.items] == [ticket.number]
        rows = shown(app.screen.query_one("#ticket-detail"))
        assert len(rows) <= 4
        text = " ".join(" ".join(rows).split())
        assert ticket.number in rows[0]
        assert f"Billed by invoice {number} of batch {LONG_BATCH}." in text
        assert LOCKED in text and "…" not in " ".join(rows[1:])
        assert app.screen.panel.table.size.height >= 10  # the list keeps its rows


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_save_dialog_gives_customer_names_the_width_and_keeps_the_amounts(book, size):
    from types import SimpleNamespace

    from tui.format import money
    from tui.screens.confirm_save import ConfirmSaveDialog

    name = "Blue Mesa Logistics and Freight Forwarding LLC"  # 46 characters
    previews = [SimpleNamespace(customer=name, line_count=16, subtotal=1090969, tax=90005, total=1180974,
                                currency="USD"),
                SimpleNamespace(customer="Zoë Café GmbH", line_count=4, subtotal=112500, tax=21375,
                                total=133875, currency="EUR")]
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmSaveDialog("November run", previews))
        await settle(pilot)
        table = app.screen.query_one("#previews")
        rows = shown(table)
        row = next(r for r in rows if r.lstrip().startswith("Blue Mesa"))
        for amount in (money(1090969, "USD"), money(90005, "USD"), money(1180974, "USD")):
            assert amount in row  # the amounts and their currency show whole
        assert table.virtual_size.width <= table.size.width  # nothing off to the right
        customer = row.strip().split("  ")[0]
        if size[0] >= 120:
            assert customer == name
        else:
            # the name gets what the dialog leaves: 76 inside, 5 + 13 + 10 + 13 for Lines and
            # the amounts, 10 of cell padding, 2 for a scrollbar (it was cut at 18)
            assert len(customer) == 76 - 41 - 10 - 2 and customer.endswith("…")


NOTE = ("Rebuilt the print server queue after the spooler crashed, re-added the second floor "
        "printers and tested scanning to email for every user")


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_invoice_descriptions_wrap_inside_their_column(book, size):
    """A long description (a time entry's note is the work done) is shown whole, its
    next lines indented under its first, not at the column's edge under the headings."""
    from textual.widgets import DataTable

    from store.models import Invoice, InvoiceLine
    from tui.screens.invoice_detail import InvoiceDetailScreen

    inv = Invoice.get(Invoice.number == "NS-000002")
    first = InvoiceLine.select().where(InvoiceLine.invoice == inv).order_by(InvoiceLine.id).first()
    InvoiceLine.update(description=NOTE).where(InvoiceLine.id == first.id).execute()
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.push_screen(InvoiceDetailScreen("NS-000002"))
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        row = next(r for r in range(table.row_count) if "Rebuilt" in table.get_row_at(r)[0].plain)
        lines = table.get_row_at(row)[0].plain.split("\n")
        assert " ".join(part.strip() for part in lines) == NOTE  # whole
        assert table.ordered_rows[row].height == len(lines) > 1
        table.move_cursor(row=row, animate=False)
        await settle(pilot)
        rendered = shown(table)
        drawn = [next(r for r in rendered if part.strip() in r) for part in lines]
        assert all(r.startswith("   ") and r[3] != " " for r in drawn), drawn  # cell padding + 2, every line


async def test_invoice_header_keeps_batch_and_dates_with_a_wide_name_at_80x24(book):
    from store.models import Batch, Customer, Invoice
    from tui.screens.invoice_detail import InvoiceDetailScreen

    inv = Invoice.get(Invoice.number == "NS-000002")
    Customer.update(name="株式会社東京ネットワークサービス管理センター北関東支社営業部").where(Customer.id == inv.customer_id).execute()
    Batch.update(name="September run for managed services and projects").execute()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(InvoiceDetailScreen("NS-000002"))
        await settle(pilot)
        rows = shown(app.screen.query_one("#invoice-header"))
        assert len(rows) == 2
        assert rows[0].lstrip().startswith("NS-000002") and rows[0].rstrip().endswith(inv.currency)
        assert rows[1].lstrip().startswith("Batch September run") and "(2026-09)" in rows[1]
        assert f"issued {inv.issue_date:%Y-%m-%d}  due {inv.due_date:%Y-%m-%d}" in rows[1]


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_editor_summary_keeps_its_totals_in_three_rows(book, size):
    """A long batch name and three customers with nothing to bill (billed by the
    September run): the head stays one row, the totals show whole, broken between
    currencies, the nothing-to-bill note goes to the status (2 rows at most)."""
    from store import billing
    from store.models import Customer
    from tui.format import money
    from tui.screens.batch_editor import BatchEditorScreen

    names = [c.name for c in Customer.select().order_by(Customer.name)]
    draft = billing.create_batch("September catch-up for every managed customer we look after",
                                 "2026-09", names, actor="alice")
    d, plan = billing.plan_for_batch(draft.id, today=dt.date(2026, 11, 15))
    selected = billing.selection_totals(plan, d.excluded)
    assert len(selected) >= 2
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_editor(pilot, draft.id)
        assert isinstance(app.screen, BatchEditorScreen)
        rows = shown(app.screen.query_one("#editor-summary"))
        assert len(rows) <= 3
        assert rows[0].rstrip().endswith("one line per ticket") and "2026-09" in rows[0]
        assert rows[1].lstrip().startswith("Selected: ")
        for currency, amount in selected.items():
            assert any(money(amount, currency) in r for r in rows[1:]), (money(amount, currency), rows)
        status = shown(app.screen.query_one("#editor-status"))
        assert len(status) <= 2
        assert "Nothing to bill for Hartley Dental Group" in " ".join(status)


def test_totals_break_between_currencies_only():
    from tui.screens.batch_editor import break_between, totals_parts

    selected = {"AUD": 182313, "CAD": 731375, "EUR": 1669749, "GBP": 296450, "ILS": 565000, "USD": 1982931}
    text = break_between(["Selected:"] + totals_parts(selected), 78)
    assert text.split("\n") == ["Selected: 1,823.13 AUD + 7,313.75 CAD + 16,697.49 EUR + 2,964.50 GBP +",
                                "5,650.00 ILS + 19,829.31 USD"]
    assert all(len(row) <= 30 for row in break_between(["Selected:"] + totals_parts(selected), 30).split("\n"))


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_toasts_leave_the_invoice_totals_in_sight_and_info_goes_sooner(book, size):
    from textual.widgets._toast import Toast

    from tui.screens.invoice_detail import InvoiceDetailScreen

    app = make_app()
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        app.push_screen(InvoiceDetailScreen("NS-000002"))
        await settle(pilot)
        app.notify("Wrote /tmp/somewhere/NS-000002.pdf")
        app.notify("Careful", severity="warning")
        await settle(pilot)
        totals = app.screen.query_one("#invoice-totals").region
        await pilot.pause(0.2)
        toasts = list(app.screen.query(Toast))
        assert len(toasts) == 2
        for toast in toasts:
            assert not toast.region.overlaps(totals), (toast.region, totals)
            assert toast.region.height == 1  # a one-line message: one row
        timeouts = {n.severity: n.timeout for n in app._notifications}
        assert timeouts == {"information": 3, "warning": 5}
