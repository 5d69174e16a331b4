"""Planning: everything billable for a period, as a tree customer -> contract
-> period -> items, read in a few grouped queries. Recurring charges are offered
only for months not billed yet (the month-keyed ledger); inactive customers get
no recurring charges (a final bill).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from collections import defaultdict
from decimal import Decimal
from typing import Iterable, NamedTuple

from peewee import JOIN, SQL, Case, fn

from store.domain import Plan, PlanContract, PlanCustomer, PlanItem, PlanPeriod
from store.errors import ValidationError
from store.gcpause import no_gc_pauses
from store.limits import MINUTES_MAX, out_of_range
from store.models import DETAIL_LEVELS, Batch, BilledLedger, Contract, Customer, Expense, ServiceItem, Ticket, TimeEntry
from store.money import hours_from_minutes, line_amount, quantity_str
from store.periods import Span, contract_periods, months_of, parse_period, unit_span
from store.rows import as_date as _date, as_datetime as _datetime, raw_rows as _raw
from store.billing.lines import _overage_minutes
from store.billing.refs import check_refs, parse_ref


_MONTHS: dict[str, list[str]] = {}


def _months(span: Span) -> list[str]:
    """months_of, remembered by label (a plan asks for the same few spans per item)."""
    hit = _MONTHS.get(span.label)
    if hit is None:
        if len(_MONTHS) > 1000:
            _MONTHS.clear()
        hit = _MONTHS[span.label] = months_of(span)
    return hit


def _lock(span: Span, billing_period: str, today: dt.date) -> tuple[bool, str]:
    if billing_period == "on_demand" or span.end <= today:
        return False, ""
    return True, f"period {span.label} ends {span.last_day.isoformat()}: billable from {span.end.isoformat()}"


def _resolve_customers(customers: Iterable[str | int] | None) -> list[int] | None:
    if not customers:
        return None
    from store.customers import match_customer

    # exact name or id, else a unique case- and accent-blind prefix or part of the name
    return [match_customer(value).id for value in customers]


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
    bad = out_of_range()  # rows outside the book's ranges: left out and named (issue 13)

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
    contracts = [c for c in map(_contract_row, _raw(contract_q))
                 if c.customer_id in by_customer and c.id not in bad.contracts]
    contract_ids = [c.id for c in contracts]
    # a contract's periods depend only on how it bills: one list per billing period
    spans_of = {bp: contract_periods(bp, span) for bp in {c.billing_period for c in contracts}}
    periods_of = {c.id: spans_of[c.billing_period] for c in contracts}
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

    # (kind, source id, month) -> (batch id, label it was billed under) of recurring charges.
    # Only the months each source's own periods cover are read (a monthly
    # charge: one month, not the twelve a yearly contract asks for), by the
    # unique index (kind, source id, month): the ledger holds every month ever
    # billed, and reading all of a kind's rows for the plan's months was most
    # of a plan's SQL time.
    billed_recurring: dict[tuple[str, int, str], tuple[int, str]] = {}
    billed_once: set[tuple[str, int]] = set()
    if contract_ids:
        wanted: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
        for c in contracts:
            kinds = {"retainer": "service_item", "per_device": "device", "block_hours": "block"}
            kind = kinds.get(c.type)
            if kind is None:
                continue
            needed = tuple(sorted({m for p in periods_of[c.id] for m in _months(p)}))
            sids = [si.id for si in items_of_contract[c.id]] if kind == "service_item" else [c.id]
            wanted[(kind, needed)].extend(sids)
        for (kind, needed), sids in sorted(wanted.items()):
            for start in range(0, len(sids), 5000):
                for sid, month, batch_id, label in _raw(BilledLedger.select(
                    BilledLedger.source_id, BilledLedger.month, BilledLedger.batch, BilledLedger.period,
                ).where(
                    (BilledLedger.source_kind == kind)
                    & _in_ids(BilledLedger.source_id, sids[start:start + 5000])
                    & BilledLedger.month.in_(needed)
                )):
                    billed_recurring[(kind, sid, month)] = (batch_id, label)
        for kind, sid in BilledLedger.select(BilledLedger.source_kind, BilledLedger.source_id).where(
            (BilledLedger.source_kind == "project") & (BilledLedger.source_id.in_(
                [c.id for c in contracts if c.type == "project_fixed"] or [0]))
        ).tuples():
            billed_once.add((kind, sid))

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
        # the driver's rows are kept as they come (tid, number, title, contract,
        # closed_at, billable, worked); _plan_contract converts what it uses
        for row in _raw(q):
            cid = row[3]
            if cid in periods_of and row[0] not in bad.tickets:
                tickets_of[cid].append(row)
                ticket_ids.append(row[0])

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
            if cid in periods_of and eid not in bad.expenses:
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


def _in_ids(column, ids: Iterable[int]):
    """``column IN (1, 2, ...)`` with the ids written into the statement: Peewee
    builds a parameter node per value (about 3.5 us each, 15 ms of a large
    plan's thousands of ids). They are integers read from the book, each passed
    through int(), so nothing but digits reaches the SQL."""
    return column.in_(SQL("(" + ",".join(str(int(i)) for i in ids) + ")"))


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
    billed_tickets: dict[tuple[int, str], list[int]] = defaultdict(list)
    # A ticket billed under a label was billed by a batch whose period overlaps
    # it (contract_periods only yields periods overlapping the batch's; version 6
    # took old rows' labels from their batch's invoices): the ledger rows are read
    # by those few batches (indexed) rather than by kind, which is every ticket
    # ever billed (most of a plan's SQL time on a two-year book).
    batch_ids = [b for (b,) in Batch.select(Batch.id).where(
        Batch.period.in_(_overlapping_labels(labels))).tuples()]
    for start in range(0, len(batch_ids), 5000):
        # the kind is checked here, not in SQL: there it makes SQLite read the
        # (kind, source, month) index over every ticket ever billed instead
        q = (BilledLedger.select(BilledLedger.source_kind, Ticket.contract, BilledLedger.period,
                                 BilledLedger.source_id)
             .join(Ticket, on=(BilledLedger.source_id == Ticket.id))
             .where(BilledLedger.batch.in_(batch_ids[start:start + 5000])
                    & BilledLedger.period.in_(labels) & _in_ids(Ticket.contract, ids)))
        for kind, cid, label, tid in q.tuples():
            if kind == "ticket":
                billed_tickets[(cid, label)].append(tid)
    all_tids = sorted({t for tids in billed_tickets.values() for t in tids})
    minutes_of: dict[int, int] = defaultdict(int)
    for start in range(0, len(all_tids), 5000):
        chunk = all_tids[start:start + 5000]
        left_out = {sid for (sid,) in BilledLedger.select(BilledLedger.source_id).join(
            TimeEntry, on=(BilledLedger.source_id == TimeEntry.id)).where(
            (BilledLedger.source_kind == "time_entry") & TimeEntry.ticket.in_(chunk)).tuples()}
        for tid, eid, m in _raw(TimeEntry.select(TimeEntry.ticket, TimeEntry.id, TimeEntry.minutes).where(
                TimeEntry.ticket.in_(chunk) & (TimeEntry.billable == True))):  # noqa: E712
            if eid not in left_out:
                minutes_of[tid] += m
    for key, tids in billed_tickets.items():
        out[key] = [sum(minutes_of[t] for t in tids), 1]
    for cid, label, month in BilledLedger.select(
            BilledLedger.source_id, BilledLedger.period, BilledLedger.month).where(
            (BilledLedger.source_kind == "overage") & _in_ids(BilledLedger.source_id, ids)
            & BilledLedger.period.in_(labels)).tuples():
        part = int(month.partition("#")[2] or 1)
        state = out.setdefault((cid, label), [0, 1])
        state[1] = max(state[1], part + 1)
    return {k: (v[0], v[1]) for k, v in out.items()}


def _overlapping_labels(labels: Iterable[str]) -> list[str]:
    """Every month, quarter and year label whose span overlaps one of ``labels``."""
    out: set[str] = set()
    for label in labels:
        span = parse_period(label)
        for month in months_of(span):
            day = parse_period(month).start
            out.update(unit_span(unit, day).label for unit in ("month", "quarter", "year"))
    return sorted(out)


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


_ONE = Decimal(1)
_ZERO = Decimal(0)
_AMOUNTS: dict[tuple[int, int], int] = {}
_SUFFIX = {"hourly": "", "block_hours": " (in block)"}
_RECURRING_KIND = {"retainer": "service_item", "per_device": "device", "block_hours": "block"}


def _closed_before(closed_at, end: dt.date) -> bool:
    """closed_at (a datetime, or ISO text as SQLite keeps it) is before the day ``end``."""
    if type(closed_at) is str:
        return closed_at[:10] < end.isoformat()
    return _datetime(closed_at).date() < end


def _line_amount(quantity: Decimal, unit_price: int) -> int:
    """line_amount, remembered: thousands of recurring charges, few distinct prices."""
    key = (quantity, unit_price)
    amount = _LINE_AMOUNTS.get(key)
    if amount is None:
        if len(_LINE_AMOUNTS) > 50_000:
            _LINE_AMOUNTS.clear()
        amount = _LINE_AMOUNTS[key] = line_amount(quantity, unit_price)
    return amount


_LINE_AMOUNTS: dict[tuple[Decimal, int], int] = {}


def _ticket_amount(minutes: int, rate: int) -> int:
    """line_amount(hours of the minutes, rate), remembered: a plan prices
    thousands of tickets with a few hundred (minutes, rate) pairs."""
    key = (minutes, rate)
    amount = _AMOUNTS.get(key)
    if amount is None:
        if len(_AMOUNTS) > 50_000:
            _AMOUNTS.clear()
        amount = _AMOUNTS[key] = line_amount(_hours(minutes), rate)
    return amount


def _entry_items(number, title, entries, rate, currency, taxable) -> tuple:
    """A ticket's time entries (time-entry detail, or one left out by itself); never
    locked themselves (a locked period locks the ticket)."""
    return tuple(
        PlanItem(f"time_entry:{e.id}", "time_entry",
                 f"{number} {e.started_at:%Y-%m-%d} {e.technician}: {e.note or title}",
                 hours_from_minutes(e.minutes) if e.billable else _ZERO,
                 rate if e.billable else 0,
                 line_amount(hours_from_minutes(e.minutes), rate) if e.billable else 0,
                 currency, taxable, False, "", e.minutes if e.billable else 0, e.minutes)
        for e in entries)


def _plan_contract(c, spans, today, detail, service_items, tickets, entries_of, expenses,
                   billed_recurring, billed_once, active=True, block_state=None,
                   batch_names=None) -> PlanContract | None:
    """The contract's periods and their items. Written for the thousands of
    contracts of a whole-book plan: items are made positionally with their
    lock already decided (not made, then copied locked), a ticket's hours and
    amount come from small caches, and one-period contracts (the usual case)
    put every ticket and expense in that period without a search."""
    currency = c.currency
    taxable = c.taxable
    ctype = c.type
    cid = c.id
    if len(spans) == 1:
        # the queries stop at the contract's own last period's end (compared as
        # stored; the day, compared here, settles a closing time stored without one)
        end = spans[0].end
        buckets_t = [[t for t in tickets if _closed_before(t[4], end)]] if tickets else [()]
        buckets_e = [[e for e in expenses if e.date < end]] if expenses else [()]
    else:
        buckets_t = [[] for _ in spans]
        buckets_e = [[] for _ in spans]
        ends = [s.end for s in spans]

        def bucket(day: dt.date) -> int | None:
            # Catch-up: anything before the first period lands in the first one;
            # anything after this contract's last period is not billable yet.
            for i, end in enumerate(ends):
                if day < end:
                    return i
            return None

        for t in tickets:
            i = bucket(_datetime(t[4]).date())
            if i is not None:
                buckets_t[i].append(t)
        for e in expenses:
            i = bucket(e.date)
            if i is not None:
                buckets_e[i].append(e)

    if ctype == "hourly":
        rate = c.hourly_rate
    else:
        rate = 0
    suffix = _SUFFIX.get(ctype, " (covered by contract)")
    recurring_kind = _RECURRING_KIND.get(ctype) if active else None  # inactive: a final bill
    is_block = ctype == "block_hours"
    periods = []
    project_offered = False
    block_state = block_state or {}
    batch_names = batch_names if batch_names is not None else _BatchNames()

    for i, s in enumerate(spans):
        label = s.label
        if c.billing_period == "on_demand" or s.end <= today:
            locked, reason = False, ""
        else:
            locked, reason = True, f"period {label} ends {s.last_day.isoformat()}: billable from {s.end.isoformat()}"
        items: list[PlanItem] = []
        if recurring_kind is not None:
            months = _months(s)
            if recurring_kind == "service_item":
                sources = [(si.id, si) for si in service_items]
            else:
                sources = [(cid, None)]
            for sid, si in sources:
                billed = [(m, billed_recurring[(recurring_kind, sid, m)]) for m in months
                          if (recurring_kind, sid, m) in billed_recurring]
                if not billed:
                    item_locked, item_reason = locked, reason
                elif len(billed) < len(months):
                    # some months billed (the contract was retyped, or on_demand
                    # billed under another label): shown locked, naming the month
                    month, (batch_id, billed_label) = billed[0]
                    item_locked = True
                    item_reason = reason if locked else (
                        f"{month} is billed already (under {billed_label}, batch "
                        f"{batch_names[batch_id]!r}): a charge is billed once per month, so "
                        f"{label} cannot be billed whole; bill the other months under their "
                        f"own label, or void that invoice first")
                else:
                    continue
                if si is not None:
                    items.append(PlanItem(
                        f"service_item:{sid}@{label}", "service_item", si.description, si.quantity,
                        si.unit_price, _line_amount(si.quantity, si.unit_price), currency, taxable,
                        item_locked, item_reason))
                elif recurring_kind == "device":
                    qty = Decimal(c.device_count)
                    items.append(PlanItem(
                        f"device:{cid}@{label}", "device",
                        f"Device monitoring: {c.device_count} devices", qty, c.device_rate,
                        _line_amount(qty, c.device_rate), currency, taxable, item_locked, item_reason))
                else:
                    items.append(PlanItem(
                        f"block:{cid}@{label}", "block", f"Block of {quantity_str(c.block_hours)} hours",
                        _ONE, c.block_fee, c.block_fee, currency, taxable, item_locked, item_reason))
        elif ctype == "project_fixed" and not project_offered and ("project", cid) not in billed_once:
            project_offered = True
            items.append(PlanItem(
                f"project:{cid}", "project", f"Project fee: {c.name}", _ONE, c.fixed_fee, c.fixed_fee,
                currency, taxable, locked, reason))
        period_tickets = buckets_t[i]
        for tid, number, title, _, _, billable, worked in period_tickets:
            billable = int(billable)  # a SUM: Decimal on PostgreSQL
            entries = entries_of.get(tid)
            if entries:  # time-entry detail, or an entry of this ticket left out one by one
                children = _entry_items(number, title, entries, rate, currency, taxable)
                if detail == "time_entry":
                    amount = sum(ch.amount for ch in children)
                else:
                    amount = _ticket_amount(billable, rate) if rate else 0
            else:
                children = ()
                amount = _ticket_amount(billable, rate) if rate else 0
            items.append(PlanItem(
                f"ticket:{tid}", "ticket", f"{number} {title}{suffix}", _hours(billable), rate, amount,
                currency, taxable, locked, reason, billable, int(worked), children))
        if is_block:
            billed_minutes, overage_part = block_state.get((cid, label), (0, 1))
            if period_tickets:
                over = _overage_item(c, label, [it for it in items if it.kind == "ticket"], billed_minutes)
                if locked:
                    over.locked, over.lock_reason = True, reason
                items.append(over)
        else:
            billed_minutes, overage_part = 0, 1
        for e in buckets_e[i]:
            items.append(PlanItem(
                f"expense:{e.id}", "expense", e.description, _ONE, e.amount, e.amount, currency,
                taxable, locked, reason))
        if not items:
            continue
        periods.append(PlanPeriod(
            f"contract:{cid}@{label}", label, s.start, s.end, locked, reason, tuple(items),
            c.block_hours if is_block else None, c.overage_rate if is_block else 0,
            billed_minutes, overage_part))
    if not periods:
        return None
    return PlanContract(f"contract:{cid}", cid, c.name, ctype, c.billing_period, currency, taxable,
                        tuple(periods))


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


def _overage_item(c: Contract, label: str, ticket_items: list[PlanItem], billed_minutes: int = 0) -> PlanItem:
    minutes = _overage_minutes(c.block_hours, ticket_items, billed_minutes)
    hours = hours_from_minutes(minutes)
    return PlanItem(
        ref=f"overage:{c.id}@{label}", kind="overage",
        description=f"Overage over the {quantity_str(c.block_hours)} h block",
        quantity=hours, unit_price=c.overage_rate, amount=line_amount(hours, c.overage_rate),
        currency=c.currency, taxable=c.taxable, minutes=minutes)
