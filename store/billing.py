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
from store.errors import AlreadyBilledError, NotFoundError, StaleReviewError, ValidationError
from store.guards import guard_message
from store.txn import write_transaction
from store.benchmark.facts import refresh_batch as refresh_facts
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
from store.periods import Span, contract_periods, months_of, parse_period
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
    excluded = check_refs(excluded)
    today = today or dt.date.today()
    customer_ids = _resolve_customers(customers)

    # Rows come back as plain tuples converted here (not Peewee model
    # instances): a whole-book plan reads tens of thousands of them.
    cust_q = Customer.select(Customer.id, Customer.name, Customer.currency, Customer.tax_rate,
                             Customer.active).order_by(Customer.name)
    if customer_ids is not None:
        cust_q = cust_q.where(Customer.id.in_(customer_ids))
    cust_rows = [_CustomerRow(cid, name, cur, Decimal(rate), bool(active))
                 for cid, name, cur, rate, active in _raw(cust_q)]
    by_customer = {c.id: c for c in cust_rows}

    contract_q = Contract.select(*_CONTRACT_FIELDS).where(
        (Contract.active == True)  # noqa: E712
        & (Contract.start_date < span.end)
        & (Contract.end_date.is_null() | (Contract.end_date >= span.start))
    ).order_by(Contract.name, Contract.id)
    if customer_ids is not None:
        contract_q = contract_q.where(Contract.customer.in_(customer_ids))
    contracts = [c for c in map(_contract_row, _raw(contract_q)) if c.customer_id in by_customer]
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

    months = sorted({m for ps in periods_of.values() for p in ps for m in months_of(p)})
    # (kind, source id, month) -> (batch id, label it was billed under) of recurring charges
    billed_recurring: dict[tuple[str, int, str], tuple[int, str]] = {}
    billed_once: set[tuple[str, int]] = set()
    if contract_ids:
        for kind, sid, month, batch_id, label in BilledLedger.select(
            BilledLedger.source_kind, BilledLedger.source_id, BilledLedger.month, BilledLedger.batch,
            BilledLedger.period,
        ).where(
            (BilledLedger.source_kind.in_(("service_item", "device", "block")))
            & (BilledLedger.month.in_(months))
        ).tuples():
            billed_recurring[(kind, sid, month)] = (batch_id, label)
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
            if cid in periods_of:
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
            .join(TimeEntry, join_type=JOIN.LEFT_OUTER, on=(TimeEntry.ticket == Ticket.id))
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
            if cid in periods_of:
                tickets_of[cid].append((tid, number, title, _datetime(closed_at), int(billable),
                                        int(worked)))
                ticket_ids.append(tid)

    entries_of: dict[int, list[TimeEntry]] = defaultdict(list)
    entry_tickets = ticket_ids if detail == "time_entry" else []
    excluded_entries = [sid for kind, sid, _ in map(parse_ref, excluded) if kind == "time_entry"]
    if excluded_entries and detail != "time_entry":
        # a time entry left out at time-entry detail still counts at the other levels
        wanted = {t for (t,) in TimeEntry.select(TimeEntry.ticket).where(
            TimeEntry.id.in_(excluded_entries)).tuples()}
        entry_tickets = [t for t in ticket_ids if t in wanted]
    if entry_tickets:
        for start in range(0, len(entry_tickets), 5000):
            for e in TimeEntry.select().where(
                TimeEntry.ticket.in_(entry_tickets[start : start + 5000])
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
            if cid in periods_of:
                expenses_of[cid].append(_ExpenseRow(eid, cid, _date(day), description, int(amount)))
    for rows in expenses_of.values():
        rows.sort(key=lambda e: (e.date, e.id))

    block_state = _block_state([c for c in contracts if c.type == "block_hours"], periods_of)
    batch_names = _BatchNames()
    contracts_of_customer: dict[int, list[PlanContract]] = defaultdict(list)
    for c in contracts:
        pc = _plan_contract(
            c, periods_of[c.id], today, detail, items_of_contract[c.id], tickets_of[c.id],
            entries_of, expenses_of[c.id], billed_recurring, billed_once,
            active=by_customer[c.customer_id].active, block_state=block_state,
            batch_names=batch_names,
        )
        if pc is not None:
            contracts_of_customer[c.customer_id].append(pc)

    plan_customers = []
    for cust in cust_rows:
        pcs = contracts_of_customer.get(cust.id)
        if pcs:
            plan_customers.append(PlanCustomer(
                ref=f"customer:{cust.id}", id=cust.id, name=cust.name, currency=cust.currency,
                tax_rate=cust.tax_rate, contracts=tuple(pcs), final_bill=not cust.active,
            ))

    left_out = []
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
    active: bool = True


class _BatchNames(dict):
    """Batch id -> name, read once each (for the reasons of partly billed periods)."""

    def __missing__(self, batch_id):
        row = Batch.get_or_none(Batch.id == batch_id)
        self[batch_id] = name = row.name if row else str(batch_id)
        return name


def _block_state(contracts, periods_of) -> dict[tuple[int, str], tuple[int, int]]:
    """(block contract id, period label) -> (billable minutes of its tickets billed
    already, the next overage part): a late ticket's overage is counted over every
    ticket of the block period, billed and new, and only what is not billed yet is
    billed (as the next part, so no part is billed twice)."""
    if not contracts:
        return {}
    ids = [c.id for c in contracts]
    labels = sorted({s.label for c in contracts for s in periods_of[c.id]})
    out: dict[tuple[int, str], list[int]] = {}
    q = (BilledLedger.select(Ticket.contract, BilledLedger.period, BilledLedger.source_id)
         .join(Ticket, on=(BilledLedger.source_id == Ticket.id))
         .where((BilledLedger.source_kind == "ticket") & BilledLedger.period.in_(labels)
                & Ticket.contract.in_(ids)))
    billed_tickets: dict[tuple[int, str], list[int]] = defaultdict(list)
    for cid, label, tid in q.tuples():
        billed_tickets[(cid, label)].append(tid)
    for key, tids in billed_tickets.items():
        minutes = 0
        left_out = {sid for (sid,) in BilledLedger.select(BilledLedger.source_id).join(
            TimeEntry, on=(BilledLedger.source_id == TimeEntry.id)).where(
            (BilledLedger.source_kind == "time_entry") & TimeEntry.ticket.in_(tids)).tuples()}
        for eid, m in TimeEntry.select(TimeEntry.id, TimeEntry.minutes).where(
                TimeEntry.ticket.in_(tids) & (TimeEntry.billable == True)).tuples():  # noqa: E712
            if eid not in left_out:
                minutes += m
        out[key] = [minutes, 1]
    for cid, label, month in BilledLedger.select(
            BilledLedger.source_id, BilledLedger.period, BilledLedger.month).where(
            (BilledLedger.source_kind == "overage") & BilledLedger.source_id.in_(ids)
            & BilledLedger.period.in_(labels)).tuples():
        part = int(month.partition("#")[2] or 1)
        state = out.setdefault((cid, label), [0, 1])
        state[1] = max(state[1], part + 1)
    return {k: (v[0], v[1]) for k, v in out.items()}


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
    if entries:  # time-entry detail, or an entry of this ticket left out one by one
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
                   billed_recurring, billed_once, active=True, block_state=None,
                   batch_names=None) -> PlanContract | None:
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
    block_state = block_state or {}
    batch_names = batch_names if batch_names is not None else _BatchNames()

    def recurring(kind: str, sid: int, s: Span, make) -> None:
        """Offer a recurring charge for span ``s`` when none of its months is
        billed; when some are (the contract was retyped, or on_demand billed under
        another label), show it locked, naming the month and the batch."""
        if not active:
            return  # an inactive customer gets no recurring charges
        months = months_of(s)
        billed = [(m, billed_recurring[(kind, sid, m)]) for m in months
                  if (kind, sid, m) in billed_recurring]
        if not billed:
            items.append(make())
        elif len(billed) < len(months):
            month, (batch_id, label) = billed[0]
            items.append(_locked(make(), (
                f"{month} is billed already (under {label}, batch {batch_names[batch_id]!r}): "
                f"a charge is billed once per month, so {s.label} cannot be billed whole; "
                f"bill the other months under their own label, or void that invoice first")))

    for i, s in enumerate(spans):
        locked, reason = _lock(s, c.billing_period, today)
        items: list[PlanItem] = []
        block_hours = None
        billed_minutes, overage_part = block_state.get((c.id, s.label), (0, 1))
        if c.type == "retainer":
            for si in service_items:
                recurring("service_item", si.id, s, lambda si=si: PlanItem(
                    ref=f"service_item:{si.id}@{s.label}", kind="service_item",
                    description=si.description, quantity=si.quantity, unit_price=si.unit_price,
                    amount=line_amount(si.quantity, si.unit_price), currency=currency,
                    taxable=c.taxable))
        elif c.type == "per_device":
            qty = Decimal(c.device_count)
            recurring("device", c.id, s, lambda: PlanItem(
                ref=f"device:{c.id}@{s.label}", kind="device",
                description=f"Device monitoring: {c.device_count} devices",
                quantity=qty, unit_price=c.device_rate, amount=line_amount(qty, c.device_rate),
                currency=currency, taxable=c.taxable))
        elif c.type == "block_hours":
            block_hours = c.block_hours
            recurring("block", c.id, s, lambda: PlanItem(
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
            items.append(_overage_item(c, s.label, [it for it in items if it.kind == "ticket"],
                                       billed_minutes))
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
            overage_rate=c.overage_rate if c.type == "block_hours" else 0,
            billed_minutes=billed_minutes, overage_part=overage_part))
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


