"""Schema version and migrations, run on every open.

Version 1 is the initial schema. A later change appends a function to
``MIGRATIONS`` (using ``playhouse.migrate``); ``migrate`` runs the ones the
database has not seen yet, each in its own transaction.
"""
from __future__ import annotations

from store.models import ALL_MODELS, DerivedCache, SchemaVersion


def _initial(database) -> None:
    database.create_tables(ALL_MODELS, safe=True)
    from store.search import create_search_index

    create_search_index(database)


def _derived_cache(database) -> None:
    """Version 2: the derived_cache table (computed figures kept until the book changes)."""
    database.create_tables([DerivedCache], safe=True)


def _invoice_total_indexes(database) -> None:
    """Version 3: covering indexes for the dashboard's start. The recent batches' counts and
    totals, and the shop's invoiced amounts per day, read only these indexes, not every
    invoice row."""
    database.execute_sql(
        "CREATE INDEX IF NOT EXISTS invoice_batch_totals ON invoice (batch_id, currency, total, sequence)")
    database.execute_sql(
        "CREATE INDEX IF NOT EXISTS invoice_issued_totals ON invoice (issue_date, currency, status, total)")


def _batch_reviewed(database) -> None:
    """Version 4: batch.reviewed, the items a draft's review selected (a database
    created at version 4 or later has it from its first table)."""
    from store.db import is_postgres
    from store.models import Batch

    if "reviewed" in {c.name for c in database.get_columns("batch")}:
        return
    if not is_postgres(database):
        # SQLite adds a NOT NULL column with a default in place. Peewee's SqliteMigrator
        # would rebuild the table to add the constraint, and dropping the old batch table
        # fails the foreign keys of every invoice that points at it (any real book).
        database.execute_sql("ALTER TABLE \"batch\" ADD COLUMN \"reviewed\" TEXT NOT NULL DEFAULT ''")
        return
    from playhouse.migrate import PostgresqlMigrator, migrate as run  # imports psycopg2's extras

    migrator = PostgresqlMigrator(database)
    run(migrator.add_column("batch", "reviewed", Batch.reviewed))


def _benchmark_facts(database) -> None:
    """Version 5: the benchmark's facts and the sums kept from them (store/benchmark/facts.py),
    filled from every invoice that is not void; billing keeps them from now on. The
    benchmark reads these instead of converting every group of invoice lines."""
    from store.benchmark.facts import rebuild
    from store.models import BenchmarkFact, BenchmarkMonth, BenchmarkPair, BenchmarkPeriod, BenchmarkState

    database.create_tables([BenchmarkFact, BenchmarkPair, BenchmarkMonth, BenchmarkPeriod, BenchmarkState],
                           safe=True)
    rebuild(database)


def _month_ledger(database) -> None:
    """Version 6: the billed ledger keyed by calendar month (store/billing/ledger.py),
    and the guards the database holds (store/guards.py).

    Each recurring row (keyed by the period label it was billed under) becomes one
    row per calendar month the label covers; one-time rows get the key ``*``;
    overage rows the key ``YYYY-MM#1``. Where two rows cover the same month of the
    same source (billed twice under two labels before this version) both are kept,
    the later one keyed ``YYYY-MM!overlap<id>`` so the unique index holds, and a
    ``ledger.overlap`` audit event names the source, the month and both batches:
    the migration reports the double billing, it does not hide it (``batchbill
    status`` lists them as "billed twice" until one of the two invoices is voided)."""
    from store import guards
    from store.db import is_postgres
    from store.periods import months_of, parse_period
    from store.errors import ValidationError

    columns = {c.name for c in database.get_columns("billed_ledger")}
    if "month" not in columns:
        database.execute_sql("ALTER TABLE billed_ledger ADD COLUMN month VARCHAR(24) NOT NULL DEFAULT ''")
        for index in database.get_indexes("billed_ledger"):
            if index.unique and "period" in index.columns:
                database.execute_sql(f'DROP INDEX "{index.name}"')
        rows = database.execute_sql(
            "SELECT id, source_kind, source_id, period, batch_id, invoice_id FROM billed_ledger "
            "ORDER BY id").fetchall()
        seen: dict[tuple, tuple] = {}
        mark = "%s" if is_postgres(database) else "?"
        overlaps = []
        for rid, kind, sid, period, batch_id, invoice_id in rows:
            if kind in ("service_item", "device", "block", "overage"):
                try:
                    months = months_of(parse_period(period))
                except ValidationError:
                    months = [period]
                if kind == "overage":
                    months = [f"{m}#1" for m in months]
            else:
                months = ["*"]
            keys = []
            for m in months:
                first = seen.get((kind, sid, m))
                if first is None:
                    seen[(kind, sid, m)] = (rid, batch_id, period)
                    keys.append(m)
                else:
                    keys.append(f"{m}!overlap{rid}")
                    overlaps.append((kind, sid, m, first, (rid, batch_id, period)))
            database.execute_sql(f"UPDATE billed_ledger SET month = {mark} WHERE id = {mark}", (keys[0], rid))
            for key in keys[1:]:
                database.execute_sql(
                    "INSERT INTO billed_ledger (source_kind, source_id, period, month, batch_id, invoice_id) "
                    f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, {mark})",
                    (kind, sid, period, key, batch_id, invoice_id))
        import json

        from store.models import AuditEvent

        for kind, sid, month, first, later in overlaps:
            AuditEvent.create(
                actor="migration", action="ledger.overlap", subject=f"{kind}:{sid}",
                details=json.dumps({"month": month, "first": {"batch_id": first[1], "period": first[2]},
                                    "again": {"batch_id": later[1], "period": later[2]}},
                                   sort_keys=True))
        _ticket_periods(database, mark)
    database.execute_sql(
        "CREATE UNIQUE INDEX IF NOT EXISTS billed_ledger_source_kind_source_id_month "
        "ON billed_ledger (source_kind, source_id, month)")
    guards.install(database)


