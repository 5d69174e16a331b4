"""Batch billing (DESIGN.md section 3): plan a period, keep a draft's
selection, save it atomically, void it.

The plan is a tree customer -> contract -> period -> items. What the user
removes is kept as a set of refs (``customer:3``, ``contract:7``,
``contract:7@2026-10``, ``ticket:123``...): an item is selected when neither
it nor any of its ancestors is excluded and its period is not locked. The
same pure functions turn a plan and its exclusions into invoice lines for the
editor's totals, the save confirmation and the save itself, so what the user
saw is what gets billed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, NamedTuple

import peewee
from peewee import JOIN, Case, IntegrityError, fn

from store import settings
from store.invoices import find_batch
from store.rows import as_date as _date, as_datetime as _datetime, raw_rows as _raw
from store.db import db, is_postgres
from store.domain import (
    BatchSummary,
    Plan,
    PlanContract,
    PlanCustomer,
    PlanItem,
    PlanPeriod,
)
from store.audit import current_actor
from store.gcpause import no_gc_pauses
from store.errors import AlreadyBilledError, NotFoundError, ValidationError
from store.limits import MINUTES_MAX, out_of_range
from store.facts import refresh_batch as refresh_facts
from store.models import (
    DETAIL_LEVELS,
    AuditEvent,
    Batch,
    BilledLedger,
    Contract,
    Customer,
    Expense,
    Invoice,
    ServiceItem,
    Setting,
    Ticket,
    TimeEntry,
)
from store.money import format_minor, hours_from_minutes, line_amount, quantity_str, tax_amount
from store.periods import Span, contract_periods, parse_period
from store.search import search_record, write_index

ONCE = "*"  # ledger period of one-time sources (tickets, expenses, project fees)
RECURRING_KINDS = ("service_item", "device", "block", "overage")


# --- refs -------------------------------------------------------------------

def parse_ref(ref: str) -> tuple[str, int, str | None]:
    """``kind:id`` or ``kind:id@period`` -> (kind, id, period)."""
    hit = _PARSED.get(ref)
    if hit is not None:
        return hit
    parsed = _parse_ref(ref)
    if len(_PARSED) > 200_000:
        _PARSED.clear()
    _PARSED[ref] = parsed
    return parsed


_PARSED: dict[str, tuple[str, int, str | None]] = {}


def _parse_ref(ref: str) -> tuple[str, int, str | None]:
    try:
        kind, rest = ref.split(":", 1)
        ident, _, period = rest.partition("@")
        return kind, int(ident), (period or None)
    except ValueError:
        raise ValidationError(
            f"bad item reference {ref!r}: expected e.g. ticket:123, customer:4 or contract:7@2026-10"
        ) from None


_REF_KINDS = {"customer", "contract", "ticket", "expense", "service_item", "device", "block",
              "overage", "project", "time_entry"}


def check_refs(refs: Iterable[str]) -> frozenset[str]:
    out = set()
    for ref in refs:
        ref = ref.strip()
        kind, _, _ = parse_ref(ref)
        if kind not in _REF_KINDS:
            raise ValidationError(
                f"bad item reference {ref!r}: unknown kind {kind!r} "
                f"(one of {', '.join(sorted(_REF_KINDS))})"
            )
        out.add(ref)
    return frozenset(out)


# --- planning ---------------------------------------------------------------

def _lock(span: Span, billing_period: str, today: dt.date) -> tuple[bool, str]:
    if billing_period == "on_demand" or span.end <= today:
        return False, ""
    return True, f"period {span.label} ends {span.last_day.isoformat()}: billable from {span.end.isoformat()}"


def _resolve_customers(customers: Iterable[str | int] | None) -> list[int] | None:
    if not customers:
        return None
    ids = []
    for value in customers:
        text = str(value).strip()
        row = Customer.get_or_none(Customer.name == text)
        if row is None and text.isdigit():
            row = Customer.get_or_none(Customer.id == int(text))
        if row is None:
            raise NotFoundError(f"no customer named {text!r}")
        ids.append(row.id)
    return ids


@no_gc_pauses()
def plan(
    period: str,
    customers: Iterable[str | int] | None = None,
    detail: str = "ticket",
    excluded: Iterable[str] = (),
    today: dt.date | None = None,
) -> Plan:
    """Everything billable for the period (and customers), as a tree.

    ``excluded`` does not remove nodes from the tree (they are shown
    unselected); it is accepted here only to be validated.
    """
    span = parse_period(period)
    if detail not in DETAIL_LEVELS:
        raise ValidationError(f"bad detail level {detail!r}: one of {', '.join(DETAIL_LEVELS)}")
    check_refs(excluded)
    today = today or dt.date.today()
    customer_ids = _resolve_customers(customers)
    bad = out_of_range()  # rows outside the book's ranges: left out and named (issue 13)

    # Rows come back as plain tuples converted here (not Peewee model
    # instances): a whole-book plan reads tens of thousands of them.
    cust_q = Customer.select(Customer.id, Customer.name, Customer.currency, Customer.tax_rate
                             ).order_by(Customer.name)
    if customer_ids is not None:
        cust_q = cust_q.where(Customer.id.in_(customer_ids))
    cust_rows = [_CustomerRow(cid, name, cur, Decimal(rate)) for cid, name, cur, rate in _raw(cust_q)]
    by_customer = {c.id: c for c in cust_rows}

    contract_q = Contract.select(*_CONTRACT_FIELDS).where(
        (Contract.active == True)  # noqa: E712
        & (Contract.start_date < span.end)
        & (Contract.end_date.is_null() | (Contract.end_date >= span.start))
    ).order_by(Contract.name, Contract.id)
    if customer_ids is not None:
        contract_q = contract_q.where(Contract.customer.in_(customer_ids))
    contracts = [c for c in map(_contract_row, _raw(contract_q))
                 if c.customer_id in by_customer and c.id not in bad.contracts]
    contract_ids = [c.id for c in contracts]
    periods_of = {c.id: contract_periods(c.billing_period, span) for c in contracts}
    # Contracts by the end of their own last period (it depends only on how
    # they bill): nothing closed after it is read. The queries below join the
    # contract with the same conditions rather than send thousands of ids.
    by_horizon: dict[dt.date, set[str]] = defaultdict(set)
    for c in contracts:
        by_horizon[periods_of[c.id][-1].end].add(c.billing_period)

    def in_plan(billing_periods=None):
        cond = ((Contract.active == True)  # noqa: E712
                & (Contract.start_date < span.end)
                & (Contract.end_date.is_null() | (Contract.end_date >= span.start)))
        if billing_periods is not None:
            cond &= Contract.billing_period.in_(sorted(billing_periods))
        if customer_ids is not None:
            cond &= Contract.customer.in_(customer_ids)
        return cond

    def own_end(as_value):
        """The end of the contract's own last period, by how it bills, in SQL."""
        return Case(Contract.billing_period, [
            (bp, as_value(end)) for end, bps in sorted(by_horizon.items()) for bp in sorted(bps)])

    labels = sorted({p.label for ps in periods_of.values() for p in ps})
    billed_recurring: set[tuple[str, int, str]] = set()
    billed_once: set[tuple[str, int]] = set()
    if contract_ids:
        for kind, sid, per in BilledLedger.select(
            BilledLedger.source_kind, BilledLedger.source_id, BilledLedger.period
        ).where(
            (BilledLedger.source_kind.in_(RECURRING_KINDS)) & (BilledLedger.period.in_(labels))
        ).tuples():
            billed_recurring.add((kind, sid, per))
        for kind, sid in BilledLedger.select(BilledLedger.source_kind, BilledLedger.source_id).where(
            (BilledLedger.source_kind == "project") & (BilledLedger.source_id.in_(
                [c.id for c in contracts if c.type == "project_fixed"] or [0]))
        ).tuples():
            billed_once.add((kind, sid))

    items_of_contract: dict[int, list[_ServiceItemRow]] = defaultdict(list)
    if contracts:
        q = (ServiceItem.select(
                ServiceItem.id, ServiceItem.contract, ServiceItem.description, ServiceItem.quantity,
                ServiceItem.unit_price)
             .join(Contract, on=(ServiceItem.contract == Contract.id))
             .where(in_plan() & (Contract.type == "retainer") & (ServiceItem.active == True))  # noqa: E712
             .order_by(ServiceItem.id))
        for sid, cid, description, quantity, unit_price in _raw(q):
            if cid in periods_of and sid not in bad.service_items:
                items_of_contract[cid].append(
                    _ServiceItemRow(sid, cid, description, Decimal(quantity), int(unit_price)))

    # Closed, unbilled tickets with their minutes, aggregated in SQL.
    tickets_of: dict[int, list[tuple]] = defaultdict(list)
    ticket_ids: list[int] = []
    billable_minutes = fn.SUM(Case(None, [(TimeEntry.billable == True, TimeEntry.minutes)], 0))  # noqa: E712
    if by_horizon:
        until = dt.datetime.combine(max(by_horizon), dt.time())
        q = (
            Ticket.select(
                Ticket.id, Ticket.number, Ticket.title, Ticket.contract, Ticket.closed_at,
                fn.COALESCE(billable_minutes, 0).alias("billable"),
                fn.COALESCE(fn.SUM(TimeEntry.minutes), 0).alias("worked"),
            )
            .join(Contract, on=(Ticket.contract == Contract.id))
            .switch(Ticket)
            .join(TimeEntry, join_type=JOIN.LEFT_OUTER, on=(
                (TimeEntry.ticket == Ticket.id) & TimeEntry.minutes.between(0, MINUTES_MAX)))
            .where(
                (Ticket.status == "closed")
                & (Ticket.closed_at < until)
                & (Ticket.closed_at < own_end(lambda day: dt.datetime.combine(day, dt.time())))
                & in_plan()
            )
            .group_by(Ticket.id, Ticket.number, Ticket.title, Ticket.contract, Ticket.closed_at)
            .order_by(Ticket.closed_at, Ticket.id)
        )
        for tid, number, title, cid, closed_at, billable, worked in _raw(q):
            if cid in periods_of and tid not in bad.tickets:
                tickets_of[cid].append((tid, number, title, _datetime(closed_at), int(billable),
                                        int(worked)))
                ticket_ids.append(tid)

    entries_of: dict[int, list[TimeEntry]] = defaultdict(list)
    if detail == "time_entry" and ticket_ids:
        for start in range(0, len(ticket_ids), 5000):
            for e in TimeEntry.select().where(
                TimeEntry.ticket.in_(ticket_ids[start : start + 5000])
            ).order_by(TimeEntry.started_at, TimeEntry.id):
                entries_of[e.ticket_id].append(e)

    expenses_of: dict[int, list[_ExpenseRow]] = defaultdict(list)
    ledger = BilledLedger.alias()
    if by_horizon:
        q = (
            Expense.select(Expense.id, Expense.contract, Expense.date, Expense.description,
                           Expense.amount)
            .join(Contract, on=(Expense.contract == Contract.id))
            .switch(Expense)
            .join(ledger, join_type=JOIN.LEFT_OUTER, on=(
                (ledger.source_kind == "expense") & (ledger.source_id == Expense.id)))
            .where(
                (Expense.billable == True)  # noqa: E712
                & (Expense.date < max(by_horizon))
                & (Expense.date < own_end(lambda day: day))
                & in_plan()
                & ledger.id.is_null()
            )
            .order_by(Expense.date, Expense.id)
        )
        for eid, cid, day, description, amount in _raw(q):
            if cid in periods_of and eid not in bad.expenses:
                expenses_of[cid].append(_ExpenseRow(eid, cid, _date(day), description, int(amount)))
    for rows in expenses_of.values():
        rows.sort(key=lambda e: (e.date, e.id))

    contracts_of_customer: dict[int, list[PlanContract]] = defaultdict(list)
    for c in contracts:
        pc = _plan_contract(
            c, periods_of[c.id], today, detail, items_of_contract[c.id], tickets_of[c.id],
            entries_of, expenses_of[c.id], billed_recurring, billed_once,
        )
        if pc is not None:
            contracts_of_customer[c.customer_id].append(pc)

    plan_customers = []
    for cust in cust_rows:
        pcs = contracts_of_customer.get(cust.id)
        if pcs:
            plan_customers.append(PlanCustomer(
                ref=f"customer:{cust.id}", id=cust.id, name=cust.name, currency=cust.currency,
                tax_rate=cust.tax_rate, contracts=tuple(pcs),
            ))

    left_out = list(bad.notes)
    open_q = Ticket.select(fn.COUNT(Ticket.id)).where(Ticket.status == "open")
    no_contract_q = Ticket.select(fn.COUNT(Ticket.id)).where(
        (Ticket.status == "closed") & Ticket.contract.is_null())
    if customer_ids is not None:
        open_q = open_q.where(Ticket.customer.in_(customer_ids))
        no_contract_q = no_contract_q.where(Ticket.customer.in_(customer_ids))
    open_count = open_q.scalar() or 0
    if open_count:
        left_out.append(f"{open_count} open ticket{'s are' if open_count != 1 else ' is'} "
                        "not billable until closed")
    no_contract = no_contract_q.scalar() or 0
    if no_contract:
        left_out.append(f"{no_contract} closed ticket{'s have' if no_contract != 1 else ' has'} "
                        "no contract and cannot be billed")
    return Plan(period=span.label, detail=detail, customers=tuple(plan_customers),
                left_out=tuple(left_out), as_of=today)


