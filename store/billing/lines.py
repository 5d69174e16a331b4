"""Invoice lines of a contract period for a selection (pure): tickets at the
three detail levels, time entries left out, block overage over billed and new
tickets, and exact lines (quantity x unit price == amount in every currency).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from store.domain import PlanContract, PlanItem, PlanPeriod
from store.money import format_minor, hours_from_minutes, line_amount, quantity_str
from store.billing.refs import parse_ref


def _overage_minutes(block_hours: Decimal, ticket_items: Iterable[PlanItem], billed_minutes: int = 0,
                     excluded: frozenset[str] = frozenset()) -> int:
    """Overage minutes not billed yet: over the block counted with the period's
    tickets billed already (``billed_minutes``) and these, less what those alone
    were over it (billed before, or waived then)."""
    used = sum(_ticket_minutes(t, excluded) for t in ticket_items)
    block = int(Decimal(block_hours) * 60)
    return max(0, billed_minutes + used - block) - max(0, billed_minutes - block)


def _ticket_minutes(t: PlanItem, excluded: frozenset[str]) -> int:
    """A ticket's billable minutes less its time entries left out one by one."""
    if not t.children or not excluded:
        return t.minutes
    return t.minutes - sum(ch.minutes for ch in t.children if ch.ref in excluded)


@dataclass(frozen=True, slots=True)
class LineDraft:
    kind: str
    contract_id: int
    contract_name: str
    period: str
    description: str
    quantity: Decimal
    unit_price: int
    amount: int
    taxable: bool
    source_kind: str
    source_id: int | None
    minutes_worked: int = 0


def _selected_items(pe: PlanPeriod, excluded: frozenset[str]) -> list[PlanItem]:
    return [it for it in pe.items if not it.locked and it.ref not in excluded]


def period_lines(co: PlanContract, pe: PlanPeriod, excluded: frozenset[str], detail: str) -> list[LineDraft]:
    """Invoice lines of one contract period for the items selected in it
    (ancestors' exclusions are the caller's business)."""
    items = _selected_items(pe, excluded)
    lines: list[LineDraft] = []
    tickets = [it for it in items if it.kind == "ticket"]

    def draft(kind, it, description=None, source_kind=None, source_id=None, **kw):
        sk, sid, _ = parse_ref(it.ref)
        return LineDraft(
            kind=kind, contract_id=co.id, contract_name=co.name, period=pe.period,
            description=description or it.description, quantity=kw.get("quantity", it.quantity),
            unit_price=kw.get("unit_price", it.unit_price), amount=kw.get("amount", it.amount),
            taxable=it.taxable, source_kind=source_kind or sk,
            source_id=sid if source_id is None else source_id,
            minutes_worked=kw.get("minutes_worked", 0))

    for it in items:
        if it.kind in ("service_item", "device", "block", "project", "expense"):
            lines.append(draft(it.kind, it))
    if tickets:
        if detail == "contract":
            billable = sum(_ticket_minutes(t, excluded) for t in tickets)
            worked = sum(t.minutes_worked for t in tickets)
            hours = hours_from_minutes(billable)
            rate = tickets[0].unit_price
            lines.append(LineDraft(
                kind="ticket", contract_id=co.id, contract_name=co.name, period=pe.period,
                description=f"Support: {len(tickets)} tickets", quantity=hours, unit_price=rate,
                amount=line_amount(hours, rate), taxable=co.taxable, source_kind="contract",
                source_id=co.id, minutes_worked=worked))
        elif detail == "time_entry":
            for t in tickets:
                billable_children = [ch for ch in t.children if ch.minutes > 0 and ch.ref not in excluded]
                if not billable_children:
                    lines.append(draft("ticket", t, minutes_worked=t.minutes_worked,
                                       **_ticket_amounts(t, excluded)))
                    continue
                spare = t.minutes_worked - sum(ch.minutes for ch in billable_children)
                for n, ch in enumerate(billable_children):
                    lines.append(draft("time_entry", ch, minutes_worked=ch.minutes + (spare if n == 0 else 0)))
        else:
            for t in tickets:
                lines.append(draft("ticket", t, minutes_worked=t.minutes_worked,
                                   **_ticket_amounts(t, excluded)))
    if pe.block_hours is not None:
        over = next((it for it in items if it.kind == "overage"), None)
        if over is not None:
            minutes = _overage_minutes(pe.block_hours, tickets, pe.billed_minutes, excluded)
            if minutes > 0:
                hours = hours_from_minutes(minutes)
                lines.append(draft("block", over, source_kind="overage", quantity=hours,
                                   amount=line_amount(hours, over.unit_price)))
    return [ln if _is_exact(ln) else _exact_line(ln, co.currency) for ln in lines]


def _is_exact(ln: LineDraft) -> bool:
    q = ln.quantity
    return q * ln.unit_price == ln.amount


def _exact_line(ln: LineDraft, currency: str) -> LineDraft:
    """A line whose quantity x unit price is not a whole number of minor units
    (61 min at JPY 99/h: 1.02 x 99 = 100.98, billed 101): written as quantity 1
    at its amount, the hours and rate in the description, so that every line
    equals quantity x unit price exactly, in every currency (the accounting
    imports check it). The amount is the same either way."""
    return dataclasses.replace(
        ln, description=f"{ln.description} ({quantity_str(ln.quantity)} x "
                        f"{format_minor(ln.unit_price, currency)})",
        quantity=Decimal(1), unit_price=ln.amount)


def _ticket_amounts(t: PlanItem, excluded: frozenset[str]) -> dict:
    """Quantity and amount of a ticket's line with its left-out time entries taken off."""
    minutes = _ticket_minutes(t, excluded)
    if minutes == t.minutes:
        return {}
    hours = hours_from_minutes(minutes)
    return {"quantity": hours, "amount": line_amount(hours, t.unit_price)}
