"""The benchmark's facts and the sums kept from them, maintained with the invoices.

``benchmark_fact``: one row per (customer, contract, period, issue date, currency) of
the invoices that are not void, with the sums of their lines, ticket and time-entry
lines (the labour of an hourly contract) apart from the others. These are the groups
:func:`store.benchmark.summary.benchmark_summary` converts to USD, one conversion each, as it
did over the lines. A row depends only on the invoices of its (issue date, customer).

Kept from them, so that the summary reads a few hundred rows instead of converting
every group (:mod:`store.benchmark.kept`):

- ``benchmark_pair``: per (issue date, currency), the conversion to USD the sums were
  made with (an exact fraction of integers, or none).
- ``benchmark_month``: USD invoiced per customer and month, in twelfths of a cent.
- ``benchmark_period``: labour of hourly contracts per billed period, with USD.
- ``benchmark_state``: the hourly contracts the sums were made with.

Changes go through :func:`_apply`, which adds (or takes away) the converted groups of
some facts with the kept conversions, in SQL alone: voiding a batch and saving one on a
day with other invoices (:func:`refresh_batch`, in the caller's transaction), a
conversion that no longer matches the rates (:func:`restamp`: rates imported, a newer
bundled ECB file), contracts whose type changed (:func:`sync_hourly`), and
:func:`rebuild` (the migration). The usual save, alone on its day, makes the same
rows in memory from what it wrote (:func:`_save_alone`). The summary checks the
conversions and hourly contracts it would use against the kept ones and uses the sums
only when they match.
"""
from __future__ import annotations

import re

LABOUR_KINDS = ("ticket", "time_entry")
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_QUARTER = re.compile(r"[0-9]{4}-Q[1-4]")
_YEAR = re.compile(r"[0-9]{4}")

_COLUMNS = ("customer_id", "contract_id", "period", "issue_date", "currency", "pair_key", "first_month",
            "months", "labour_amount", "labour_minutes", "labour_lines", "other_amount", "other_lines")

# A period label billing writes (2026-10, 2026-Q4, 2026) -> its first month (year * 12 +
# month - 1) and how many months it covers; anything else gets months 0, and the
# benchmark then works from the label itself (store.benchmark.results.period_months).
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