class _CustomerRow(NamedTuple):
    id: int
    name: str
    currency: str
    tax_rate: Decimal


class _ContractRow(NamedTuple):
    id: int
    customer_id: int
    name: str
    type: str
    currency: str
    billing_period: str
    taxable: bool
    hourly_rate: int
    block_hours: Decimal
    block_fee: int
    overage_rate: int
    device_count: int
    device_rate: int
    fixed_fee: int


_CONTRACT_FIELDS = (Contract.id, Contract.customer, Contract.name, Contract.type, Contract.currency,
                    Contract.billing_period, Contract.taxable, Contract.hourly_rate,
                    Contract.block_hours, Contract.block_fee, Contract.overage_rate,
                    Contract.device_count, Contract.device_rate, Contract.fixed_fee)


def _contract_row(r: tuple) -> _ContractRow:
    return _ContractRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), int(r[7] or 0),
                        Decimal(r[8] if r[8] is not None else 0), int(r[9] or 0), int(r[10] or 0),
                        int(r[11] or 0), int(r[12] or 0), int(r[13] or 0))


class _ServiceItemRow(NamedTuple):
    id: int
    contract_id: int
    description: str
    quantity: Decimal
    unit_price: int


class _ExpenseRow(NamedTuple):
    id: int
    contract_id: int
    date: dt.date
    description: str
    amount: int








