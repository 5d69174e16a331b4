"""Bulk writing of the demo's rows: buffered per table, parents before children,
ids assigned by the generator."""
from __future__ import annotations

from store.db import db, is_postgres
from store.models import CUSTOMER_IDENTITY_FIELDS, Contract, Customer, Expense, ServiceItem, Ticket, TimeEntry

# --------------------------------------------------------------------------- writer
class _BulkWriter:
    """Buffers rows per table and writes them in bulk, parents before children.

    SQLite goes through the raw cursor's executemany (about twice as fast as
    building INSERT statements); PostgreSQL through ``insert_many`` chunks.
    Values are already in a form both accept (text dates, bools, text decimals).
    """

    ORDER = (Customer, Contract, ServiceItem, Ticket, TimeEntry, Expense)

    def __init__(self, columns: dict, flush_rows: int = 20000):
        self.columns = columns
        self.rows = {model: [] for model in self.ORDER}
        self.flush_rows = flush_rows
        self.postgres = is_postgres()
        # rows written per table name, for the statistics afterwards (store/stats.py)
        self.written = {model._meta.table_name: 0 for model in self.ORDER}

    def add(self, model, row: tuple) -> None:
        self.rows[model].append(row)

    def pending(self) -> int:
        return sum(len(r) for r in self.rows.values())

    def flush(self) -> None:
        for model in self.ORDER:
            rows = self.rows[model]
            if not rows:
                continue
            names = self.columns[model]
            self.written[model._meta.table_name] += len(rows)
            if self.postgres:
                fields = [model._meta.fields[n] for n in names]
                for start in range(0, len(rows), 1000):
                    model.insert_many(rows[start:start + 1000], fields=fields).execute()
            else:
                table = model._meta.table_name
                cols = ", ".join(f'"{model._meta.fields[n].column_name}"' for n in names)
                marks = ", ".join("?" * len(names))
                db.obj.cursor().executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)
            rows.clear()


COLUMNS = {
    Customer: ("id", "name", "region", "currency", "email", "address", "tax_rate", "active",
               *CUSTOMER_IDENTITY_FIELDS),
    Contract: ("id", "customer", "name", "type", "currency", "billing_period", "start_date",
               "end_date", "taxable", "hourly_rate", "block_hours", "block_fee", "overage_rate",
               "device_count", "device_rate", "fixed_fee", "active"),
    ServiceItem: ("id", "contract", "description", "quantity", "unit_price", "active"),
    Ticket: ("id", "number", "customer", "contract", "title", "status", "opened_at", "closed_at"),
    TimeEntry: ("id", "ticket", "technician", "started_at", "minutes", "billable", "note"),
    Expense: ("id", "customer", "contract", "ticket", "date", "description", "amount", "billable"),
}


def _next_id(model) -> int:
    from peewee import fn

    return (model.select(fn.MAX(model.id)).scalar() or 0) + 1


def _reset_sequences() -> None:
    """PostgreSQL: move each serial past the ids written here."""
    if not is_postgres():
        return
    for model in _BulkWriter.ORDER:
        table = model._meta.table_name
        db.obj.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"
        )

