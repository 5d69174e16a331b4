"""Search over invoices and batches: invoice number, customer, batch name,
line text and amounts, newest first, paged.

On SQLite an FTS5 table (``invoice_fts``, rowid = invoice id) and on
PostgreSQL a ``tsvector`` column with a GIN index. Both are written by
:func:`index_invoices` inside the transaction that saves the invoices.
"""
from __future__ import annotations

import re

from store.db import db, is_postgres
from store.domain import SearchHit
from store.models import Batch, Customer, Invoice, InvoiceLine
from store.money import format_minor

PAGE_SIZE = 20
_TOKEN = re.compile(r"[0-9A-Za-z\u00C0-\uFFFF]+")


def create_search_index(database) -> None:
    if is_postgres(database):
        database.execute_sql(
            "CREATE TABLE IF NOT EXISTS invoice_search ("
            " invoice_id BIGINT PRIMARY KEY REFERENCES invoice(id) ON DELETE CASCADE,"
            " document TEXT NOT NULL,"
            " tsv TSVECTOR NOT NULL)"
        )
        database.execute_sql(
            "CREATE INDEX IF NOT EXISTS invoice_search_tsv ON invoice_search USING GIN (tsv)"
        )
    else:
        database.execute_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS invoice_fts USING fts5("
            "number, customer, batch, body, amounts, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )


def _amount_forms(minor: int, currency: str) -> str:
    text = format_minor(minor, currency)
    return f"{text} {text.replace('.', '')}"


def index_invoices(invoice_ids: list[int]) -> None:
    """(Re)index these invoices. Call inside the transaction that wrote them."""
    if not invoice_ids:
        return
    database = db.obj
    for start in range(0, len(invoice_ids), 500):
        chunk = invoice_ids[start : start + 500]
        rows = (
            Invoice.select(
                Invoice.id, Invoice.number, Invoice.currency, Invoice.total,
                Invoice.subtotal, Customer.name, Batch.name.alias("batch_name"),
            )
            .join(Customer).switch(Invoice).join(Batch)
            .where(Invoice.id.in_(chunk))
            .dicts()
        )
        bodies: dict[int, list[str]] = {i: [] for i in chunk}
        amounts: dict[int, list[str]] = {i: [] for i in chunk}
        currencies: dict[int, str] = {}
        headers = {}
        for row in rows:
            headers[row["id"]] = row
            currencies[row["id"]] = row["currency"]
            amounts[row["id"]].append(_amount_forms(row["total"], row["currency"]))
            amounts[row["id"]].append(_amount_forms(row["subtotal"], row["currency"]))
        for line in (
            InvoiceLine.select(InvoiceLine.invoice, InvoiceLine.description, InvoiceLine.amount)
            .where(InvoiceLine.invoice.in_(chunk))
            .tuples()
        ):
            inv_id, desc, amount = line
            bodies[inv_id].append(desc)
            amounts[inv_id].append(_amount_forms(amount, currencies.get(inv_id, "USD")))
        records = []
        for inv_id, h in headers.items():
            records.append(
                (inv_id, h["number"], h["name"], h["batch_name"],
                 " ".join(bodies[inv_id]), " ".join(amounts[inv_id]))
            )
        if is_postgres(database):
            database.execute_sql(
                "DELETE FROM invoice_search WHERE invoice_id = ANY(%s)", (list(chunk),)
            )
            for rec in records:
                document = " ".join(rec[1:])
                database.execute_sql(
                    "INSERT INTO invoice_search (invoice_id, document, tsv) "
                    "VALUES (%s, %s, to_tsvector('simple', %s))",
                    (rec[0], document, _pg_normalise(document)),
                )
        else:
            marks = ",".join("?" * len(chunk))
            database.execute_sql(f"DELETE FROM invoice_fts WHERE rowid IN ({marks})", chunk)
            cursor = database.cursor()
            cursor.executemany(
                "INSERT INTO invoice_fts (rowid, number, customer, batch, body, amounts) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                records,
            )


def _pg_normalise(text: str) -> str:
    return " ".join(_TOKEN.findall(text.lower()))


def query_tokens(query: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(query.replace(",", ""))]


def _fts5_expression(query: str) -> str:
    """Each word of the query a quoted phrase with a prefix match, all required."""
    parts = []
    for word in query.replace(",", "").split():
        tokens = _TOKEN.findall(word)
        if tokens:
            parts.append('"' + " ".join(tokens) + '"*')
    return " AND ".join(parts)


def matching_invoice_ids(query: str, limit: int, offset: int = 0) -> list[int]:
    """Ids of matching invoices, newest first (highest id first)."""
    database = db.obj
    if is_postgres(database):
        tokens = query_tokens(query)
        if not tokens:
            return []
        tsquery = " & ".join(f"{t}:*" for t in tokens)
        cursor = database.execute_sql(
            "SELECT invoice_id FROM invoice_search WHERE tsv @@ to_tsquery('simple', %s) "
            "ORDER BY invoice_id DESC LIMIT %s OFFSET %s",
            (tsquery, limit, offset),
        )
        return [r[0] for r in cursor.fetchall()]
    expression = _fts5_expression(query)
    if not expression:
        return []
    cursor = database.execute_sql(
        "SELECT rowid FROM invoice_fts WHERE invoice_fts MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?",
        (expression, limit, offset),
    )
    return [r[0] for r in cursor.fetchall()]


def search(query: str, page: int = 0, page_size: int = PAGE_SIZE) -> list[SearchHit]:
    """Invoices and batches matching the query, newest first.

    Batches (by name or period) come first on page 0; invoices follow.
    """
    query = (query or "").strip()
    if not query:
        return []
    hits: list[SearchHit] = []
    if page == 0:
        words = query_tokens(query)
        batches = Batch.select().order_by(Batch.id.desc()).limit(5)
        for word in words:
            batches = batches.where(
                Batch.name.contains(word) | Batch.period.contains(word)
            )
        for b in batches:
            hits.append(
                SearchHit(kind="batch", key=str(b.id), title=b.name,
                          subtitle=f"{b.period} · {b.status}", date=b.created_at.date())
            )
    ids = matching_invoice_ids(query, page_size, page * page_size)
    if ids:
        rows = {
            r["id"]: r
            for r in Invoice.select(
                Invoice.id, Invoice.number, Invoice.currency, Invoice.total,
                Invoice.issue_date, Invoice.status, Customer.name, Batch.name.alias("batch_name"),
            ).join(Customer).switch(Invoice).join(Batch).where(Invoice.id.in_(ids)).dicts()
        }
        for inv_id in ids:
            r = rows.get(inv_id)
            if r is None:
                continue
            hits.append(
                SearchHit(kind="invoice", key=r["number"], title=f"{r['number']} {r['name']}",
                          subtitle=f"{r['batch_name']} · {r['status']}", currency=r["currency"],
                          amount=r["total"], date=r["issue_date"])
            )
    return hits
