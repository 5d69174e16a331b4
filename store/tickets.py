"""Tickets for the terminal app's read-only Tickets area: by customer, with
their status and, for a billed ticket, the invoice and batch that billed it
(from the billed ledger) and why it cannot be changed. Paged in SQL."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import JOIN, fn

from store.db import db, is_postgres
from store.search import fold, has_word, query_words
from store.models import Batch, BilledLedger, Contract, Customer, Invoice, Ticket

PAGE_SIZE = 20
# one short sentence: the Tickets area shows it on one line at 80 columns (issue 12)
LOCKED = "Billed: it cannot be edited, reopened or deleted until its invoice is void."


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
        return LOCKED

    @property
    def billed_by(self) -> str:
        """The invoice and batch that billed it ('' for one not billed)."""
        if self.status != "billed":
            return ""
        where = f"invoice {self.invoice_number}" if self.invoice_number else "an invoice"
        batch = f" of batch {self.batch_name}" if self.batch_name else ""
        return f"Billed by {where}{batch}."


def _fold_table() -> tuple[str, str, dict[str, str]]:
    """(from, to) for SQL translate() and the characters that fold to several
    (ß -> ss): every Latin letter with an accent, either case, as
    :func:`store.search.fold` writes it."""
    singles_from, singles_to, multiple = [], [], {}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        folded = fold(ch)
        if folded == ch or not folded:
            continue
        if len(folded) == 1:
            singles_from.append(ch)
            singles_to.append(folded)
        else:
            multiple[ch] = folded
    for ch in "ẞ":
        multiple[ch] = fold(ch)
    return "".join(singles_from), "".join(singles_to), multiple


_FOLD = _fold_table()


def _ids_named(model, words: list[list[str]]) -> list[list[int]]:
    """For each query word (its folded forms, :func:`store.search.word_forms`), the
    ids of the customers (or contracts) whose folded name holds one of them."""
    found: list[list[int]] = [[] for _ in words]
    for row_id, name in model.select(model.id, model.name).tuples():
        text = fold(name)
        for n, forms in enumerate(words):
            if has_word(forms, text):
                found[n].append(row_id)
    return found


def _folded(column):
    """The column as :func:`store.search.fold` writes text: on SQLite the same
    Python function (store.db.sql_fold, on every connection), on PostgreSQL translate()
    and lower() (no extension needed), so both find the same tickets."""
    database = db.obj
    if is_postgres(database):
        source, target, multiple = _FOLD
        expr = fn.translate(column, source, target)
        for ch, folded in multiple.items():
            expr = fn.replace(expr, ch, folded)
        return fn.lower(expr)
    return fn.bb_fold(column)  # registered on every connection (store.db.make_database)


def list_tickets(query: str = "", page: int = 0, page_size: int = PAGE_SIZE,
                 status: str | None = None) -> list[TicketRow]:
    """One page of tickets by customer, then newest first; ``query`` finds the
    ticket number, title, customer or contract (case-insensitive), an invoice
    number finds the tickets it billed, accents and case ignored (as ``/``);
    ``status`` keeps one status."""
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
    words = query_words(query)
    if words:
        # accent- and case-blind, as `/` and the dashboard's searches (store.search.fold):
        # "zoe" finds Zoë Café, "cafe" its "Café" ticket, "koehler" Köhler (a word's
        # umlaut readings, store.search.word_forms). Customers and contracts are
        # few: their names are folded here; a ticket's title is folded in SQL.
        customers = _ids_named(Customer, words)
        contracts = _ids_named(Contract, words)
        for n, forms in enumerate(words):
            word = forms[0]  # the word folded
            title = _folded(Ticket.title).contains(word)
            for form in forms[1:]:
                title = title | _folded(Ticket.title).contains(form)
            rows = rows.where(Ticket.number.contains(word) | title
                              | Ticket.customer.in_(customers[n]) | Ticket.contract.in_(contracts[n])
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
