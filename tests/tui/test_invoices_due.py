"""The invoices lists show each invoice's due date, whole, at 80x24 (issue 12: at
80x24 nothing essential, invoice number, customer, amount, currency, status and
due date, may be cut off the screen; the lists had no due date at all)."""
from __future__ import annotations

import pytest

from tests.tui.conftest import burst, make_app, settle
from tests.tui.test_focus_marker import screen_text


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_the_invoices_list_shows_number_customer_amount_status_and_due_date(book, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await burst(pilot, "i")
        await settle(pilot)
        text = screen_text(app)
        header = next(line for line in text if line.lstrip().startswith("Invoice "))
        assert header.split()[:6] == ["Invoice", "Customer", "Total", "Status", "Due", "Batch"]
        row = next(line for line in text if "NS-000002" in line)
        # Whitmore & Hale's September invoice: issued 2026-10-01, due 30 days later
        assert "4,809.00 GBP" in row and "issued" in row and "2026-10-31" in row
        assert row.index("2026-10-31") > row.index("issued")
        assert len(row.rstrip()) <= size[0]


async def test_a_batchs_invoices_show_the_due_date(book):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "enter")  # the newest batch, September run
        await settle(pilot)
        text = screen_text(app)
        header = next(line for line in text if line.lstrip().startswith("Invoice "))
        assert header.split() == ["Invoice", "Customer", "Total", "Status", "Due"]
        row = next(line for line in text if "NS-000001" in line)
        assert "Hartley Dental Group" in row and "2,318.74 USD" in row and "2026-10-31" in row
