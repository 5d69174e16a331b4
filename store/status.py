"""A summary of what a database holds (``batchbill status``)."""
from __future__ import annotations

from peewee import fn

from store.db import db
from store.migrations import current_version
from store.models import (
    CONTRACT_TYPES,
    TICKET_STATUSES,
    Batch,
    BilledLedger,
    Contract,
    Customer,
    Expense,
    Invoice,
    Ticket,
    TimeEntry,
)


def database_status() -> dict:
    contracts = {t: 0 for t in CONTRACT_TYPES}
    for kind, count in Contract.select(Contract.type, fn.COUNT(Contract.id)).group_by(Contract.type).tuples():
        contracts[kind] = count
    tickets = {s: 0 for s in TICKET_STATUSES}
    for status, count in Ticket.select(Ticket.status, fn.COUNT(Ticket.id)).group_by(Ticket.status).tuples():
        tickets[status] = count
    batches = {}
    for status, count in Batch.select(Batch.status, fn.COUNT(Batch.id)).group_by(Batch.status).tuples():
        batches[status] = count
    return {
        "database": getattr(db.obj, "batchbill_target", str(db.obj.database)),
        "schema_version": current_version(db.obj),
        "customers": Customer.select().count(),
        "regions": sorted(r for (r,) in Customer.select(Customer.region).distinct().tuples()),
        "currencies": sorted(
            {c for (c,) in Customer.select(Customer.currency).distinct().tuples()}
            | {c for (c,) in Contract.select(Contract.currency).distinct().tuples()}
        ),
        "contracts": contracts,
        "tickets": tickets,
        "time_entries": TimeEntry.select().count(),
        "expenses": Expense.select().count(),
        "batches": sum(batches.values()),
        "batches_by_status": batches,
        "invoices": Invoice.select().count(),
        "billed_twice": ledger_overlaps(),
    }


def ledger_overlaps() -> list[dict]:
    """Months of recurring charges billed twice before the month-keyed ledger
    (schema v6), found by its migration and kept visible until one of the two
    invoices is voided: {source, month, batch, period} of each second billing."""
    rows = (BilledLedger.select(BilledLedger.source_kind, BilledLedger.source_id, BilledLedger.month,
                                BilledLedger.period, Batch.name)
            .join(Batch, on=(BilledLedger.batch == Batch.id))
            .where(BilledLedger.month.contains("!overlap")).order_by(BilledLedger.id).tuples())
    return [{"source": f"{kind}:{sid}", "month": month.partition("!")[0], "batch": name, "period": period}
            for kind, sid, month, period, name in rows]