def _overage_item(c: Contract, label: str, ticket_items: list[PlanItem], billed_minutes: int = 0) -> PlanItem:
    minutes = _overage_minutes(c.block_hours, ticket_items, billed_minutes)
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
    # time entries (a ticket's children, at time-entry detail) -> their period
    period_of_entry: dict[str, str] = field(default_factory=dict)


_INDEX_CACHE: dict[int, tuple[Plan, _Index]] = {}


def _index(p: Plan) -> _Index:
    hit = _INDEX_CACHE.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    parent: dict[str, str | None] = {}
    children: dict[str, list[str]] = defaultdict(list)
    node: dict[str, object] = {}
    period_of_item: dict[str, str] = {}
    period_of_entry: dict[str, str] = {}
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
                        children[it.ref].append(ch.ref)
                        period_of_entry[ch.ref] = pe.ref
                if not pe.locked:
                    lines = period_lines(co, pe, frozenset(), p.detail)
                    full_lines[pe.ref] = lines
                    full[pe.ref] = sum(l.amount for l in lines)
    block_unit = {it.ref: pe.ref for _, _, pe in periods if pe.block_hours is not None
                  for it in pe.items if it.kind in ("ticket", "block")}
    idx = _Index(parent, children, node, period_of_item, periods, full, full_lines, under, live,
                 block_unit, period_of_entry)
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
    if item_ref in idx.period_of_entry:  # a time entry: selected with its ticket
        if item_ref in excluded:
            return False
        item_ref = idx.parent[item_ref]
        item = idx.node[item_ref]
    if getattr(item, "locked", False):
        return False
    if item_ref in excluded:
        return False
    return not any(a in excluded for a in _ancestors(idx, item_ref))