_HOURS: dict[int, Decimal] = {}


def _hours(minutes: int) -> Decimal:
    """hours_from_minutes, remembered: a plan converts thousands of tickets'
    minutes, and a book has only a few hundred distinct values."""
    hours = _HOURS.get(minutes)
    if hours is None:
        if len(_HOURS) > 50_000:
            _HOURS.clear()
        hours = _HOURS[minutes] = hours_from_minutes(minutes)
    return hours


def _ticket_item(c: Contract, ticket: tuple, entries: list, detail: str, currency: str) -> PlanItem:
    tid, number, title, closed_at, billable, worked = ticket
    hours = _hours(billable)
    if c.type == "hourly":
        rate, suffix = c.hourly_rate, ""
    else:
        rate = 0
        suffix = " (in block)" if c.type == "block_hours" else " (covered by contract)"
    children = ()
    if detail == "time_entry":
        children = tuple(
            PlanItem(
                ref=f"time_entry:{e.id}", kind="time_entry",
                description=f"{number} {e.started_at:%Y-%m-%d} {e.technician}: {e.note or title}",
                quantity=hours_from_minutes(e.minutes) if e.billable else Decimal("0"),
                unit_price=rate if e.billable else 0,
                amount=line_amount(hours_from_minutes(e.minutes), rate) if e.billable else 0,
                currency=currency, taxable=c.taxable, minutes=e.minutes if e.billable else 0,
                minutes_worked=e.minutes,
            )
            for e in entries
        )
    if detail == "time_entry" and children:
        amount = sum(ch.amount for ch in children)
    else:
        amount = line_amount(hours, rate) if rate else 0
    return PlanItem(
        ref=f"ticket:{tid}", kind="ticket", description=f"{number} {title}{suffix}",
        quantity=hours, unit_price=rate, amount=amount, currency=currency, taxable=c.taxable,
        minutes=billable, minutes_worked=worked, children=children,
    )


def _plan_contract(c, spans, today, detail, service_items, tickets, entries_of, expenses,
                   billed_recurring, billed_once) -> PlanContract | None:
    currency = c.currency
    buckets_t: list[list] = [[] for _ in spans]
    buckets_e: list[list] = [[] for _ in spans]

    def bucket(day: dt.date) -> int | None:
        # Catch-up: anything before the first period lands in the first one;
        # anything after this contract's last period is not billable yet (the
        # queries already stop at that end).
        for i, s in enumerate(spans):
            if day < s.end:
                return i
        return None

    for t in tickets:
        i = bucket(t[3].date())
        if i is not None:
            buckets_t[i].append(t)
    for e in expenses:
        i = bucket(e.date)
        if i is not None:
            buckets_e[i].append(e)

    periods = []
    project_offered = False
    for i, s in enumerate(spans):
        locked, reason = _lock(s, c.billing_period, today)
        items: list[PlanItem] = []
        block_hours = None
        if c.type == "retainer":
            for si in service_items:
                if ("service_item", si.id, s.label) in billed_recurring:
                    continue
                items.append(PlanItem(
                    ref=f"service_item:{si.id}@{s.label}", kind="service_item",
                    description=si.description, quantity=si.quantity, unit_price=si.unit_price,
                    amount=line_amount(si.quantity, si.unit_price), currency=currency,
                    taxable=c.taxable))
        elif c.type == "per_device" and ("device", c.id, s.label) not in billed_recurring:
            qty = Decimal(c.device_count)
            items.append(PlanItem(
                ref=f"device:{c.id}@{s.label}", kind="device",
                description=f"Device monitoring: {c.device_count} devices",
                quantity=qty, unit_price=c.device_rate, amount=line_amount(qty, c.device_rate),
                currency=currency, taxable=c.taxable))
        elif c.type == "block_hours":
            block_hours = c.block_hours
            if ("block", c.id, s.label) not in billed_recurring:
                items.append(PlanItem(
                    ref=f"block:{c.id}@{s.label}", kind="block",
                    description=f"Block of {quantity_str(c.block_hours)} hours",
                    quantity=Decimal(1), unit_price=c.block_fee, amount=c.block_fee,
                    currency=currency, taxable=c.taxable))
        elif (c.type == "project_fixed" and not project_offered
              and ("project", c.id) not in billed_once):
            project_offered = True
            items.append(PlanItem(
                ref=f"project:{c.id}", kind="project", description=f"Project fee: {c.name}",
                quantity=Decimal(1), unit_price=c.fixed_fee, amount=c.fixed_fee,
                currency=currency, taxable=c.taxable))
        for t in buckets_t[i]:
            items.append(_ticket_item(c, t, entries_of.get(t[0], []), detail, currency))
        if c.type == "block_hours" and buckets_t[i]:
            items.append(_overage_item(c, s.label, [it for it in items if it.kind == "ticket"]))
        for e in buckets_e[i]:
            items.append(PlanItem(
                ref=f"expense:{e.id}", kind="expense", description=e.description,
                quantity=Decimal(1), unit_price=e.amount, amount=e.amount, currency=currency,
                taxable=c.taxable))
        if not items:
            continue
        if locked:
            items = [_locked(it, reason) for it in items]
        periods.append(PlanPeriod(
            ref=f"contract:{c.id}@{s.label}", period=s.label, start=s.start, end=s.end,
            locked=locked, lock_reason=reason, items=tuple(items), block_hours=block_hours,
            overage_rate=c.overage_rate if c.type == "block_hours" else 0))
    if not periods:
        return None
    return PlanContract(ref=f"contract:{c.id}", id=c.id, name=c.name, type=c.type,
                        billing_period=c.billing_period, currency=currency, taxable=c.taxable,
                        periods=tuple(periods))


def _locked(item: PlanItem, reason: str) -> PlanItem:
    """The item, locked (every field copied: what dataclasses.replace does, at a
    quarter of its cost, for the thousands of items of locked periods)."""
    values = list(_ITEM_VALUES(item))
    values[_LOCKED_AT] = True
    values[_REASON_AT] = reason
    return PlanItem(*values)