def refresh_batch(batch_id: int, database=None, book=None, written=None) -> int | None:
    """Recompute the facts of the batch's issue dates and customers from the lines of
    the non-void invoices there, and the kept sums with them (inside the caller's
    transaction: save_batch after writing the lines, void_batch after voiding). A fact
    depends only on the invoices of its issue date and customer, so recomputing these
    is enough (and recomputing more than the batch's own pairs, for a batch of two
    dates, is harmless).

    ``written``: the save's own rows, (invoices {id: (customer, currency, issue date)},
    lines (invoice id, kind, contract id, period, amount, minutes worked)). When the
    batch's days are its alone (the usual save), its facts and sums are made from
    these in memory (:func:`_save_alone`) instead of reading its lines back; then the
    facts written are returned (for the statistics, store/stats.py), else None."""
    from store.db import db

    database = database or db.obj
    if book is None:
        from store.benchmark.conversion import RateBook

        book = RateBook()
    mark = database.param
    # The batch's days as literals, not a sub-select: on PostgreSQL the rows just
    # written are not in the statistics yet, the planner took the sub-select for one
    # row and scanned every invoice (and every fact) for each of the batch's invoices
    # (a LIMIT 1 semi-join): a save's time grew with the book (issue 16).
    days = _days_sql(database, batch_id)
    hourly = sync_hourly(database, book)
    if database.execute_sql(f'SELECT 1 FROM "invoice" WHERE issue_date IN {days} AND batch_id <> {mark} LIMIT 1',
                            (batch_id,)).fetchone() is None:
        # its days are the batch's alone (the usual save): all their facts are its own
        # count(*), not "SELECT 1 ... LIMIT 1": when the statistics cannot hold every
        # issue date (more dates than the statistics target) the planner expects a
        # new day's facts among the first rows of a sequential scan and, as there are
        # none, reads every fact of the book (issue 16, "Demo month by month")
        if written is not None and database.execute_sql(
                f'SELECT count(*) FROM "benchmark_fact" WHERE issue_date IN {days}').fetchone()[0] == 0:
            return _save_alone(database, book, set(hourly), *written)
        part, both = f"{{day}} IN {days}", ()
    else:
        # "+": SQLite finds the invoices by day then customer, not every invoice of each customer
        part = f'{{day}} IN {days} AND +{{customer}} IN (SELECT customer_id FROM "invoice" WHERE batch_id = {mark})'
        both = (batch_id,)
    facts = part.format(day="f.issue_date", customer="f.customer_id")
    if database.execute_sql(f'SELECT 1 FROM "benchmark_fact" f WHERE {facts} LIMIT 1', both).fetchone():
        _apply(database, facts, both, -1)
        database.execute_sql('DELETE FROM "benchmark_fact" WHERE '
                             + part.format(day="issue_date", customer="customer_id"), both)
    database.execute_sql(_insert_sql(database, part.format(day="i.issue_date", customer="i.customer_id")), both)
    # the pairs of these days: new ones get their conversion, gone ones go
    stats = _pair_stats(database, f"f.issue_date IN {days}", ())
    live = {row[0] for row in stats}
    gone = [k for (k,) in database.execute_sql(
        f'SELECT pair_key FROM "benchmark_pair" WHERE issue_date IN {days}').fetchall()
        if k not in live]
    if gone:
        database.execute_sql(f'DELETE FROM "benchmark_pair" WHERE pair_key IN ({", ".join(map(str, gone))})')
    _store_stamps(database, stats, book, restrict=facts, restrict_params=both)
    _apply(database, facts, both, 1)


def _days_sql(database, batch_id: int) -> str:
    """The batch's issue dates as an SQL list of date literals, ``(NULL)`` for none."""
    import datetime as dt

    days = sorted({dt.date.fromisoformat(str(d)[:10]) for (d,) in database.execute_sql(
        f'SELECT DISTINCT issue_date FROM "invoice" WHERE batch_id = {database.param}',
        (batch_id,)).fetchall()})
    return "(" + (", ".join(f"'{d.isoformat()}'" for d in days) or "NULL") + ")"


def _label_months(period: str) -> tuple[int, int]:
    """(first month, months) of a label, as label_sql reads it in SQL."""
    if _MONTH.fullmatch(period):
        return int(period[:4]) * 12 + int(period[5:7]) - 1, 1
    if _QUARTER.fullmatch(period):
        return int(period[:4]) * 12 + int(period[6]) * 3 - 3, 3
    if _YEAR.fullmatch(period):
        return int(period[:4]) * 12, 12
    return 0, 0


def _pair_key(database, day, currency: str) -> int:
    """pair_key_sql's number, in Python."""
    import datetime as dt

    if _dialect(database) == "postgres":
        number = (day - dt.date(1970, 1, 1)).days
    else:
        number = day.toordinal() + 1721424  # julianday() of the day's midnight, whole
    chars = sum((ord(currency[i]) if i < len(currency) else 0) * 256 ** (2 - i) for i in range(3))
    return number * 16777216 + chars