def _leaf_refs(idx: _Index, ref: str) -> list[str]:
    node = idx.node[ref]
    if isinstance(node, PlanItem):
        if ref in idx.period_of_item and node.children:
            return [ch.ref for ch in node.children]  # time entries, each selectable
        return [ref] if ref in idx.period_of_item or ref in idx.period_of_entry else []
    out = []
    for ch in idx.children.get(ref, []):
        out.extend(_leaf_refs(idx, ch))
    return out


def node_state(p: Plan, excluded: frozenset[str], ref: str) -> str:
    """'all', 'some', 'none' or 'locked' for any node of the plan."""
    idx = _index(p)
    if ref not in idx.node:
        raise NotFoundError(f"{ref} is not in this plan")
    excluded = _canonical(idx, excluded)
    node = idx.node[ref]
    if isinstance(node, PlanItem):
        if node.locked or (ref in idx.period_of_entry and idx.node[idx.parent[ref]].locked):
            return "locked"
    elif ref not in idx.live:
        return "locked"
    if ref in excluded or any(a in excluded for a in _ancestors(idx, ref)):
        return "none"
    if ref not in _excluded_below(idx, excluded):
        return "all"  # nothing under it is excluded: every unlocked item is selected
    leaves = _leaf_refs(idx, ref)
    live = [r for r in leaves if not idx.node[r].locked
            and not (r in idx.period_of_entry and idx.node[idx.parent[r]].locked)]
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


