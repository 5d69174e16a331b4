"""Paged lists for the terminal app's screens: batches, invoices and a change
token that tells a screen whether anything changed since it last looked.

Each list is one or two queries, newest first, paged in SQL with
LIMIT/OFFSET, filtered by the search box text as ``/`` finds (store.search)
and ranked as it ranks: what the text names by number, name or period first.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import Case, fn

from store.domain import BatchSummary, InvoiceSummary
from store.models import AuditEvent, Batch, Customer, Invoice

PAGE_SIZE = 20


def change_token() -> int:
    """The id of the newest audit event (0 for none): every change writes one,
    so a screen reloads only when this number moved."""
    value = AuditEvent.select(fn.MAX(AuditEvent.id)).scalar()
    return int(value or 0)


def _like(text: str) -> str:
    return (text or "").strip()


def list_batches(query: str = "", page: int = 0, page_size: int = PAGE_SIZE,
                 status: str | None = None) -> list[BatchSummary]:
    """One page of batches, newest first, filtered as ``/`` finds them
    (:func:`store.search.batch_matches`: name or period, accent- and
    case-blind, or an invoice of the batch: its number, customer, lines).

    ``invoice_numbers`` holds the first and the last number of the batch (the
    numbers of a batch are consecutive), not every number: a batch for 2,000
    customers would otherwise drag 2,000 strings per row into a list.
    """
    rows = Batch.select().order_by(Batch.id.desc())
    q = _like(query)
    if status:
        rows = rows.where(Batch.status == status)
    if q:
        from store.search import batch_matches

        named, ids = batch_matches(q)
        if not ids:
            return []
        rows = rows.where(Batch.id.in_(sorted(ids, reverse=True)))
        # ranked as ``/`` ranks: the batches the query names (name or period) first
        if named and len(named) < len(ids):
            rows = rows.order_by(Case(None, [(Batch.id.in_(named), 0)], 1), Batch.id.desc())
    batches = list(rows.limit(page_size).offset(page * page_size))
    if not batches:
        return []
    ids = [b.id for b in batches]
    stats: dict[int, dict] = {i: {"count": 0, "live": 0, "first": None, "last": None, "totals": []}
                              for i in ids}
    standing = Case(None, [(Invoice.status == "void", 0)], 1)
    aggregate = (
        Invoice.select(
            Invoice.batch, Invoice.currency, fn.COUNT(Invoice.id), fn.SUM(Invoice.total * standing),
            fn.SUM(standing), fn.MIN(Invoice.sequence), fn.MAX(Invoice.sequence),
        )
        .where(Invoice.batch.in_(ids))
        .group_by(Invoice.batch, Invoice.currency)
        .order_by(Invoice.batch, Invoice.currency)
        .tuples()
    )
    sequences: set[int] = set()
    for batch_id, currency, count, total, live, low, high in aggregate:
        s = stats[batch_id]
        s["count"] += count
        s["live"] += int(live or 0)
        if live:  # the invoices that stand: a void one is owed by nobody (a voided batch: no total)
            s["totals"].append((currency, int(total or 0)))
        s["first"] = low if s["first"] is None else min(s["first"], low)
        s["last"] = high if s["last"] is None else max(s["last"], high)
        sequences.update((low, high))
    numbers = {}
    if sequences:
        numbers = dict(
            Invoice.select(Invoice.sequence, Invoice.number)
            .where(Invoice.sequence.in_(sorted(sequences))).tuples()
        )
    result = []
    for b in batches:
        s = stats[b.id]
        shown: tuple[str, ...] = ()
        if s["first"] is not None:
            shown = (numbers[s["first"]],) if s["first"] == s["last"] else (
                numbers[s["first"]], numbers[s["last"]])
        result.append(BatchSummary(
            id=b.id, name=b.name, period=b.period, status=b.status,
            created_at=b.created_at, created_by=b.created_by,
            invoice_count=s["count"], invoice_numbers=shown,
            totals=tuple(s["totals"]), void_reason=b.void_reason, live_count=s["live"],
        ))
    return result


def recent_invoices(query: str = "", page: int = 0, page_size: int = PAGE_SIZE,
                    batch_id: int | None = None, customer_id: int | None = None) -> list[InvoiceSummary]:
    """One page of invoices, newest first, filtered as ``/`` finds them (its
    index: number, customer, batch, line text, amounts; accent- and case-blind);
    only one batch's when ``batch_id`` is given, one customer's for ``customer_id``."""
    rows = (
        Invoice.select(
            Invoice.number, Invoice.batch, Invoice.currency, Invoice.issue_date, Invoice.due_date,
            Invoice.total, Invoice.status, Customer.name.alias("customer_name"),
            Batch.name.alias("batch_name"), Batch.saved_at.alias("saved_at"),
            Batch.created_at.alias("batch_created"),
        )
        .join(Customer).switch(Invoice).join(Batch)
        .order_by(Invoice.id.desc())
    )
    q = _like(query)
    if batch_id is not None:
        rows = rows.where(Invoice.batch == batch_id)
    if customer_id is not None:
        rows = rows.where(Invoice.customer == customer_id)
    if q:
        from store.search import MATCH_CAP, matching_invoice_ids, number_matches

        by_number = number_matches(q)
        if batch_id is None and customer_id is None:  # the index pages: only this page's ids
            ids = matching_invoice_ids(q, page_size, page * page_size, by_number)
            page = 0
        else:
            ids = matching_invoice_ids(q, MATCH_CAP, by_number=by_number)
        if not ids:
            return []
        rows = rows.where(Invoice.id.in_(ids))
        if by_number:  # ranked as ``/`` ranks: the invoice the query names by its number first
            rows = rows.order_by(Case(None, [(Invoice.id.in_(by_number), 0)], 1), Invoice.id.desc())
    out = []
    for r in rows.limit(page_size).offset(page * page_size).dicts():
        created = r["saved_at"] or r["batch_created"]
        out.append(InvoiceSummary(
            number=r["number"], batch_id=r["batch"], batch_name=r["batch_name"],
            customer=r["customer_name"], currency=r["currency"],
            issue_date=r["issue_date"], total=int(r["total"]), status=r["status"],
            created_at=created, due_date=r["due_date"],
        ))
    return out


_EURO_AREA = ("AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU",
              "LV", "MT", "NL", "PT", "SI", "SK")
REGION_CURRENCY = {
    "US": "USD", "CA": "CAD", "UK": "GBP", "GB": "GBP", "AU": "AUD", "NZ": "NZD", "CH": "CHF",
    "IL": "ILS", "JP": "JPY", "SE": "SEK", "NO": "NOK", "DK": "DKK", "PL": "PLN", "CZ": "CZK",
    "HU": "HUF", "IN": "INR", "SG": "SGD", "ZA": "ZAR", "MX": "MXN", "BR": "BRL",
    **{code: "EUR" for code in _EURO_AREA},
}


def home_currency() -> str | None:
    """The currency of the shop's home region (setting ``home_region``), or
    None for a region we do not know the currency of."""
    from store import settings

    return REGION_CURRENCY.get(str(settings.get("home_region") or "").upper())


def exported_count(batch_id: int) -> int:
    """How many invoices of the batch that stand (not void already) were exported
    (so that voiding it there is not enough: the accounting system has them too)."""
    return (Invoice.select()
            .where((Invoice.batch == batch_id) & (Invoice.status != "void")
                   & ((Invoice.status == "exported") | Invoice.exported_at.is_null(False)))
            .count())


@dataclass(frozen=True)
class ShopActivity:
    """What the shop billed per month (issued or exported invoices), per currency."""

    months: tuple[str, ...]  # "2026-01" ... oldest first
    totals: dict[str, tuple[int, ...]]  # currency -> minor units per month
    invoice_counts: tuple[int, ...]


def shop_activity(today: dt.date | None = None, months: int = 12) -> ShopActivity:
    """Invoiced totals of the last ``months`` months (by issue date), not voided."""
    today = today or dt.date.today()
    keys = []
    y, m = today.year, today.month
    for _ in range(months):
        keys.append(f"{y:04d}-{m:02d}")
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    keys.reverse()
    start = dt.date(int(keys[0][:4]), int(keys[0][5:]), 1)
    totals: dict[str, list[int]] = {}
    counts = [0] * months
    index = {k: i for i, k in enumerate(keys)}
    # summed per day in SQL (a few hundred rows, not every invoice of the year)
    rows = (
        Invoice.select(Invoice.issue_date, Invoice.currency, fn.SUM(Invoice.total), fn.COUNT(Invoice.id))
        .where((Invoice.issue_date >= start) & (Invoice.status != "void"))
        .group_by(Invoice.issue_date, Invoice.currency)
        .tuples()
    )
    for issue_date, currency, total, count in rows:
        if isinstance(issue_date, str):
            issue_date = dt.date.fromisoformat(issue_date)
        i = index.get(f"{issue_date.year:04d}-{issue_date.month:02d}")
        if i is None:
            continue
        totals.setdefault(currency, [0] * months)[i] += int(total)
        counts[i] += int(count)
    return ShopActivity(
        months=tuple(keys), totals={c: tuple(v) for c, v in totals.items()},
        invoice_counts=tuple(counts),
    )


def customer_names(prefix: str, limit: int = 10) -> list[str]:
    """Active customers whose name starts with ``prefix``, by name, ignoring case
    and accents ("mull" or "muell" finds "Müller & Söhne GmbH", as search does): the
    new-batch dialog completes names with it."""
    from store.models import Customer

    from store.search import word_forms

    wanted = fold(prefix or "").strip()
    if not wanted:
        return []
    forms = tuple(word_forms(wanted))  # "koeh" finds Köhler as "koh" does
    out = []
    for (name,) in (Customer.select(Customer.name).where(Customer.active)
                    .order_by(Customer.name).tuples()):
        if fold(name).startswith(forms):
            out.append(name)
            if len(out) >= limit:
                break
    return out


def fold(text: str) -> str:
    """Text for matching: accents dropped, case folded (Ü -> u, ß -> ss)."""
    from store.search import fold as folded

    return folded(text)
