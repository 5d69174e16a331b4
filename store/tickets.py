"""Tickets for the terminal app's read-only Tickets area: by customer, with
their status and, for a billed ticket, the invoice and batch that billed it
(from the billed ledger) and why it cannot be changed. Paged in SQL."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import JOIN

from store.models import Batch, BilledLedger, Contract, Customer, Invoice, Ticket

PAGE_SIZE = 20
LOCKED = ("billed tickets, their time entries and expenses cannot be edited, reopened or deleted; "
          "void the invoice or its batch first")


@dataclass(frozen=True)
class TicketRow:
    id: int
    number: str
    customer: str
    contract: str | None
    title: str
    status: str  # open | closed | billed
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    invoice_number: str | None = None  # billed: the invoice and batch that billed it
    batch_id: int | None = None
    batch_name: str | None = None

    @property
    def why_locked(self) -> str:
        """Why a billed ticket cannot be changed ('' for one that can)."""
        if self.status != "billed":
            return ""
        where = f"invoice {self.invoice_number}" if self.invoice_number else "an invoice"
        batch = f" of batch {self.batch_name}" if self.batch_name else ""
        return f"Billed by {where}{batch}: {LOCKED}"


def list_tickets(query: str = "", page: int = 0, page_size: int = PAGE_SIZE,
                 status: str | None = None) -> list[TicketRow]:
    """One page of tickets by customer, then newest first; ``query`` finds the
    ticket number, title, customer or contract (case-insensitive), an invoice
    number finds the tickets it billed; ``status`` keeps one status."""
    ledger = BilledLedger.alias()
    rows = (
        Ticket.select(Ticket.id, Ticket.number, Ticket.title, Ticket.status, Ticket.opened_at,
                      Ticket.closed_at, Customer.name.alias("customer_name"),
                      Contract.name.alias("contract_name"), Invoice.number.alias("invoice_number"),
                      Batch.id.alias("batch_id"), Batch.name.alias("batch_name"))
        .join(Customer, on=(Ticket.customer == Customer.id))
        .switch(Ticket).join(Contract, JOIN.LEFT_OUTER, on=(Ticket.contract == Contract.id))
        .switch(Ticket).join(ledger, JOIN.LEFT_OUTER,
                             on=((ledger.source_kind == "ticket") & (ledger.source_id == Ticket.id)))
        .join(Invoice, JOIN.LEFT_OUTER, on=(ledger.invoice == Invoice.id))
        .switch(ledger).join(Batch, JOIN.LEFT_OUTER, on=(ledger.batch == Batch.id))
        .order_by(Customer.name, Ticket.id.desc())
    )
    for word in (query or "").split():
        rows = rows.where(Ticket.number.contains(word) | Ticket.title.contains(word)
                          | Customer.name.contains(word) | Contract.name.contains(word)
                          | Invoice.number.contains(word))
    if status:
        rows = rows.where(Ticket.status == status)
    return [
        TicketRow(id=r["id"], number=r["number"], customer=r["customer_name"], contract=r["contract_name"],
                  title=r["title"], status=r["status"], opened_at=r["opened_at"], closed_at=r["closed_at"],
                  invoice_number=r["invoice_number"] if r["status"] == "billed" else None,
                  batch_id=r["batch_id"] if r["status"] == "billed" else None,
                  batch_name=r["batch_name"] if r["status"] == "billed" else None)
        for r in rows.limit(page_size).offset(page * page_size).dicts()
    ]
