"""Loading invoices for the exporters (rows grouped as they come, positional
dataclasses, shared Decimals and customers) gives what the constructors give."""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from store.domain import CustomerInfo
from store.invoices import batch_invoices, load_invoices
from store.models import Batch, Contract, Customer, Invoice, InvoiceLine


def _rebuilt(obj):
    """The same object made through the dataclass's own constructor."""
    values = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.name == "lines":
            value = tuple(_rebuilt(line) for line in value)
        values[f.name] = value
    return type(obj)(**values)


def test_a_loaded_batch_equals_its_invoices_built_by_their_constructors(db):
    acme = Customer.create(name="Acme", region="US", currency="USD", address="1 Main St\nSpringfield")
    contract = Contract.create(customer=acme, name="Acme T&M", type="hourly", currency="USD",
                               start_date=dt.date(2025, 1, 1))
    batch = Batch.create(name="Oct", created_by="ann", period="2026-10", status="saved")
    for n in (1, 2):
        invoice = Invoice.create(number=f"INV-{n}", sequence=n, batch=batch, customer=acme, currency="USD",
                                 issue_date=dt.date(2026, 11, n), due_date=dt.date(2026, 12, n),
                                 subtotal=3750, tax=0, total=3750, tax_rate=Decimal("0"), status="issued")
        InvoiceLine.create(invoice=invoice, position=1, kind="ticket", contract=contract, period="2026-10",
                           description="Fix printer", quantity=Decimal("1.5"), unit_price=2500, amount=3750,
                           source_kind="ticket", source_id=7, minutes_worked=90)
    loaded = batch_invoices(batch.id)
    assert [inv.number for inv in loaded] == ["INV-1", "INV-2"]
    for inv in loaded:
        again = _rebuilt(inv)
        assert inv == again and inv.lines[0] == again.lines[0]
        assert inv.lines[0].source == "ticket:7" and inv.lines[0].quantity == Decimal("1.5")
        assert inv.lines[0].contract == "Acme T&M" and inv.issue_date.day in (1, 2)
        assert isinstance(inv.customer, CustomerInfo) and inv.customer.address == "1 Main St\nSpringfield"
    assert load_invoices(["INV-2"]) == [loaded[1]]

