"""Voiding: a saved batch, or one invoice of it; guarded transitions inside the
transaction, items released, numbers kept, who and why audited.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from store.audit import current_actor
from store.domain import BatchSummary
from store.errors import NotFoundError, ValidationError
from store.benchmark.facts import refresh_batch as refresh_facts
from store.models import Batch, BilledLedger, Invoice, Ticket
from store.txn import write_transaction
from store.billing.drafts import _audit, _batch_row, summarize


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