def _usd(amount: int, a: int, b: int) -> int:
    """usd_sql in Python (floor and truncation agree on these signs)."""
    if amount >= 0:
        return (2 * amount * a + b) // (2 * b)
    return -((b - 2 * amount * a) // (2 * b))


def _save_alone(database, book, hourly: set[int], invoices, lines) -> int:
    """The facts and kept sums of a save whose days hold no other invoice, made in memory
    from the rows it wrote: the same rows :func:`_insert_sql` and :func:`_apply` would
    write, without reading the batch's lines back and sorting them. The property test
    compares them with a rebuild in SQL."""
    labour_kinds = set(LABOUR_KINDS)
    acc: dict[tuple, list[int]] = {}
    for invoice_id, kind, contract_id, period, amount, minutes in lines:
        customer_id, currency, day = invoices[invoice_id]
        key = (customer_id, contract_id or 0, period, day, currency)
        item = acc.get(key)
        if item is None:
            item = acc[key] = [0, 0, 0, 0, 0]
        if kind in labour_kinds:
            item[0] += int(amount)
            item[1] += int(minutes)
            item[2] += 1
        else:
            item[3] += int(amount)
            item[4] += 1
    labels: dict[str, tuple[int, int]] = {}
    keys: dict[tuple, int] = {}
    facts = []
    stats: dict[int, list] = {}
    for (customer_id, contract_id, period, day, currency), (la, lm, ll, oa, ol) in acc.items():
        first, months = labels.get(period) or labels.setdefault(period, _label_months(period))
        pair = keys.get((day, currency)) or keys.setdefault((day, currency), _pair_key(database, day, currency))
        facts.append((customer_id, contract_id, period, day, currency, pair, first, months, la, lm, ll, oa, ol))
        st = stats.get(pair)
        if st is None:
            st = stats[pair] = [pair, currency, day, 0, 0, 0, 0, 0]
        st[3] = max(st[3], abs(la) + abs(oa))
        st[4] += abs(la) + abs(oa)
        st[5] += abs(lm)
        st[6] += 1
        st[7] += 1 if months == 0 else 0
    _insert_many(database, "benchmark_fact", _COLUMNS, facts)
    _store_stamps(database, [tuple(st) for st in stats.values()], book, restrict="1 = 1")
    kept = _kept_stamps(database, list(stats))
    months_acc: dict[tuple, list[int]] = {}
    periods_acc: dict[tuple, list[int]] = {}
    for customer_id, contract_id, period, day, currency, pair, first, months, la, lm, ll, oa, ol in facts:
        state, a, b, _odd = kept[pair]
        if state != STATE_OK:
            continue
        issue_month = day.year * 12 + day.month - 1
        is_hourly = contract_id in hourly
        if is_hourly:
            labour, other = _usd(la, a, b), _usd(oa, a, b)
            usd = labour + other
            inexact = months > 1 and (labour % 3 != 0 or other % 3 != 0)
            groups = (1 if ll > 0 else 0) + (1 if ol > 0 else 0)
        else:
            usd = _usd(la + oa, a, b)
            inexact = months > 1 and usd % 3 != 0
            groups = 1
        m0, n = (first, months) if months else (issue_month, 1)
        for i in range(n):
            month = m0 + i
            item = months_acc.get((customer_id, month, min(issue_month, month)))
            if item is None:
                item = months_acc[(customer_id, month, min(issue_month, month))] = [0, 0, 0]
            item[0] += usd * (12 // n)
            item[1] = max(item[1], int(inexact))
            item[2] += groups
        if is_hourly and ll > 0 and months > 0:
            end = first + months - 1
            key = (contract_id, first, months, currency, min(issue_month, end))
            item = periods_acc.get(key)
            if item is None:
                item = periods_acc[key] = [0, 0, 0, 0]
            item[0] += la
            item[1] += labour
            item[2] += lm
            item[3] += 1
    _insert_many(database, "benchmark_month", ("customer_id", "month", "bucket", "total", "inexact", "groups"),
                 [(*k, *v) for k, v in months_acc.items()], _MONTH_UPSERT)
    _insert_many(database, "benchmark_period", ("contract_id", "first_month", "months", "currency", "month", "bucket",
                                                "billed", "usd", "minutes", "groups", "ratio"),
                 [(co, fm, n, cur, fm + n - 1, bucket, billed, usd, minutes, groups,
                   usd / minutes if minutes > 0 else None)
                  for (co, fm, n, cur, bucket), (billed, usd, minutes, groups) in periods_acc.items()],
                 _PERIOD_UPSERT)
    return len(facts)


_MONTH_UPSERT = """ON CONFLICT (customer_id, month, bucket) DO UPDATE SET
  total = "benchmark_month".total + excluded.total,
  inexact = CASE WHEN excluded.inexact > "benchmark_month".inexact THEN excluded.inexact
                 ELSE "benchmark_month".inexact END,
  groups = "benchmark_month".groups + excluded.groups"""
_PERIOD_UPSERT = """ON CONFLICT (contract_id, first_month, months, currency, bucket) DO UPDATE SET
  billed = "benchmark_period".billed + excluded.billed,
  usd = "benchmark_period".usd + excluded.usd,
  minutes = "benchmark_period".minutes + excluded.minutes,
  groups = "benchmark_period".groups + excluded.groups,
  ratio = CASE WHEN "benchmark_period".minutes + excluded.minutes > 0
               THEN CAST("benchmark_period".usd + excluded.usd AS DOUBLE PRECISION)
                    / CAST("benchmark_period".minutes + excluded.minutes AS DOUBLE PRECISION) END"""


def _insert_many(database, table: str, columns, rows, suffix: str = "") -> None:
    if not rows:
        return
    cols = ", ".join(columns)
    if _dialect(database) == "postgres" and not suffix:
        from store.pgcopy import copy_rows

        copy_rows(database.cursor(), table, list(columns), rows)  # plain rows: COPY (issue 16)
    elif _dialect(database) == "postgres":
        from store.pgdriver import extras

        execute_values = extras().execute_values

        execute_values(database.cursor(), f'INSERT INTO "{table}" ({cols}) VALUES %s {suffix}', rows,
                       page_size=1000)
    else:
        marks = ", ".join("?" * len(columns))
        database.cursor().executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks}) {suffix}', rows)


