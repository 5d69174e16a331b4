"""Drafts: a batch's period, customers, detail and exclusions, kept so a
review can be resumed; every change is a guarded transition on a draft.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Iterable

from store.audit import current_actor
from store.domain import BatchSummary, Plan
from store.errors import ValidationError
from store.invoices import find_batch
from store.models import DETAIL_LEVELS, AuditEvent, Batch, Customer, Invoice
from store.periods import parse_period
from store.txn import write_transaction
from store.billing.planning import _resolve_customers, plan
from store.billing.refs import _encode_refs, check_refs
from store.billing.selection import selected_refs


@dataclass(frozen=True)
class Draft:
    summary: BatchSummary
    period: str
    customers: list[str] | None
    detail: str
    excluded: frozenset[str]


def _batch_row(batch: int | str) -> Batch:
    """A batch by id or exact name (NotFoundError otherwise)."""
    return find_batch(batch)


def summarize(row: Batch) -> BatchSummary:
    invoices = list(
        Invoice.select(Invoice.number, Invoice.currency, Invoice.total, Invoice.status)
        .where(Invoice.batch == row.id).order_by(Invoice.sequence).tuples()
    )
    totals: dict[str, int] = defaultdict(int)
    live = 0
    for _, currency, total, status in invoices:
        if status != "void":  # a void invoice is owed by nobody: not in the total
            totals[currency] += total
            live += 1
    return BatchSummary(
        id=row.id, name=row.name, period=row.period, status=row.status,
        created_at=row.created_at, created_by=row.created_by, invoice_count=len(invoices),
        invoice_numbers=tuple(n for n, *_ in invoices), totals=tuple(sorted(totals.items())),
        void_reason=row.void_reason, live_count=live)


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
    seen = reviewed or plan(span.label, ids, detail, refs, today=today)
    idle = idle_customers(seen, ids)
    if not selected_refs(seen, frozenset()):
        asked = f" (customers: {', '.join(idle)})" if ids else ""
        raise ValidationError(f"nothing to bill for {span.label}{asked}: every item is billed already or "
                              "not billable yet (`batchbill batch plan` shows why); no batch was created")
    with write_transaction(f"creating batch {name!r}"):
        if Batch.get_or_none(Batch.name == name) is not None:
            raise ValidationError(f"a batch named {name!r} exists already")
        row = Batch.create(
            name=name, period=span.label, created_by=actor, detail=detail,
            customer_ids=json.dumps(ids) if ids else "", excluded=json.dumps(sorted(refs)),
            reviewed=_encode_refs(selected_refs(seen, refs)), status="draft")
        _audit(actor, "batch.create", f"batch:{row.id}", name=name, period=span.label)
    return replace(summarize(row), nothing_to_bill=tuple(idle))


def idle_customers(p: Plan, customer_ids: Iterable[int] | None) -> list[str]:
    """The names of the customers asked for (by id, in that order) that have
    nothing billable in the plan (no items, or only locked ones); none asked: []."""
    if not customer_ids:
        return []
    billable = {c.id for c in p.customers
                if any(not it.locked for co in c.contracts for pe in co.periods for it in pe.items)}
    idle = [i for i in dict.fromkeys(customer_ids) if i not in billable]
    if not idle:
        return []
    names = dict(Customer.select(Customer.id, Customer.name).where(Customer.id.in_(idle)).tuples())
    return [names[i] for i in idle if i in names]


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
    # the exclusions go in: a time entry left out at time-entry detail is a child of
    # its ticket at every level only when the plan knows it is left out
    p = plan(draft.period, draft.customers, draft.detail, draft.excluded, today=today)
    return draft, p
