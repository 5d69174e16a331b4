"""The benchmark's facts: the ``benchmark_fact`` table, kept with the invoices.

One row per (customer, contract, period, issue date, currency) of the invoices that
are not void, with the sums of their lines: ticket and time-entry lines (the labour
of an hourly contract) apart from the others. :func:`store.benchmark.benchmark_summary`
reads these rows instead of every invoice line and still converts to USD once per
group of lines as it always did (the grouping is the same; whether a contract is
hourly is looked up when the summary is computed, so a contract whose type changes
needs nothing here).

A row depends only on the invoices of its (issue date, customer): saving or voiding
a batch recomputes those of its invoices' (issue date, customer) pairs from their
lines, in the same transaction and in SQL alone (:func:`refresh_batch`). The
migration that adds the table fills it from every invoice (:func:`rebuild`).
"""
from __future__ import annotations

LABOUR_KINDS = ("ticket", "time_entry")

_COLUMNS = ("customer_id", "contract_id", "period", "issue_date", "currency", "pair_key", "first_month",
            "months", "labour_amount", "labour_minutes", "labour_lines", "other_amount", "other_lines")

# A period label billing writes (2026-10, 2026-Q4, 2026) -> its first month (year * 12 +
# month - 1) and how many months it covers; anything else gets months 0, and the
# benchmark then works from the label itself (store.benchmark.period_months).
_LABEL_TESTS = {
    "sqlite": {
        "month": "{p} GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]' AND substr({p}, 6, 2) BETWEEN '01' AND '12'",
        "quarter": "{p} GLOB '[0-9][0-9][0-9][0-9]-Q[1-4]'",
        "year": "{p} GLOB '[0-9][0-9][0-9][0-9]'",
    },
    "postgres": {
        "month": "{p} ~ '^[0-9]{{4}}-(0[1-9]|1[0-2])$'",
        "quarter": "{p} ~ '^[0-9]{{4}}-Q[1-4]$'",
        "year": "{p} ~ '^[0-9]{{4}}$'",
    },
}


def _dialect(database) -> str:
    from store.db import is_postgres

    return "postgres" if is_postgres(database) else "sqlite"


def label_sql(database, p: str) -> tuple[str, str]:
    """SQL for (first month, months) of the period label in column ``p``."""
    t = {k: v.format(p=p) for k, v in _LABEL_TESTS[_dialect(database)].items()}
    year = f"CAST(substr({p}, 1, 4) AS INTEGER) * 12"
    first = (f"CASE WHEN {t['month']} THEN {year} + CAST(substr({p}, 6, 2) AS INTEGER) - 1 "
             f"WHEN {t['quarter']} THEN {year} + CAST(substr({p}, 7, 1) AS INTEGER) * 3 - 3 "
             f"WHEN {t['year']} THEN {year} ELSE 0 END")
    months = f"CASE WHEN {t['month']} THEN 1 WHEN {t['quarter']} THEN 3 WHEN {t['year']} THEN 12 ELSE 0 END"
    return first, months


def pair_key_sql(database, day: str, currency: str) -> str:
    """SQL for a number of the (issue date, currency) pair: the day number times 2^24
    plus the code's three characters. The benchmark checks that each number it reads
    stands for one pair only (a code outside A-Z could make two alike)."""
    if _dialect(database) == "postgres":
        number = f"({day} - DATE '1970-01-01')::bigint"
        char = "ascii(substr({c}, {i}, 1))"
    else:
        number = f"CAST(julianday({day}) AS INTEGER)"
        char = "unicode(substr({c}, {i}, 1))"
    chars = " + ".join(f"COALESCE({char.format(c=currency, i=i)}, 0) * {256 ** (3 - i)}" for i in (1, 2, 3))
    return f"(COALESCE({number}, 0) * 16777216 + {chars})"


def _insert_sql(database, where: str) -> str:
    """INSERT ... SELECT of the facts of the non-void invoices matching ``where`` (on ``i``)."""
    first, months = label_sql(database, "l.period")
    labour = " OR ".join(f"l.kind = '{kind}'" for kind in LABOUR_KINDS)
    la = f"SUM(CASE WHEN {labour} THEN l.amount ELSE 0 END)"
    ll = f"SUM(CASE WHEN {labour} THEN 1 ELSE 0 END)"
    return (
        f'INSERT INTO "benchmark_fact" ({", ".join(_COLUMNS)}) '
        f"SELECT i.customer_id, COALESCE(l.contract_id, 0), l.period, i.issue_date, i.currency, "
        f"{pair_key_sql(database, 'i.issue_date', 'i.currency')}, {first}, {months}, {la}, "
        f"SUM(CASE WHEN {labour} THEN l.minutes_worked ELSE 0 END), {ll}, SUM(l.amount) - {la}, COUNT(*) - {ll} "
        f'FROM "invoice" i JOIN "invoice_line" l ON l.invoice_id = i.id '
        f"WHERE i.status <> 'void' AND {where} "
        f"GROUP BY i.customer_id, COALESCE(l.contract_id, 0), l.period, i.issue_date, i.currency"
    )


def refresh_batch(batch_id: int, database=None) -> None:
    """Recompute the facts of the batch's issue dates and customers from the lines of
    the non-void invoices there (inside the caller's transaction: save_batch after
    writing the lines, void_batch after voiding). A fact depends only on the invoices
    of its issue date and customer, so recomputing these is enough (and recomputing
    more than the batch's own pairs, for a batch of two dates, is harmless)."""
    from store.db import db

    database = database or db.obj
    mark = database.param
    days = f'(SELECT issue_date FROM "invoice" WHERE batch_id = {mark})'
    if database.execute_sql(f'SELECT 1 FROM "benchmark_fact" WHERE issue_date IN {days} LIMIT 1',
                            (batch_id,)).fetchone() is None:
        # no fact on these days yet (a batch saved on a day of its own): its invoices are all
        database.execute_sql(_insert_sql(database, f"i.batch_id = {mark}"), (batch_id,))
        return
    # "+": SQLite finds the invoices by day then customer, not every invoice of each customer
    where = f'{{day}} IN {days} AND +{{customer}} IN (SELECT customer_id FROM "invoice" WHERE batch_id = {mark})'
    database.execute_sql('DELETE FROM "benchmark_fact" WHERE '
                         + where.format(day="issue_date", customer="customer_id"), (batch_id, batch_id))
    database.execute_sql(_insert_sql(database, where.format(day="i.issue_date", customer="i.customer_id")),
                         (batch_id, batch_id))


def rebuild(database=None) -> None:
    """Every fact again, from every non-void invoice (the migration that adds the table)."""
    from store.db import db

    database = database or db.obj
    database.execute_sql('DELETE FROM "benchmark_fact"')
    database.execute_sql(_insert_sql(database, "1 = 1"))