def rebuild(database=None, book=None) -> None:
    """Every fact and kept sum again, from every non-void invoice (the migration)."""
    from store.db import db

    database = database or db.obj
    database.execute_sql('DELETE FROM "benchmark_fact"')
    database.execute_sql(_insert_sql(database, "1 = 1"))
    rebuild_kept(database, book)

# --- the kept sums ----------------------------------------------------------------------

STATE_OK, STATE_FAILED, STATE_OVERFLOW = "ok", "failed", "overflow"
_INT62 = 1 << 62
_PAIR_BOUND = 1 << 44  # a pair's USD (twelfths) and minutes: sums over 512 pairs stay exact as doubles


def usd_sql(amount: str, a: str, b: str) -> str:
    """SQL for round_half_up(amount x a / b) in integers (half away from zero), the
    rounding of :meth:`store.benchmark.figures.Converter.to_usd`."""
    return (f"(CASE WHEN {amount} >= 0 THEN (2 * ({amount}) * {a} + {b}) / (2 * {b}) "
            f"ELSE -(({b} - 2 * ({amount}) * {a}) / (2 * {b})) END)")


def integer_rate(currency: str, per_eur_src, per_eur_usd) -> tuple[int, int] | None:
    """(A, B) with round_half_up(minor * A / B) the US cents of ``minor`` units of
    ``currency``: 10^(2 - exponent) x per_eur_usd / per_eur_src as a reduced fraction.
    The Decimal conversion rounds that quotient to 28 digits before rounding to the
    cent, which changes nothing while |minor x A| < 10^26 (an exact quotient of
    integers is never that close to a half without being one); the 64-bit bounds
    checked with it are far below."""
    from math import gcd

    from store.money import exponent

    if currency == "USD":
        return 1, 1
    if not (per_eur_src.is_finite() and per_eur_usd.is_finite()) or per_eur_src <= 0 or per_eur_usd <= 0:
        return None
    n_usd, d_usd = per_eur_usd.as_integer_ratio()
    n_src, d_src = per_eur_src.as_integer_ratio()
    num, den = n_usd * d_src, d_usd * n_src
    shift = 2 - exponent(currency)
    if shift >= 0:
        num *= 10 ** shift
    else:
        den *= 10 ** -shift
    g = gcd(num, den)
    return num // g, den // g


