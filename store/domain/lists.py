"""The rows of the lists: batches, invoices and search hits."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class BatchSummary:
    id: int
    name: str
    period: str
    status: str
    created_at: dt.datetime
    created_by: str
    invoice_count: int = 0
    invoice_numbers: tuple[str, ...] = ()
    # (currency, total minor) of the invoices that stand: a void invoice counts for
    # nothing, so a voided batch has no total (its numbers stay in invoice_numbers)
    totals: tuple[tuple[str, int], ...] = ()
    void_reason: str | None = None
    live_count: int = 0  # invoices not void (invoice_count counts every number used)
    # customers the batch was asked for by name that have nothing to bill (create_batch
    # names them rather than leave them out silently)
    nothing_to_bill: tuple[str, ...] = ()


@dataclass(frozen=True)
class InvoiceSummary:
    number: str
    batch_id: int
    batch_name: str
    customer: str
    currency: str
    issue_date: dt.date
    total: int
    status: str
    created_at: dt.datetime | None = None
    due_date: dt.date | None = None


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "invoice" | "batch"
    key: str  # invoice number or batch id
    title: str
    subtitle: str
    currency: str = ""
    amount: int = 0
    date: dt.date | None = None
    # what the query matched: "number", "customer", "batch", "line text", "amount"
    # (an invoice), "name", "period" (a batch); several joined by ", "
    matched: str = ""

    @property
    def where(self) -> str:
        """The search's Where column, in the app and on the command line alike:
        what matched, then the status and batch ('by number · issued · Demo 2026-06')."""
        return f"by {self.matched} · {self.subtitle}" if self.matched else self.subtitle
