"""A new batch with nothing to bill is refused, nothing written; a customer
asked for by name with nothing to bill is named in the result (issue 12)."""
from __future__ import annotations

import datetime as dt

import pytest

from store import billing
from store.errors import ValidationError
from store.models import AuditEvent, Batch
from tests.factories import contract, customer

TODAY = dt.date(2027, 1, 15)


def test_create_batch_with_nothing_to_bill_is_refused_and_writes_nothing(db):
    acme = customer("Acme")
    contract(acme, "RMM", "per_device", period="on_demand", device_count=5, device_rate=1000)
    customer("Beta Bakery")
    customer("Gamma GmbH")
    before = Batch.select().count(), AuditEvent.select().count()
    with pytest.raises(ValidationError) as refused:
        billing.create_batch("Nothing", "2026-10", ["Beta Bakery", "Gamma"], today=TODAY)
    assert str(refused.value).startswith("nothing to bill for 2026-10 (customers: Beta Bakery, Gamma GmbH)")
    assert "\n" not in str(refused.value)
    assert (Batch.select().count(), AuditEvent.select().count()) == before


def test_a_customer_asked_for_with_nothing_to_bill_is_named(db):
    acme = customer("Acme")
    contract(acme, "RMM", "per_device", period="on_demand", device_count=5, device_rate=1000)
    customer("Beta Bakery")
    made = billing.create_batch("October", "2026-10", ["Beta Bakery", "Acme"], today=TODAY)
    assert made.nothing_to_bill == ("Beta Bakery",)
    assert billing.create_batch("All", "2026-11", today=TODAY).nothing_to_bill == ()  # none asked by name