def stamp(book, currency: str, day, biggest: int, total: int, minutes: int, rows: int) -> tuple:
    """(state, a, b): how a pair converts today (``book``), given its facts' bounds."""
    from store.errors import ValidationError

    try:
        got = book.rate(currency, "USD", day)
    except ValidationError:
        return STATE_FAILED, None, None
    fraction = integer_rate(currency, got[2], got[3])
    if fraction is None:
        return STATE_OVERFLOW, None, None
    a, b = fraction
    if (2 * biggest * a + b >= _INT62 or 12 * (total * a // b + 2 * rows) >= _PAIR_BOUND
            or minutes >= _PAIR_BOUND):
        return STATE_OVERFLOW, None, None
    return STATE_OK, a, b


def _current_hourly_sql() -> str:
    return "SELECT id FROM \"contract\" WHERE type = 'hourly'"


def _listed_sql(ids) -> str:
    ids = sorted({int(i) for i in ids})
    if not ids:
        return "SELECT id FROM \"contract\" WHERE 1 = 0"
    return "VALUES " + ", ".join(f"({i})" for i in ids)


def _apply(database, where: str, params, sign: int, hourly: str | None = None) -> None:
    """Add (sign 1) or take away (sign -1) the converted groups of the facts matching
    ``where`` (on ``f``) in benchmark_month and benchmark_period, with the kept
    conversions of their pairs and the hourly contracts of ``hourly`` (SQL of ids;
    default: the contracts' types now)."""
    sign = int(sign)
    if hourly is None:  # the contracts' types now: looked up by id
        with_hourly = ""
        join_hourly = "LEFT JOIN \"contract\" h ON h.id = f.contract_id AND h.type = 'hourly'"
    else:
        with_hourly = f"hourly(id) AS ({hourly}),"
        join_hourly = "LEFT JOIN hourly h ON h.id = f.contract_id"
    both = usd_sql("f.labour_amount + f.other_amount", "p.rate_a", "p.rate_b")
    labour = usd_sql("f.labour_amount", "p.rate_a", "p.rate_b")
    other = usd_sql("f.other_amount", "p.rate_a", "p.rate_b")

    def third(x: str) -> str:  # a third (or twelfth) of x that does not end as a Decimal
        return f"({x}) - (({x}) / 3) * 3 <> 0"

    spread = ", ".join(f"({i})" for i in range(1, 12))
    # src is read twice (a month's groups as they are, a quarter's or year's spread over
    # its months): materialized once
    database.execute_sql(f"""
WITH {with_hourly}
src AS MATERIALIZED (
  SELECT f.customer_id AS cu,
         CASE WHEN f.months = 0 THEN p.issue_month ELSE f.first_month END AS m0,
         CASE WHEN f.months = 0 THEN 1 ELSE f.months END AS n, p.issue_month AS im,
         CASE WHEN h.id IS NULL THEN {both} ELSE {labour} + {other} END AS usd,
         CASE WHEN f.months <= 1 THEN 0
              WHEN h.id IS NULL AND {third(both)} THEN 1
              WHEN h.id IS NOT NULL AND ({third(labour)} OR {third(other)}) THEN 1 ELSE 0 END AS x,
         CASE WHEN h.id IS NULL THEN 1
              ELSE (CASE WHEN f.labour_lines > 0 THEN 1 ELSE 0 END)
                   + (CASE WHEN f.other_lines > 0 THEN 1 ELSE 0 END) END AS g
  FROM "benchmark_fact" f JOIN "benchmark_pair" p ON p.pair_key = f.pair_key AND p.state = 'ok'
       {join_hourly}
  WHERE {where}),
spread(i) AS (VALUES {spread}),
parts AS (
  SELECT cu, m0 AS mo, im, usd * (12 / n) AS t, x, g FROM src
  UNION ALL
  SELECT cu, m0 + i, im, usd * (12 / n), x, g FROM src CROSS JOIN spread WHERE i < n)
INSERT INTO "benchmark_month" (customer_id, month, bucket, total, inexact, groups)
SELECT cu, mo, CASE WHEN im < mo THEN im ELSE mo END, SUM({sign} * t), MAX(x), SUM({sign} * g)
FROM parts WHERE 1 = 1
GROUP BY 1, 2, 3
{_MONTH_UPSERT}""", params)
    end = "f.first_month + f.months - 1"
    labour_hourly = ("JOIN \"contract\" h ON h.id = f.contract_id AND h.type = 'hourly'" if hourly is None
                     else "JOIN hourly h ON h.id = f.contract_id")
    database.execute_sql(f"""
{"WITH " + with_hourly.rstrip(",") if with_hourly else ""}
INSERT INTO "benchmark_period" (contract_id, first_month, months, currency, month, bucket, billed, usd,
                                minutes, groups, ratio)
SELECT f.contract_id, f.first_month, f.months, f.currency, {end},
       CASE WHEN p.issue_month < {end} THEN p.issue_month ELSE {end} END,
       SUM({sign} * f.labour_amount), SUM({sign} * {labour}), SUM({sign} * f.labour_minutes), SUM({sign}),
       CASE WHEN SUM({sign} * f.labour_minutes) > 0
            THEN CAST(SUM({sign} * {labour}) AS DOUBLE PRECISION)
                 / CAST(SUM({sign} * f.labour_minutes) AS DOUBLE PRECISION) END
FROM "benchmark_fact" f JOIN "benchmark_pair" p ON p.pair_key = f.pair_key AND p.state = 'ok'
     {labour_hourly}
WHERE ({where}) AND f.labour_lines > 0 AND f.months > 0
GROUP BY 1, 2, 3, 4, 5, 6
{_PERIOD_UPSERT}""", params)
    if sign < 0:
        database.execute_sql('DELETE FROM "benchmark_month" WHERE groups = 0')
        database.execute_sql('DELETE FROM "benchmark_period" WHERE groups = 0')


def _pair_stats(database, where: str, params) -> list[tuple]:
    """(pair_key, currency, issue_date, biggest, total, minutes, rows, odd labels) of the
    facts matching ``where`` (on ``f``), one per pair."""
    return database.execute_sql(
        "SELECT f.pair_key, f.currency, f.issue_date, MAX(ABS(f.labour_amount) + ABS(f.other_amount)), "
        "SUM(ABS(f.labour_amount) + ABS(f.other_amount)), SUM(ABS(f.labour_minutes)), COUNT(*), "
        "SUM(CASE WHEN f.months = 0 THEN 1 ELSE 0 END) "
        f'FROM "benchmark_fact" f WHERE {where} GROUP BY f.issue_date, f.pair_key, f.currency', params).fetchall()


def _kept_stamps(database, keys) -> dict[int, tuple]:
    from store.models import BenchmarkPair as P

    if not keys:
        return {}
    query = P.select(P.pair_key, P.state, P.rate_a, P.rate_b, P.odd_labels).where(P.pair_key.in_(list(keys)))
    return {k: (state, a, b, odd) for k, state, a, b, odd in query.tuples()}


def _pair_filter(database, key: int, day) -> tuple[str, list]:
    mark = database.param
    return f"f.issue_date = {mark} AND f.pair_key = {mark}", [day, key]


def _store_stamps(database, stats, book, restrict: str = "", restrict_params=()) -> None:
    """Bring the kept conversions of the pairs in ``stats`` (from _pair_stats over all of
    each pair's facts) to today's: a pair whose conversion changes has its facts
    (other than those matching ``restrict``, which the caller applies itself) taken
    away with the old one and added with the new."""
    from store.models import BenchmarkPair as P
    from store.rows import as_date

    kept = _kept_stamps(database, [row[0] for row in stats])
    for key, currency, issued, biggest, total, minutes, rows, odd in stats:
        day = as_date(issued)
        state, a, b = stamp(book, currency, day, int(biggest or 0), int(total or 0), int(minutes or 0), int(rows))
        old = kept.get(key)
        if old is not None and old == (state, a, b, int(odd or 0)):
            continue
        where, params = _pair_filter(database, key, issued)
        if restrict:
            where, params = f"{where} AND NOT ({restrict})", [*params, *restrict_params]
        # a pair without a kept conversion has no facts but the caller's (every pair with
        # facts has one), so only a pair that had one has others to take away and add
        if old is not None and old[0] == STATE_OK:
            _apply(database, where, params, -1)
        P.delete().where(P.pair_key == key).execute()
        P.insert(pair_key=key, currency=currency, issue_date=day, issue_month=day.year * 12 + day.month - 1,
                 state=state, rate_a=a, rate_b=b, odd_labels=int(odd or 0)).execute()
        if state == STATE_OK and (old is not None or not restrict):
            _apply(database, where, params, 1)


def kept_hourly(database) -> list[int] | None:
    row = database.execute_sql(
        f'SELECT value FROM "benchmark_state" WHERE name = {database.param}', ("hourly",)).fetchone()
    if row is None:
        return None
    return [int(x) for x in row[0].split(",") if x]


def current_hourly(database) -> list[int]:
    return sorted(int(i) for (i,) in database.execute_sql(_current_hourly_sql()).fetchall())


def _keep_hourly(database, ids) -> None:
    from store.models import BenchmarkState

    value = ",".join(str(i) for i in sorted(ids))
    (BenchmarkState.insert(name="hourly", value=value)
     .on_conflict(conflict_target=[BenchmarkState.name], update={BenchmarkState.value: value}).execute())


def sync_hourly(database=None, book=None) -> list[int]:
    """Make the kept sums follow the contracts' types now: the facts of each contract
    that became or stopped being hourly are taken away as they were and added as they
    are (nothing kept yet: :func:`rebuild_kept`)."""
    from store.db import db

    database = database or db.obj
    kept = kept_hourly(database)
    if kept is None:
        rebuild_kept(database, book)
        return current_hourly(database)
    now = current_hourly(database)
    changed = set(kept) ^ set(now)
    if changed:
        where = f"f.contract_id IN ({', '.join(str(i) for i in sorted(changed))})"
        _apply(database, where, (), -1, _listed_sql(kept))
        _apply(database, where, (), 1)  # with the types now
        _keep_hourly(database, now)
    return now


def restamp(database, keys, book) -> None:
    """Bring the conversions of these pairs (and their sums) to today's rates."""
    if not keys:
        return
    mark = database.param
    keys = sorted(keys)
    stats = _pair_stats(database, f"f.pair_key IN ({', '.join([mark] * len(keys))})", keys)
    _store_stamps(database, stats, book)


def rebuild_kept(database=None, book=None) -> None:
    """Every kept sum again from the facts, with today's rates and contract types."""
    from store.db import db
    from store.models import BenchmarkMonth, BenchmarkPair, BenchmarkPeriod

    database = database or db.obj
    if book is None:
        from store.benchmark.conversion import RateBook

        book = RateBook()
    for model in (BenchmarkMonth, BenchmarkPeriod, BenchmarkPair):
        model.delete().execute()
    _keep_hourly(database, current_hourly(database))
    _store_stamps(database, _pair_stats(database, "1 = 1", ()), book)