def _touched_periods(idx: _Index, excluded: frozenset[str]) -> set[str]:
    return ({idx.period_of_item[r] for r in excluded if r in idx.period_of_item}
            | {idx.period_of_entry[r] for r in excluded if r in idx.period_of_entry})


def _period_excluded(pe_ref: str, co: PlanContract, cu: PlanCustomer, excluded) -> bool:
    return pe_ref in excluded or co.ref in excluded or cu.ref in excluded


def selection_totals(p: Plan, excluded: frozenset[str], ref: str | None = None) -> dict[str, int]:
    """Selected amount (before tax) per currency, for the whole plan or one node."""
    idx = _index(p)
    excluded = _canonical(idx, excluded)
    if ref is not None and ref in idx.period_of_entry:
        item = idx.node[ref]
        return {item.currency: item.amount} if is_selected(p, excluded, ref) else {}
    if ref is not None and ref in idx.period_of_item:
        item = idx.node[ref]
        if not is_selected(p, excluded, ref):
            return {}
        if item.kind == "ticket":
            return {item.currency: _ticket_amounts(item, excluded).get("amount", item.amount)}
        return {item.currency: item.amount}
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
    """Change a draft's exclusions or detail (the editor's autosave). A guarded
    transition: only the changed columns are written, by a conditional update
    on a draft, so an autosave that races a save never turns it back."""
    row = _batch_row(batch)
    if row.status != "draft":
        raise ValidationError(f"batch {row.name!r} is {row.status}: only a draft can be changed")
    changes = {}
    if detail is not None:
        if detail not in DETAIL_LEVELS:
            raise ValidationError(f"bad detail level {detail!r}: one of {', '.join(DETAIL_LEVELS)}")
        changes["detail"] = detail
    if excluded is not None:
        changes["excluded"] = json.dumps(sorted(check_refs(excluded)))
    with write_transaction(f"changing batch {row.name!r}"):
        if changes:
            moved = Batch.update(**changes).where(
                (Batch.id == row.id) & (Batch.status == "draft")).execute()
            if moved != 1:
                now = Batch.get_or_none(Batch.id == row.id)
                raise ValidationError(
                    f"batch {row.name!r} was {now.status if now else 'deleted'} meanwhile: only a "
                    "draft can be changed")
        _audit(actor or current_actor(), "batch.update", f"batch:{row.id}")
    return summarize(Batch.get_by_id(row.id))