def _ticket_periods(database, mark: str) -> None:
    """A ticket's ledger row names the period label it was billed under from version 6
    on (a block period's late overage counts the minutes billed before in it). Rows
    from before get it from their invoice: the ticket's own line, its time entries'
    lines, or the one period of its contract on that invoice (contract detail);
    where the invoice has several periods of the contract it stays ``*``."""
    rows = database.execute_sql(
        "SELECT l.id, t.id, t.contract_id, l.invoice_id FROM billed_ledger l "
        "JOIN ticket t ON t.id = l.source_id WHERE l.source_kind = 'ticket' AND l.period = '*' "
        "AND l.invoice_id IS NOT NULL").fetchall()
    for row_id, ticket_id, contract_id, invoice_id in rows:
        found = database.execute_sql(
            "SELECT DISTINCT period FROM invoice_line WHERE invoice_id = " + mark + " AND ("
            "(source_kind = 'ticket' AND source_id = " + mark + ") OR (source_kind = 'time_entry' AND "
            "source_id IN (SELECT id FROM time_entry WHERE ticket_id = " + mark + ")))",
            (invoice_id, ticket_id, ticket_id)).fetchall()
        if not found:
            found = database.execute_sql(
                "SELECT DISTINCT period FROM invoice_line WHERE invoice_id = " + mark
                + " AND contract_id = " + mark + " AND kind = 'ticket'",
                (invoice_id, contract_id)).fetchall()
        if len(found) == 1:
            database.execute_sql("UPDATE billed_ledger SET period = " + mark + " WHERE id = " + mark,
                                 (found[0][0], row_id))


def _customer_identity(database) -> None:
    """Version 7: the customer's e-invoice fields (structured address, VAT id and
    category, Peppol electronic address, buyer reference), empty for existing
    customers. Added in place on both databases (no table rebuild: invoices
    point at customers)."""
    from store.models import CUSTOMER_IDENTITY_FIELDS, Customer

    have = {c.name for c in database.get_columns("customer")}
    for name in CUSTOMER_IDENTITY_FIELDS:
        if name in have:
            continue
        size = Customer._meta.fields[name].max_length
        database.execute_sql(f'ALTER TABLE "customer" ADD COLUMN "{name}" VARCHAR({size}) NOT NULL DEFAULT \'\'')


MIGRATIONS = [_initial, _derived_cache, _invoice_total_indexes, _batch_reviewed, _benchmark_facts,
              _month_ledger, _customer_identity]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(database) -> int:
    if not database.table_exists(SchemaVersion._meta.table_name):
        return 0
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


def migrate(database) -> int:
    """Bring the schema up to date; returns the version it is at."""
    version = current_version(database)
    if version > SCHEMA_VERSION:
        from store.errors import BatchbillError

        raise BatchbillError(
            f"this database has schema version {version}, newer than this batchbill "
            f"({SCHEMA_VERSION}): upgrade batchbill"
        )
    for number in range(version + 1, SCHEMA_VERSION + 1):
        with database.atomic():
            MIGRATIONS[number - 1](database)
            SchemaVersion.delete().execute()
            SchemaVersion.create(version=number)
    return SCHEMA_VERSION
