"""The billed ledger's keys for a selection (one row per calendar month of a
recurring charge, one per one-time source, one per time entry left out) and the
error naming a source some other batch billed first.
"""
from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from store.domain import Plan
from store.errors import AlreadyBilledError
from store.models import Batch, BilledLedger, Contract, Expense, ServiceItem, Ticket
from store.periods import Span, months_of
from store.billing.lines import _overage_minutes, _selected_items
from store.billing.refs import ONCE, RECURRING_KINDS, parse_ref
from store.billing.selection import _canonical, _index, _period_excluded


class LedgerKey(NamedTuple):
    """One billed ledger row a save writes: ``month`` is the unique key (see
    BilledLedger), ``period`` the label billed under."""

    kind: str
    source_id: int
    month: str
    customer_id: int
    period: str
    currency: str


def ledger_keys(p: Plan, excluded: frozenset[str]) -> list[LedgerKey]:
    """The ledger rows of every selected source: one per calendar month a
    recurring charge covers, one (``*``) per one-time source, and one per time
    entry left out of a billed ticket (recorded as not billed)."""
    idx = _index(p)
    excluded = _canonical(idx, excluded)
    keys = []
    for cu, co, pe in idx.periods:
        if pe.locked or _period_excluded(pe.ref, co, cu, excluded):
            continue
        months = None
        for it in _selected_items(pe, excluded):
            kind, sid, _ = parse_ref(it.ref)
            if kind == "overage":
                if _overage_minutes(pe.block_hours, [t for t in _selected_items(pe, excluded)
                                                     if t.kind == "ticket"],
                                    pe.billed_minutes, excluded) <= 0:
                    continue
            if kind in RECURRING_KINDS:
                months = months or months_of(Span(pe.start, pe.end, pe.period, ""))
                suffix = f"#{pe.overage_part}" if kind == "overage" else ""
                keys.extend(LedgerKey(kind, sid, m + suffix, cu.id, pe.period, co.currency)
                            for m in months)
            else:
                keys.append(LedgerKey(kind, sid, ONCE, cu.id, pe.period, co.currency))
                if kind == "ticket":
                    keys.extend(LedgerKey("time_entry", ch_id, ONCE, cu.id, pe.period, co.currency)
                                for ch_id in (parse_ref(ch.ref)[1] for ch in it.children
                                              if ch.ref in excluded))
    return keys


def _describe_source(kind: str, sid: int) -> str:
    if kind == "ticket":
        t = Ticket.get_or_none(Ticket.id == sid)
        return f"ticket {t.number}" if t else f"ticket {sid}"
    if kind == "expense":
        e = Expense.get_or_none(Expense.id == sid)
        return f"expense {sid} ({e.description})" if e else f"expense {sid}"
    if kind == "service_item":
        s = ServiceItem.get_or_none(ServiceItem.id == sid)
        return f"service item {s.description!r}" if s else f"service item {sid}"
    c = Contract.get_or_none(Contract.id == sid)
    name = c.name if c else sid
    return {"device": "device charge", "block": "block fee", "overage": "block overage",
            "project": "project fee"}.get(kind, kind) + f" of contract {name!r}"


def _conflict(keys) -> AlreadyBilledError | None:
    """The first already-billed source among ``keys`` (LedgerKey), as an error
    naming it and the batch that billed it.

    One indexed lookup per (kind, month) and chunk of ids, at most one row
    back: the ledger holds every month ever billed, so fetching all rows of
    these sources (any month) would read the whole history. A batch never
    names itself: a ledger row of its own is not a conflict."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k in keys:
        groups[(k[0], k[2])].append(k[1])
    for (kind, month), ids in groups.items():
        if kind == "time_entry":
            continue
        if kind == "overage":
            month = month.partition("#")[0]
            cond = BilledLedger.month.startswith(month + "#")
        else:
            cond = BilledLedger.month == month
        for start in range(0, len(ids), 5000):
            hit = (BilledLedger.select(BilledLedger.source_id, BilledLedger.batch, BilledLedger.period)
                   .where((BilledLedger.source_kind == kind) & cond
                          & BilledLedger.source_id.in_(ids[start:start + 5000]))
                   .limit(1).tuples().first())
            if hit is None:
                continue
            sid, batch_id, label = hit
            batch = Batch.get_by_id(batch_id)
            what = _describe_source(kind, sid)
            if month != ONCE:
                what += f" for {month}" + (f" (under {label})" if label != month else "")
            return AlreadyBilledError(
                f"{what} was billed meanwhile by batch {batch.name!r} (id {batch.id}); "
                "nothing was saved: re-open the batch to review what is left")
    return None