def delete_draft(batch: int | str, actor: str | None = None) -> None:
    row = _batch_row(batch)
    if row.status != "draft":
        raise ValidationError(f"batch {row.name!r} is {row.status}: only a draft can be deleted")
    with write_transaction(f"deleting batch {row.name!r}"):
        if Batch.delete().where((Batch.id == row.id) & (Batch.status == "draft")).execute() != 1:
            raise ValidationError(f"batch {row.name!r} is no longer a draft: only a draft can be deleted")
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
    nothing is written and AlreadyBilledError names the item and the batch; if a
    reviewed item changed since (time added to a ticket...), StaleReviewError
    names it: the save bills what is true at commit, never a stale review.
    """
    actor = actor or current_actor()
    draft = get_draft(batch)
    if draft.summary.status != "draft":
        raise ValidationError(
            f"batch {draft.summary.name!r} is {draft.summary.status}: only a draft can be saved")
    excluded = draft.excluded
    p = reviewed or plan(draft.period, draft.customers, draft.detail, excluded, today=today)
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
    ticket_ids = [k.source_id for k in keys if k.kind == "ticket"]
    batch_id = draft.summary.id
    final_bills = sorted(cu.name for cu in p.customers if cu.final_bill
                         and any(pv.customer_id == cu.id for pv in previews))
    try:
        with write_transaction(f"saving batch {draft.summary.name!r}"):
            # The guarded transition first: it locks the batch's row (PostgreSQL) so a
            # second save of the same draft waits here, then finds it saved.
            now = dt.datetime.now().replace(microsecond=0)
            moved = Batch.update(status="saved", saved_at=now, saved_by=actor).where(
                (Batch.id == batch_id) & (Batch.status == "draft")).execute()
            if moved != 1:
                row = Batch.get_or_none(Batch.id == batch_id)
                state = row.status if row else "deleted"
                raise ValidationError(
                    f"batch {draft.summary.name!r} was {state} meanwhile (by another session); "
                    "nothing was saved")
            row = Batch.get_by_id(batch_id)
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
            ledger_rows = [
                (k.kind, k.source_id, k.period, k.month, batch_id,
                 invoice_of_customer.get((k.customer_id, k.currency)))
                for k in keys
            ]
            _bulk_insert("billed_ledger", ["source_kind", "source_id", "period", "month", "batch_id",
                                           "invoice_id"], ledger_rows)
            for start in range(0, len(ticket_ids), 5000):
                chunk = ticket_ids[start:start + 5000]
                changed = Ticket.update(status="billed").where(
                    Ticket.id.in_(chunk) & (Ticket.status == "closed")).execute()
                if changed != len(set(chunk)):
                    _ticket_not_closed(chunk)
            # The tickets are billed (their rows locked): their time can no longer
            # change. Compare it, and the other reviewed items, with the plan.
            _check_current(p, excluded, keys, batch_id)
            Setting.update(value=str(next_number + len(previews))).where(
                Setting.key == "next_invoice_number").execute()
            write_index(index_records)
            totals: dict[str, int] = defaultdict(int)
            for pv in previews:
                totals[pv.currency] += pv.total
            details = {"name": row.name, "invoices": numbers,
                       "totals": {k: format_minor(v, k) for k, v in totals.items()}}
            left_out = [k.source_id for k in keys if k.kind == "time_entry"]
            if left_out:
                details["time_entries_not_billed"] = left_out
            if final_bills:
                details["final_bills"] = final_bills
            _audit(actor, "batch.save", f"batch:{batch_id}", **details)
    except IntegrityError as exc:
        message = guard_message(exc)
        if message is not None:
            raise AlreadyBilledError(f"{message}; nothing was saved") from None
        # An item of this batch is in the ledger already (billed meanwhile).
        conflict = _conflict(keys)
        if conflict is not None:
            raise conflict from None
        raise
    return SaveResult(batch_id=batch_id, batch_name=draft.summary.name,
                      invoice_numbers=numbers, totals=dict(totals))


def _check_current(p: Plan, excluded: frozenset[str], keys: list[LedgerKey], batch_id: int) -> None:
    """Inside the save, after its ledger rows are written and its tickets billed
    (their rows locked): every reviewed ticket, expense and service item still has
    the time, amount and price it was reviewed with; else StaleReviewError names
    the first that changed, and the save rolls back. Read through the batch's own
    ledger rows (three grouped reads, no list of ids to send)."""
    idx = _index(p)
    database = db.obj
    mark = "%s" if is_postgres(database) else "?"
    time_now = {tid: (int(b or 0), int(w or 0)) for tid, b, w in database.execute_sql(
        "SELECT te.ticket_id, SUM(CASE WHEN te.billable THEN te.minutes ELSE 0 END), SUM(te.minutes) "
        "FROM billed_ledger l JOIN time_entry te ON te.ticket_id = l.source_id "
        f"WHERE l.batch_id = {mark} AND l.source_kind = 'ticket' GROUP BY te.ticket_id",
        (batch_id,)).fetchall()}
    for k in keys:
        if k.kind != "ticket":
            continue
        it = idx.node[f"ticket:{k.source_id}"]
        billable, worked = time_now.get(k.source_id, (0, 0))
        if billable != it.minutes or worked != it.minutes_worked:
            raise StaleReviewError(
                f"{_describe_source('ticket', k.source_id)} changed since it was reviewed (billable "
                f"time {quantity_str(hours_from_minutes(it.minutes))} h -> "
                f"{quantity_str(hours_from_minutes(billable))} h, worked "
                f"{quantity_str(hours_from_minutes(it.minutes_worked))} h -> "
                f"{quantity_str(hours_from_minutes(worked))} h); nothing was saved: "
                "review the batch again")
    if any(k.kind == "expense" for k in keys):
        now = {eid: (int(amount), bool(billable)) for eid, amount, billable in database.execute_sql(
            "SELECT e.id, e.amount, e.billable FROM billed_ledger l JOIN expense e ON e.id = l.source_id "
            f"WHERE l.batch_id = {mark} AND l.source_kind = 'expense'", (batch_id,)).fetchall()}
        for k in keys:
            if k.kind == "expense" and now.get(k.source_id) != (idx.node[f"expense:{k.source_id}"].amount, True):
                raise StaleReviewError(
                    f"{_describe_source('expense', k.source_id)} changed since it was reviewed; "
                    "nothing was saved: review the batch again")
    if any(k.kind == "service_item" for k in keys):
        now = {sid: (Decimal(q), int(price), bool(active)) for sid, q, price, active in database.execute_sql(
            "SELECT DISTINCT s.id, s.quantity, s.unit_price, s.active FROM billed_ledger l "
            "JOIN service_item s ON s.id = l.source_id "
            f"WHERE l.batch_id = {mark} AND l.source_kind = 'service_item'", (batch_id,)).fetchall()}
        for k in keys:
            if k.kind != "service_item":
                continue
            it = idx.node[f"service_item:{k.source_id}@{k.period}"]
            if now.get(k.source_id) != (it.quantity, it.unit_price, True):
                raise StaleReviewError(
                    f"{_describe_source('service_item', k.source_id)} changed since it was reviewed; "
                    "nothing was saved: review the batch again")


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
        if kind in RECURRING_KINDS and period:
            try:
                months = months_of(parse_period(period))
            except ValidationError:
                months = [period]
            keys.extend((kind, sid, m + ("#1" if kind == "overage" else ""), 0) for m in months)
        else:
            keys.append((kind, sid, ONCE, 0))
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


# --- voiding ----------------------------------------------------------------

def void_batch(batch: int | str, reason: str, actor: str | None = None) -> BatchSummary:
    """Void a saved batch: invoices void, items billable again, numbers kept.

    A guarded transition: the batch moves saved -> voided by a conditional update
    inside the transaction, so of several voids at once exactly one succeeds."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("voiding a batch needs a reason")
    actor = actor or current_actor()
    row = _batch_row(batch)
    if row.status != "saved":
        raise ValidationError(f"batch {row.name!r} is {row.status}: only a saved batch can be voided")
    with write_transaction(f"voiding batch {row.name!r}"):
        moved = Batch.update(status="voided", voided_at=dt.datetime.now().replace(microsecond=0),
                             voided_by=actor, void_reason=reason).where(
            (Batch.id == row.id) & (Batch.status == "saved")).execute()
        if moved != 1:
            now = Batch.get_or_none(Batch.id == row.id)
            raise ValidationError(
                f"batch {row.name!r} was {now.status if now else 'deleted'} meanwhile (by another "
                "session): only a saved batch can be voided")
        ticket_ids = [sid for (sid,) in BilledLedger.select(BilledLedger.source_id).where(
            (BilledLedger.batch == row.id) & (BilledLedger.source_kind == "ticket")).tuples()]
        exported = [n for (n,) in Invoice.select(Invoice.number).where(
            (Invoice.batch == row.id) & (Invoice.status == "exported")).tuples()]
        BilledLedger.delete().where(BilledLedger.batch == row.id).execute()
        for start in range(0, len(ticket_ids), 5000):
            Ticket.update(status="closed").where(
                Ticket.id.in_(ticket_ids[start:start + 5000]) & (Ticket.status == "billed")).execute()
        Invoice.update(status="void").where((Invoice.batch == row.id) & (Invoice.status != "void")).execute()
        refresh_facts(row.id)  # the benchmark's sums lose these invoices' lines
        _audit(actor, "batch.void", f"batch:{row.id}", name=row.name, reason=reason,
               released_tickets=len(ticket_ids), exported_invoices=exported)
    return summarize(Batch.get_by_id(row.id))