_ITEM_FIELDS = tuple(f.name for f in dataclasses.fields(PlanItem))
_ITEM_VALUES = operator.attrgetter(*_ITEM_FIELDS)
_LOCKED_AT = _ITEM_FIELDS.index("locked")
_REASON_AT = _ITEM_FIELDS.index("lock_reason")


def _overage_minutes(block_hours: Decimal, ticket_items: Iterable[PlanItem]) -> int:
    used = sum(t.minutes for t in ticket_items)
    return max(0, used - int(Decimal(block_hours) * 60))


def _overage_item(c: Contract, label: str, ticket_items: list[PlanItem]) -> PlanItem:
    minutes = _overage_minutes(c.block_hours, ticket_items)
    hours = hours_from_minutes(minutes)
    return PlanItem(
        ref=f"overage:{c.id}@{label}", kind="overage",
        description=f"Overage over the {quantity_str(c.block_hours)} h block",
        quantity=hours, unit_price=c.overage_rate, amount=line_amount(hours, c.overage_rate),
        currency=c.currency, taxable=c.taxable, minutes=minutes)


# --- selection (pure) -------------------------------------------------------

@dataclass
class _Index:
    parent: dict[str, str | None]
    children: dict[str, list[str]]
    node: dict[str, object]
    period_of_item: dict[str, str]
    periods: list[tuple[PlanCustomer, PlanContract, PlanPeriod]]
    full_subtotal: dict[str, int]
    full_lines: dict[str, list]  # period ref -> its lines with nothing excluded
    # customer, contract and period ref -> positions in ``periods`` under it
    periods_under: dict[str, list[int]] = field(default_factory=dict)
    live: set[str] = field(default_factory=set)  # nodes above at least one unlocked item
    # tickets and block fees of a block_hours period -> the period: they are billed as one
    block_unit: dict[str, str] = field(default_factory=dict)


_INDEX_CACHE: dict[int, tuple[Plan, _Index]] = {}


def _index(p: Plan) -> _Index:
    hit = _INDEX_CACHE.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    parent: dict[str, str | None] = {}
    children: dict[str, list[str]] = defaultdict(list)
    node: dict[str, object] = {}
    period_of_item: dict[str, str] = {}
    periods = []
    full = {}
    full_lines = {}
    under: dict[str, list[int]] = {}
    live: set[str] = set()
    for cu in p.customers:
        parent[cu.ref] = None
        node[cu.ref] = cu
        for co in cu.contracts:
            parent[co.ref] = cu.ref
            children[cu.ref].append(co.ref)
            node[co.ref] = co
            for pe in co.periods:
                parent[pe.ref] = co.ref
                children[co.ref].append(pe.ref)
                node[pe.ref] = pe
                position = len(periods)
                for ref in (cu.ref, co.ref, pe.ref):
                    under.setdefault(ref, []).append(position)
                if not pe.locked and pe.items:
                    live.update((cu.ref, co.ref, pe.ref))
                periods.append((cu, co, pe))
                for it in pe.items:
                    parent[it.ref] = pe.ref
                    children[pe.ref].append(it.ref)
                    node[it.ref] = it
                    period_of_item[it.ref] = pe.ref
                    for ch in it.children:
                        node[ch.ref] = ch
                        parent[ch.ref] = it.ref
                if not pe.locked:
                    lines = period_lines(co, pe, frozenset(), p.detail)
                    full_lines[pe.ref] = lines
                    full[pe.ref] = sum(l.amount for l in lines)
    block_unit = {it.ref: pe.ref for _, _, pe in periods if pe.block_hours is not None
                  for it in pe.items if it.kind in ("ticket", "block")}
    idx = _Index(parent, children, node, period_of_item, periods, full, full_lines, under, live,
                 block_unit)
    if len(_INDEX_CACHE) > 8:
        _INDEX_CACHE.clear()
    _INDEX_CACHE[id(p)] = (p, idx)
    return idx


def _ancestors(idx: _Index, ref: str) -> list[str]:
    out = []
    up = idx.parent.get(ref)
    while up is not None:
        out.append(up)
        up = idx.parent.get(up)
    return out


_CANON: list = [None, None, frozenset()]  # (index, exclusion set, canonical set)


def _canonical(idx: _Index, excluded) -> frozenset[str]:
    """The exclusion set with a block_hours period's tickets and block fee
    replaced by the period itself: the block fee, its tickets and the
    overage they make are billed as one, or the overage would be computed on
    part of the hours and the rest billed later without it. Only the overage
    itself can be removed alone (waived). The last answer is kept, since the
    editor asks for every visible node with the same set."""
    if _CANON[0] is idx and _CANON[1] is excluded:
        return _CANON[2]
    moved = [r for r in excluded if r in idx.block_unit]
    result = frozenset(excluded)
    if moved:
        result = frozenset((set(excluded) - set(moved)) | {idx.block_unit[r] for r in moved})
    _CANON[:] = [idx, excluded, result]
    return result


def is_selected(p: Plan, excluded: frozenset[str], item_ref: str) -> bool:
    idx = _index(p)
    excluded = _canonical(idx, excluded)
    item = idx.node[item_ref]
    if getattr(item, "locked", False):
        return False
    if item_ref in excluded:
        return False
    return not any(a in excluded for a in _ancestors(idx, item_ref))


def _leaf_refs(idx: _Index, ref: str) -> list[str]:
    node = idx.node[ref]
    if isinstance(node, PlanItem):
        return [ref] if ref in idx.period_of_item else []
    out = []
    for ch in idx.children.get(ref, []):
        out.extend(_leaf_refs(idx, ch))
    return out


def node_state(p: Plan, excluded: frozenset[str], ref: str) -> str:
    """'all', 'some', 'none' or 'locked' for any node of the plan."""
    idx = _index(p)
    if ref not in idx.node:
        raise NotFoundError(f"{ref} is not in this plan")
    if ref not in idx.period_of_item and isinstance(idx.node[ref], PlanItem):
        ref = idx.parent[ref]  # a time entry shows its ticket's state
    excluded = _canonical(idx, excluded)
    node = idx.node[ref]
    if isinstance(node, PlanItem):
        if node.locked:
            return "locked"
    elif ref not in idx.live:
        return "locked"
    if ref in excluded or any(a in excluded for a in _ancestors(idx, ref)):
        return "none"
    if ref not in _excluded_below(idx, excluded):
        return "all"  # nothing under it is excluded: every unlocked item is selected
    leaves = _leaf_refs(idx, ref)
    live = [r for r in leaves if not idx.node[r].locked]
    chosen = sum(1 for r in live if is_selected(p, excluded, r))
    if chosen == len(live):
        return "all"
    return "some" if chosen else "none"


_BELOW: list = [None, None, frozenset()]  # (index, exclusion set, nodes above an exclusion)


