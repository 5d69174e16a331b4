"""Small pieces of the plan."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from store.billing import planning
from store.domain import PlanItem


def test_a_locked_copy_keeps_every_other_field():
    child = PlanItem("time_entry:3", "time_entry", "call", Decimal("0.5"), 100, 50, "EUR", True)
    item = PlanItem(ref="ticket:1", kind="ticket", description="Printer", quantity=Decimal("1.5"),
                    unit_price=100, amount=150, currency="EUR", taxable=True, locked=False,
                    lock_reason="", minutes=90, minutes_worked=95, children=(child,))
    locked = planning._locked(item, "the quarter ends 2026-12-31")
    assert locked == dataclasses.replace(item, locked=True, lock_reason="the quarter ends 2026-12-31")
    assert item.locked is False  # the original is untouched