@dataclass(frozen=True)
class VoidedInvoice:
    number: str
    batch_id: int
    batch_name: str
    was_exported: bool
    released_tickets: int
    reason: str


def void_invoice(number: str, reason: str, actor: str | None = None) -> VoidedInvoice:
    """Void one invoice of a saved batch: the invoice becomes void (its number is
    kept, never reused), its items are released to be billed again, the rest of
    its batch stays saved. A guarded transition like the batch's."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("voiding an invoice needs a reason")
    actor = actor or current_actor()
    number = (number or "").strip()
    inv = Invoice.get_or_none(Invoice.number == number)
    if inv is None:
        raise NotFoundError(f"no invoice numbered {number!r}")
    batch = Batch.get_by_id(inv.batch_id)
    if inv.status == "void":
        raise ValidationError(f"invoice {number} is void already")
    with write_transaction(f"voiding invoice {number}"):
        was_exported = inv.status == "exported"
        # the batch must still be saved (a batch void at the same moment wins or waits)
        if Batch.update(status="saved").where(
                (Batch.id == batch.id) & (Batch.status == "saved")).execute() != 1:
            raise ValidationError(f"invoice {number}'s batch {batch.name!r} is not saved (voided "
                                  "meanwhile?): nothing was changed")
        moved = Invoice.update(status="void").where(
            (Invoice.id == inv.id) & Invoice.status.in_(("issued", "exported"))).execute()
        if moved != 1:
            raise ValidationError(f"invoice {number} was voided meanwhile (by another session)")
        ticket_ids = [sid for (sid,) in BilledLedger.select(BilledLedger.source_id).where(
            (BilledLedger.invoice == inv.id) & (BilledLedger.source_kind == "ticket")).tuples()]
        BilledLedger.delete().where(BilledLedger.invoice == inv.id).execute()
        for start in range(0, len(ticket_ids), 5000):
            Ticket.update(status="closed").where(
                Ticket.id.in_(ticket_ids[start:start + 5000]) & (Ticket.status == "billed")).execute()
        refresh_facts(batch.id)  # the benchmark's sums lose this invoice's lines
        _audit(actor, "invoice.void", f"invoice:{inv.id}", number=number, batch=batch.name,
               reason=reason, released_tickets=len(ticket_ids), was_exported=was_exported)
    return VoidedInvoice(number, batch.id, batch.name, was_exported, len(ticket_ids), reason)


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
        customers.append({"ref": cu.ref, "name": cu.name, "final_bill": cu.final_bill,
                          "totals": {k: _money(v, k) for k, v in
                                     selection_totals(p, excluded, cu.ref).items()},
                          "contracts": contracts})
    return {"period": p.period, "detail": p.detail,
            "as_of": p.as_of.isoformat() if p.as_of else None, "left_out": list(p.left_out),
            "totals": {k: _money(v, k) for k, v in selection_totals(p, excluded).items()},
            "customers": customers}