def _excluded_below(idx: _Index, excluded: frozenset[str]) -> frozenset[str]:
    """Every node with an excluded node somewhere under it. The editor asks for
    each visible node with the same exclusion set, so the last answer is kept."""
    if _BELOW[0] is idx and _BELOW[1] is excluded:
        return _BELOW[2]
    above: set[str] = set()
    for ref in excluded:
        above.update(_ancestors(idx, ref))
    result = frozenset(above)
    _BELOW[:] = [idx, excluded, result]
    return result


def _descendants(idx: _Index, ref: str) -> list[str]:
    out = []
    for ch in idx.children.get(ref, []):
        out.append(ch)
        out.extend(_descendants(idx, ch))
    return out


def toggle(p: Plan, excluded: frozenset[str], ref: str) -> frozenset[str]:
    """Space on a node: deselect it (and its subtree) if anything in it is
    selected, else select all of it. Returns the new exclusion set."""
    idx = _index(p)
    if ref not in idx.period_of_item and isinstance(idx.node.get(ref), PlanItem):
        ref = idx.parent[ref]
    ref = idx.block_unit.get(ref, ref)  # a block period's tickets go in and out together
    excluded = _canonical(idx, excluded)
    state = node_state(p, excluded, ref)
    if state == "locked":
        return excluded
    new = set(excluded) - set(_descendants(idx, ref))
    if state in ("all", "some"):
        new.add(ref)
        return frozenset(new)
    new.discard(ref)
    path = [ref] + _ancestors(idx, ref)
    # Re-include the path: the highest excluded ancestor is replaced by the
    # siblings of every node on the way down, so only this node comes back.
    top = max((i for i, r in enumerate(path) if r in new), default=0)
    for i in range(top, 0, -1):
        ancestor, child = path[i], path[i - 1]
        new.discard(ancestor)
        new.update(c for c in idx.children[ancestor] if c != child)
    return frozenset(new)


def select_all(p: Plan) -> frozenset[str]:
    return frozenset()


def clear_all(p: Plan) -> frozenset[str]:
    return frozenset(c.ref for c in p.customers)


# --- lines and totals (pure) ------------------------------------------------

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
            billable = sum(t.minutes for t in tickets)
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
                billable_children = [ch for ch in t.children if ch.minutes > 0]
                if not billable_children:
                    lines.append(draft("ticket", t, minutes_worked=t.minutes_worked))
                    continue
                spare = t.minutes_worked - sum(ch.minutes for ch in billable_children)
                for n, ch in enumerate(billable_children):
                    lines.append(draft("time_entry", ch, minutes_worked=ch.minutes + (spare if n == 0 else 0)))
        else:
            for t in tickets:
                lines.append(draft("ticket", t, minutes_worked=t.minutes_worked))
    if pe.block_hours is not None:
        over = next((it for it in items if it.kind == "overage"), None)
        if over is not None:
            minutes = _overage_minutes(pe.block_hours, tickets)
            if minutes > 0:
                hours = hours_from_minutes(minutes)
                lines.append(draft("block", over, source_kind="overage", quantity=hours,
                                   amount=line_amount(hours, over.unit_price)))
    return lines


def _touched_periods(idx: _Index, excluded: frozenset[str]) -> set[str]:
    return {idx.period_of_item[r] for r in excluded if r in idx.period_of_item}


def _period_excluded(pe_ref: str, co: PlanContract, cu: PlanCustomer, excluded) -> bool:
    return pe_ref in excluded or co.ref in excluded or cu.ref in excluded


def selection_totals(p: Plan, excluded: frozenset[str], ref: str | None = None) -> dict[str, int]:
    """Selected amount (before tax) per currency, for the whole plan or one node."""
    idx = _index(p)
    excluded = _canonical(idx, excluded)
    if ref is not None and ref in idx.period_of_item:
        item = idx.node[ref]
        return {item.currency: item.amount} if is_selected(p, excluded, ref) else {}
    touched = _touched_periods(idx, excluded)
    rows = idx.periods
    if ref is not None:
        rows = [idx.periods[i] for i in idx.periods_under.get(ref, ())]
    totals: dict[str, int] = defaultdict(int)
    for cu, co, pe in rows:
        if pe.locked or _period_excluded(pe.ref, co, cu, excluded):
            continue
        if pe.ref in touched:
            amount = sum(l.amount for l in period_lines(co, pe, excluded, p.detail))
        else:
            amount = idx.full_subtotal[pe.ref]
        totals[co.currency] += amount
    return dict(totals)


@dataclass(frozen=True)
class InvoicePreview:
    customer_id: int
    customer: str
    currency: str
    tax_rate: Decimal
    lines: tuple[LineDraft, ...]
    subtotal: int
    tax: int
    total: int

    @property
    def line_count(self) -> int:
        return len(self.lines)


def invoice_previews(p: Plan, excluded: frozenset[str]) -> list[InvoicePreview]:
    """One invoice per customer and currency, lines grouped by contract and period."""
    idx = _index(p)
    excluded = _canonical(idx, excluded)
    grouped: dict[tuple[int, str], list[LineDraft]] = defaultdict(list)
    customers = {}
    touched = _touched_periods(idx, excluded)
    for cu, co, pe in idx.periods:
        if pe.locked or _period_excluded(pe.ref, co, cu, excluded):
            continue
        if pe.ref in touched:
            lines = period_lines(co, pe, excluded, p.detail)
        else:
            lines = idx.full_lines[pe.ref]
        if lines:
            grouped[(cu.id, co.currency)].extend(lines)
            customers[cu.id] = cu
    previews = []
    for (cid, currency), lines in grouped.items():
        cu = customers[cid]
        subtotal = sum(l.amount for l in lines)
        tax = tax_amount(sum(l.amount for l in lines if l.taxable), cu.tax_rate)
        previews.append(InvoicePreview(cid, cu.name, currency, cu.tax_rate, tuple(lines),
                                       subtotal, tax, subtotal + tax))
    previews.sort(key=lambda v: (v.customer.lower(), v.currency))
    return previews


def ledger_keys(p: Plan, excluded: frozenset[str]) -> list[tuple[str, int, str, int]]:
    """(source kind, source id, ledger period, customer id) of every selected source."""
    idx = _index(p)
    excluded = _canonical(idx, excluded)
    keys = []
    for cu, co, pe in idx.periods:
        if pe.locked or _period_excluded(pe.ref, co, cu, excluded):
            continue
        for it in _selected_items(pe, excluded):
            kind, sid, _ = parse_ref(it.ref)
            if kind == "overage":
                if _overage_minutes(pe.block_hours, [t for t in _selected_items(pe, excluded)
                                                     if t.kind == "ticket"]) <= 0:
                    continue
            period = pe.period if kind in RECURRING_KINDS else ONCE
            keys.append((kind, sid, period, cu.id))
    return keys


# --- drafts -----------------------------------------------------------------

@dataclass(frozen=True)
class Draft:
    summary: BatchSummary
    period: str
    customers: list[str] | None
    detail: str
    excluded: frozenset[str]


@dataclass(frozen=True)
class SaveResult:
    batch_id: int
    batch_name: str
    invoice_numbers: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)


def _batch_row(batch: int | str) -> Batch:
    """A batch by id or exact name (NotFoundError otherwise)."""
    return find_batch(batch)


def summarize(row: Batch) -> BatchSummary:
    invoices = list(
        Invoice.select(Invoice.number, Invoice.currency, Invoice.total)
        .where(Invoice.batch == row.id).order_by(Invoice.sequence).tuples()
    )
    totals: dict[str, int] = defaultdict(int)
    for _, currency, total in invoices:
        totals[currency] += total
    return BatchSummary(
        id=row.id, name=row.name, period=row.period, status=row.status,
        created_at=row.created_at, created_by=row.created_by, invoice_count=len(invoices),
        invoice_numbers=tuple(n for n, _, _ in invoices), totals=tuple(sorted(totals.items())),
        void_reason=row.void_reason)


def get_batch(batch: int | str) -> BatchSummary:
    return summarize(_batch_row(batch))


def _customer_names(row: Batch) -> list[str] | None:
    if not row.customer_ids:
        return None
    ids = json.loads(row.customer_ids)
    names = {c.id: c.name for c in Customer.select().where(Customer.id.in_(ids))}
    return [names[i] for i in ids if i in names]


def get_draft(batch: int | str) -> Draft:
    row = _batch_row(batch)
    return Draft(summary=summarize(row), period=row.period, customers=_customer_names(row),
                 detail=row.detail, excluded=frozenset(json.loads(row.excluded or "[]")))


def _audit(actor: str, action: str, subject: str, **details) -> None:
    AuditEvent.create(actor=actor, action=action, subject=subject,
                      details=json.dumps(details, default=str, sort_keys=True))


def free_batch_name(base: str) -> str:
    """``base``, or ``base (2)``, ``base (3)``...: the first name no batch has (a
    period billed again after its batch was voided gets a name of its own)."""
    base = base.strip()
    taken = {name for (name,) in Batch.select(Batch.name).where(Batch.name.startswith(base)).tuples()}
    if base not in taken:
        return base
    n = 2
    while f"{base} ({n})" in taken:
        n += 1
    return f"{base} ({n})"


def create_batch(
    name: str,
    period: str,
    customers: Iterable[str | int] | None = None,
    detail: str = "ticket",
    excluded: Iterable[str] = (),
    actor: str | None = None,
    today: dt.date | None = None,
    reviewed: Plan | None = None,
) -> BatchSummary:
    """A draft batch that keeps its period, customers, detail and exclusions,
    and the items its review selected (``reviewed``, else the plan made now),
    so that a later save can name any of them billed meanwhile."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("a batch needs a name")
    span = parse_period(period)
    if detail not in DETAIL_LEVELS:
        raise ValidationError(f"bad detail level {detail!r}: one of {', '.join(DETAIL_LEVELS)}")
    refs = check_refs(excluded)
    ids = _resolve_customers(customers)
    actor = actor or current_actor()
    if Batch.get_or_none(Batch.name == name) is not None:
        raise ValidationError(f"a batch named {name!r} exists already")
    seen = reviewed or plan(span.label, ids, detail, today=today)
    with db.atomic():
        if Batch.get_or_none(Batch.name == name) is not None:
            raise ValidationError(f"a batch named {name!r} exists already")
        row = Batch.create(
            name=name, period=span.label, created_by=actor, detail=detail,
            customer_ids=json.dumps(ids) if ids else "", excluded=json.dumps(sorted(refs)),
            reviewed=_encode_refs(selected_refs(seen, refs)), status="draft")
        _audit(actor, "batch.create", f"batch:{row.id}", name=name, period=span.label)
    return summarize(row)


def update_draft(batch: int | str, excluded: Iterable[str] | None = None,
                 detail: str | None = None, actor: str | None = None) -> BatchSummary:
    row = _batch_row(batch)
    if row.status != "draft":
        raise ValidationError(f"batch {row.name!r} is {row.status}: only a draft can be changed")
    if detail is not None:
        if detail not in DETAIL_LEVELS:
            raise ValidationError(f"bad detail level {detail!r}: one of {', '.join(DETAIL_LEVELS)}")
        row.detail = detail
    if excluded is not None:
        row.excluded = json.dumps(sorted(check_refs(excluded)))
    with db.atomic():
        row.save()
        _audit(actor or current_actor(), "batch.update", f"batch:{row.id}")
    return summarize(row)


def delete_draft(batch: int | str, actor: str | None = None) -> None:
    row = _batch_row(batch)
    if row.status != "draft":
        raise ValidationError(f"batch {row.name!r} is {row.status}: only a draft can be deleted")
    with db.atomic():
        row.delete_instance()
        _audit(actor or current_actor(), "batch.delete", f"batch:{row.id}", name=row.name)


def plan_for_batch(batch: int | str, today: dt.date | None = None) -> tuple[Draft, Plan]:
    draft = get_draft(batch)
    p = plan(draft.period, draft.customers, draft.detail, today=today)
    return draft, p


# --- saving -----------------------------------------------------------------

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


def _conflict(keys: list[tuple[str, int, str, int]]) -> AlreadyBilledError | None:
    """The first already-billed source among ``keys``, as an error naming it.

    One indexed lookup per (kind, period) and chunk of ids, at most one row
    back: the ledger holds every month ever billed, so fetching all rows of
    these sources (any period) would read the whole history."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for kind, sid, period, _ in keys:
        groups[(kind, period)].append(sid)
    for (kind, period), ids in groups.items():
        for start in range(0, len(ids), 5000):
            hit = (BilledLedger.select(BilledLedger.source_id, BilledLedger.batch)
                   .where((BilledLedger.source_kind == kind) & (BilledLedger.period == period)
                          & BilledLedger.source_id.in_(ids[start:start + 5000]))
                   .limit(1).tuples().first())
            if hit is None:
                continue
            sid, batch_id = hit
            batch = Batch.get_by_id(batch_id)
            what = _describe_source(kind, sid)
            if period != ONCE:
                what += f" for {period}"
            return AlreadyBilledError(
                f"{what} was billed meanwhile by batch {batch.name!r} (id {batch.id}); "
                "nothing was saved: re-open the batch to review what is left")
    return None


def _bulk_insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    database = db.obj
    cols = ", ".join(f'"{c}"' for c in columns)
    # the wrapper turns the driver's IntegrityError into Peewee's, which save_batch catches
    with peewee.__exception_wrapper__:
        if is_postgres(database):
            from psycopg2.extras import execute_values

            execute_values(database.cursor(), f'INSERT INTO "{table}" ({cols}) VALUES %s', rows,
                           page_size=1000)
        else:
            marks = ", ".join("?" * len(columns))
            database.cursor().executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)


def _reserve_ids(table: str, count: int) -> list[int]:
    """Ids for rows we insert in bulk (inside the write transaction)."""
    database = db.obj
    if count == 0:
        return []
    if is_postgres(database):
        cur = database.execute_sql(
            f"SELECT nextval(pg_get_serial_sequence('\"{table}\"', 'id')) "
            "FROM generate_series(1, %s)", (count,))
        return [r[0] for r in cur.fetchall()]
    top = database.execute_sql(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"').fetchone()[0]
    return list(range(top + 1, top + 1 + count))


def _lock_counter() -> int:
    """The next invoice number, with the row locked for this transaction."""
    key = "next_invoice_number"
    if Setting.get_or_none(Setting.key == key) is None:
        try:
            with db.atomic():
                Setting.create(key=key, value=str(settings.get(key)))
        except IntegrityError:
            pass
    query = Setting.select().where(Setting.key == key)
    if is_postgres():
        query = query.for_update()
    return int(query.get().value)


def save_batch(
    batch: int | str,
    actor: str | None = None,
    issue_date: dt.date | None = None,
    today: dt.date | None = None,
    reviewed: Plan | None = None,
) -> SaveResult:
    """Bill the draft in one transaction: invoices with gapless numbers, lines,
    ledger rows, tickets -> billed, search index, audit event.

    ``reviewed`` is the plan the user looked at (the editor passes it); by
    default the plan is made now. If any of its items was billed meanwhile,
    nothing is written and AlreadyBilledError names the item and the batch.
    """
    actor = actor or current_actor()
    draft = get_draft(batch)
    if draft.summary.status != "draft":
        raise ValidationError(
            f"batch {draft.summary.name!r} is {draft.summary.status}: only a draft can be saved")
    p = reviewed or plan(draft.period, draft.customers, draft.detail, today=today)
    excluded = draft.excluded
    if reviewed is None:
        _check_still_billable(draft.summary.id, p)
    previews = invoice_previews(p, excluded)
    keys = ledger_keys(p, excluded)
    if not previews:
        raise ValidationError(
            f"batch {draft.summary.name!r} has nothing selected to bill for {draft.period}")
    issue = issue_date or today or dt.date.today()
    terms = settings.get("payment_terms_days")
    prefix = settings.get("invoice_prefix")
    digits = settings.get("invoice_number_digits")
    due = issue + dt.timedelta(days=terms)
    ticket_ids = [sid for kind, sid, _, _ in keys if kind == "ticket"]
    database = db.obj
    batch_id = draft.summary.id
    try:
        with database.atomic():
            row = Batch.get_by_id(batch_id)
            if row.status != "draft":
                raise ValidationError(f"batch {row.name!r} was {row.status} meanwhile")
            next_number = _lock_counter()
            last = (Invoice.select(Invoice.number, Invoice.issue_date)
                    .order_by(Invoice.sequence.desc()).limit(1).tuples().first())
            if last is not None and issue < _date(last[1]):
                # Numbers are gapless and in order; their dates must be too
                # (German and French rules, and any auditor's expectation).
                raise ValidationError(
                    f"issue date {issue.isoformat()} is before that of the last invoice "
                    f"{last[0]} ({_date(last[1]).isoformat()}): invoice numbers must follow "
                    "their dates; give a later --issue-date")
            # No look-up of the ledger first: its unique index refuses any item
            # billed meanwhile (IntegrityError below rolls everything back and
            # names the item), and tickets are checked as they are updated.
            inv_ids = _reserve_ids("invoice", len(previews))
            numbers = []
            inv_rows, line_rows, index_records = [], [], []
            invoice_of_customer: dict[tuple[int, str], int] = {}
            for n, (pv, inv_id) in enumerate(zip(previews, inv_ids)):
                seq = next_number + n
                number = f"{prefix}{seq:0{digits}d}"
                numbers.append(number)
                invoice_of_customer[(pv.customer_id, pv.currency)] = inv_id
                inv_rows.append((inv_id, number, seq, batch_id, pv.customer_id, pv.currency, issue,
                                 due, pv.subtotal, pv.tax, pv.total, str(pv.tax_rate), "issued", 0))
                for pos, ln in enumerate(pv.lines, start=1):
                    line_rows.append((inv_id, pos, ln.kind, ln.contract_id, ln.period, ln.description,
                                      str(ln.quantity), ln.unit_price, ln.amount, ln.taxable,
                                      ln.source_kind, ln.source_id, ln.minutes_worked))
                index_records.append(search_record(
                    inv_id, number, pv.customer, row.name, pv.currency, pv.subtotal, pv.total,
                    [(ln.description, ln.amount) for ln in pv.lines]))
            _bulk_insert("invoice", ["id", "number", "sequence", "batch_id", "customer_id",
                                     "currency", "issue_date", "due_date", "subtotal", "tax",
                                     "total", "tax_rate", "status", "export_count"], inv_rows)
            _bulk_insert("invoice_line", ["invoice_id", "position", "kind", "contract_id", "period",
                                          "description", "quantity", "unit_price", "amount",
                                          "taxable", "source_kind", "source_id", "minutes_worked"],
                         line_rows)
            # the benchmark's facts and sums of these lines (store/facts.py)
            refresh_facts(batch_id, written=(
                {r[0]: (r[4], r[5], r[6]) for r in inv_rows},
                ((r[0], r[2], r[3], r[4], r[8], r[12]) for r in line_rows)))
            currency_of_source = _source_currencies(p)
            ledger_rows = [
                (kind, sid, period, batch_id,
                 invoice_of_customer.get((cid, currency_of_source[(kind, sid)])))
                for kind, sid, period, cid in keys
            ]
            _bulk_insert("billed_ledger", ["source_kind", "source_id", "period", "batch_id",
                                           "invoice_id"], ledger_rows)
            for start in range(0, len(ticket_ids), 5000):
                chunk = ticket_ids[start:start + 5000]
                changed = Ticket.update(status="billed").where(
                    Ticket.id.in_(chunk) & (Ticket.status == "closed")).execute()
                if changed != len(set(chunk)):
                    _ticket_not_closed(chunk)
            Setting.update(value=str(next_number + len(previews))).where(
                Setting.key == "next_invoice_number").execute()
            write_index(index_records)
            Batch.update(status="saved", saved_at=dt.datetime.now().replace(microsecond=0),
                         saved_by=actor).where(Batch.id == batch_id).execute()
            totals: dict[str, int] = defaultdict(int)
            for pv in previews:
                totals[pv.currency] += pv.total
            _audit(actor, "batch.save", f"batch:{batch_id}", name=row.name,
                   invoices=numbers, totals={k: format_minor(v, k) for k, v in totals.items()})
    except IntegrityError:
        # An item of this batch is in the ledger already (billed meanwhile).
        conflict = _conflict(keys)
        if conflict is not None:
            raise conflict from None
        raise
    return SaveResult(batch_id=batch_id, batch_name=draft.summary.name,
                      invoice_numbers=numbers, totals=dict(totals))


def selected_refs(p: Plan, excluded: Iterable[str]) -> list[str]:
    """Refs of the items the selection bills (locked ones never are)."""
    excluded = frozenset(excluded)
    return [it.ref for _, _, pe in _index(p).periods for it in pe.items
            if is_selected(p, excluded, it.ref)]


def _encode_refs(refs: Iterable[str]) -> str:
    """Refs grouped by kind and period, ids only: {"ticket": [3, 4], "device@2026-10": [7]}."""
    grouped: dict[str, list[int]] = defaultdict(list)
    for ref in refs:
        kind, sid, period = parse_ref(ref)
        grouped[f"{kind}@{period}" if period else kind].append(sid)
    return json.dumps(grouped, separators=(",", ":"), sort_keys=True)


def _decode_refs(text: str) -> list[str]:
    if not text:
        return []
    out = []
    for key, ids in json.loads(text).items():
        kind, _, period = key.partition("@")
        out.extend(f"{kind}:{i}@{period}" if period else f"{kind}:{i}" for i in ids)
    return out


def _check_still_billable(batch_id: int, p: Plan) -> None:
    """A draft saved from the command line: every item its review selected must
    still be in the plan (selected or not). One that is gone was billed
    meanwhile, or reopened, or removed: say which, and save nothing."""
    stored = _decode_refs(Batch.get_by_id(batch_id).reviewed or "")
    if not stored:
        return  # a draft from before version 4 of the schema
    present = _index(p).period_of_item
    gone = [r for r in stored if r not in present]
    if not gone:
        return
    keys = []
    for ref in gone:
        kind, sid, period = parse_ref(ref)
        keys.append((kind, sid, period if kind in RECURRING_KINDS else ONCE, 0))
    conflict = _conflict(keys)
    if conflict is not None:
        raise conflict
    kind, sid, _ = parse_ref(gone[0])
    more = f" (and {len(gone) - 1} more)" if len(gone) > 1 else ""
    raise AlreadyBilledError(
        f"{_describe_source(kind, sid)}{more} is no longer billable since this draft was "
        "reviewed (reopened, changed or removed); nothing was saved: review the batch again")


def _ticket_not_closed(chunk: list[int]) -> None:
    """Raise for a ticket of ``chunk`` that was not closed when the batch was
    saved (reopened meanwhile): the transaction rolls back."""
    found = (Ticket.select(Ticket.number).where(Ticket.id.in_(chunk) & (Ticket.status != "billed"))
             .limit(1).tuples().first())
    number = found[0] if found else "of this batch"
    raise AlreadyBilledError(f"ticket {number} is no longer closed; nothing was saved")


def _source_currencies(p: Plan) -> dict[tuple[str, int], str]:
    """(source kind, id) -> the currency of its contract, hence of its invoice."""
    out = {}
    for _, co, pe in _index(p).periods:
        for it in pe.items:
            kind, sid, _ = parse_ref(it.ref)
            out[(kind, sid)] = co.currency
    return out


# --- voiding ----------------------------------------------------------------

def void_batch(batch: int | str, reason: str, actor: str | None = None) -> BatchSummary:
    """Void a saved batch: invoices void, items billable again, numbers kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("voiding a batch needs a reason")
    actor = actor or current_actor()
    row = _batch_row(batch)
    if row.status != "saved":
        raise ValidationError(f"batch {row.name!r} is {row.status}: only a saved batch can be voided")
    database = db.obj
    with database.atomic():
        ticket_ids = [sid for (sid,) in BilledLedger.select(BilledLedger.source_id).where(
            (BilledLedger.batch == row.id) & (BilledLedger.source_kind == "ticket")).tuples()]
        exported = [n for (n,) in Invoice.select(Invoice.number).where(
            (Invoice.batch == row.id) & (Invoice.status == "exported")).tuples()]
        BilledLedger.delete().where(BilledLedger.batch == row.id).execute()
        for start in range(0, len(ticket_ids), 5000):
            Ticket.update(status="closed").where(
                Ticket.id.in_(ticket_ids[start:start + 5000]) & (Ticket.status == "billed")).execute()
        Invoice.update(status="void").where(Invoice.batch == row.id).execute()
        refresh_facts(row.id)  # the benchmark's sums lose these invoices' lines
        Batch.update(status="voided", voided_at=dt.datetime.now().replace(microsecond=0),
                     voided_by=actor, void_reason=reason).where(Batch.id == row.id).execute()
        _audit(actor, "batch.void", f"batch:{row.id}", name=row.name, reason=reason,
               released_tickets=len(ticket_ids), exported_invoices=exported)
    return summarize(Batch.get_by_id(row.id))


# --- plan as JSON -----------------------------------------------------------

def _money(minor: int, currency: str) -> str:
    return format_minor(minor, currency)


def plan_to_json(p: Plan, excluded: frozenset[str] = frozenset()) -> dict:
    """The JSON of ``batch plan --json``: decimal strings, refs for --exclude."""
    def item(it: PlanItem, selected: bool) -> dict:
        out = {"ref": it.ref, "kind": it.kind, "description": it.description,
               "quantity": quantity_str(it.quantity), "unit_price": _money(it.unit_price, it.currency),
               "amount": _money(it.amount, it.currency), "currency": it.currency,
               "locked": it.locked, "selected": selected}
        if it.locked:
            out["lock_reason"] = it.lock_reason
        if it.children:
            out["time_entries"] = [
                {"ref": ch.ref, "description": ch.description, "quantity": quantity_str(ch.quantity),
                 "unit_price": _money(ch.unit_price, ch.currency),
                 "amount": _money(ch.amount, ch.currency)} for ch in it.children]
        return out

    customers = []
    for cu in p.customers:
        contracts = []
        for co in cu.contracts:
            periods = []
            for pe in co.periods:
                sel = selection_totals(p, excluded, pe.ref).get(co.currency, 0)
                periods.append({
                    "ref": pe.ref, "period": pe.period, "locked": pe.locked,
                    "lock_reason": pe.lock_reason, "total": _money(sel, co.currency),
                    "items": [item(it, is_selected(p, excluded, it.ref)) for it in pe.items]})
            contracts.append({"ref": co.ref, "name": co.name, "type": co.type,
                              "billing_period": co.billing_period, "currency": co.currency,
                              "totals": {k: _money(v, k) for k, v in
                                         selection_totals(p, excluded, co.ref).items()},
                              "periods": periods})
        customers.append({"ref": cu.ref, "name": cu.name,
                          "totals": {k: _money(v, k) for k, v in
                                     selection_totals(p, excluded, cu.ref).items()},
                          "contracts": contracts})
    return {"period": p.period, "detail": p.detail,
            "as_of": p.as_of.isoformat() if p.as_of else None, "left_out": list(p.left_out),
            "totals": {k: _money(v, k) for k, v in selection_totals(p, excluded).items()},
            "customers": customers}
