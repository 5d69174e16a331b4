"""The shop's figures from the sums billing keeps with its invoices
(:mod:`store.benchmark.facts`): the usual way, a few hundred rows read in value
order."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from store.benchmark import facts
from store.benchmark.figures import (
    Converter, Figures, count_failed_groups, customer_months, day_param, ehr, fact_groups, resolve_mixed,
)
from store.benchmark.results import BELOW_COUNT
from store.rows import as_date as _as_date


KEPT_PAIRS_LIMIT = 512  # sums of more pairs could pass 2^53 in the float ratios


def kept_figures(first: int, last: int, since: dt.date, conv: Converter) -> Figures | None:
    """The figures from the sums kept with the facts: a few hundred rows read in value
    order instead of every group converted. Used when the conversions and hourly
    contracts they were made with are today's (else they are brought up to date
    first, if the book takes the write at once); None in the cases they cannot serve,
    which :func:`store.benchmark.sql.sql_figures` names and computes from the facts."""
    from store.db import db

    database = db.obj
    mark = database.param
    since_param = day_param(database, since)
    pairs = database.execute_sql(
        'SELECT pair_key, currency, issue_date, state, rate_a, rate_b, odd_labels FROM "benchmark_pair" '
        f"WHERE issue_date >= {mark}", (since_param,)).fetchall()
    stale, failed = [], {}
    ok = 0
    for key, currency, issued, state, a, b, odd in pairs:
        if odd or state == facts.STATE_OVERFLOW:
            return None
        day = _as_date(issued)
        got = conv.lookup(currency, day)
        if isinstance(got, str):
            failed[key] = got
            if state != facts.STATE_FAILED:
                stale.append(key)
            continue
        conv.used(currency, day, got)
        ok += 1
        if state != facts.STATE_OK or (a, b) != facts.integer_rate(currency, got[2], got[3]):
            stale.append(key)
    if ok > KEPT_PAIRS_LIMIT:
        return None
    if stale or facts.kept_hourly(database) != facts.current_hourly(database):
        if not _bring_kept_up_to_date(stale, conv.book):
            return None
    window = (first, last)
    for table in ("benchmark_month", "benchmark_period"):
        if database.execute_sql(
                f'SELECT 1 FROM "{table}" WHERE bucket < month AND month BETWEEN {mark} AND {mark} '
                f"AND bucket >= {mark} LIMIT 1", (*window, first)).fetchone():
            return None  # a group issued inside the window before a month it counts in
    if failed:
        count_failed_groups(database, since_param, failed, conv)
    figures = Figures()
    _labour_kept(database, mark, window, figures, since, conv.book)
    if not _invoices_kept(database, mark, window, figures, since, conv):
        return None
    return figures


def _bring_kept_up_to_date(stale_pairs, book) -> bool:
    """Restamp the pairs whose conversion moved and follow changed contract types, in a
    write the book takes at once (another process saving, or a read-only book: False)."""
    import peewee

    from store.db import db, is_postgres

    database = db.obj
    waited = None
    try:
        if not is_postgres(database):
            waited = database.execute_sql("PRAGMA busy_timeout").fetchone()[0]
            database.execute_sql("PRAGMA busy_timeout = 200")
        with database.atomic():
            if is_postgres(database):  # as SQLite's busy timeout: no long wait for a saving process
                database.execute_sql("SET LOCAL lock_timeout = '200ms'")
            facts.sync_hourly(database, book)
            facts.restamp(database, stale_pairs, book)
        return True
    except peewee.DatabaseError:
        return False
    finally:
        if waited is not None:
            database.execute_sql(f"PRAGMA busy_timeout = {int(waited)}")


_BASE_PERIOD = "bucket = month AND minutes > 0"


def _labour_kept(database, mark: str, window: tuple[int, int], figures: Figures, since: dt.date, book) -> None:
    """Contract-periods from benchmark_period: the lowest contracts, medians per month and
    overall (one of the lowest contracts billed in two currencies as
    :func:`resolve_mixed` makes it).
    ``+month``: SQLite then walks the indexes in contract or ratio order instead of
    sorting the window's rows."""
    by_contract = database.execute_sql(
        "SELECT contract_id, SUM(usd), SUM(minutes) "
        f'FROM "benchmark_period" WHERE {_BASE_PERIOD} AND +month BETWEEN {mark} AND {mark} '
        "GROUP BY contract_id", window).fetchall()
    figures.hourly_contracts = len(by_contract)
    if by_contract:
        # the lowest effective rates: ordered by a float first (never against the exact
        # order, only ties), then the few up to the BELOW_COUNT-th float exactly
        keyed = sorted((int(usd) / int(minutes), cid) for cid, usd, minutes in by_contract)
        edge = keyed[min(BELOW_COUNT, len(keyed)) - 1][0]
        few = [cid for key, cid in keyed if key <= edge]
        rows = database.execute_sql(
            "SELECT contract_id, COUNT(*), SUM(minutes), SUM(usd), SUM(billed), MIN(currency), MAX(currency) "
            f'FROM "benchmark_period" WHERE {_BASE_PERIOD} AND month BETWEEN {mark} AND {mark} '
            f"AND contract_id IN ({', '.join(str(int(c)) for c in few)}) GROUP BY contract_id", window).fetchall()
        mixed = {cid for cid, *_x, cur, cur2 in rows if cur != cur2}
        lowest = sorted(
            ((ehr(int(usd), int(minutes)), cid, cur, int(periods), int(minutes), int(billed), int(minutes), int(usd))
             for cid, periods, minutes, usd, billed, cur, _cur in rows), key=lambda t: (t[0], t[1]))[:BELOW_COUNT]
        figures.contracts = resolve_mixed(lowest, mixed, window[0], window[1], since, book)
    counts = {m: int(n) for m, n in database.execute_sql(
        f'SELECT month, COUNT(*) FROM "benchmark_period" WHERE {_BASE_PERIOD} AND month BETWEEN {mark} AND {mark} '
        "GROUP BY month", window)}
    n = sum(counts.values())
    figures.contract_periods = n
    value = lambda row: ehr(int(row[0]), int(row[1]))  # noqa: E731
    figures.median = _kept_median(database, "benchmark_period", "ratio", ("usd", "minutes"),
                                  f"{_BASE_PERIOD} AND +month BETWEEN {mark} AND {mark}", window, n, value)
    for month, count in counts.items():
        figures.months[month] = (_kept_median(
            database, "benchmark_period", "ratio", ("usd", "minutes"), f"{_BASE_PERIOD} AND month = {mark}",
            (month,), count, value), count)


def _kept_median(database, table: str, key: str, columns: tuple[str, ...], where: str, params,
                 n: int, value_of, rows_of=None) -> Decimal | None:
    """The median of ``n`` rows of ``table`` matching ``where``, ordered by ``key`` (which
    never orders two rows against their exact values, only ties them): the rows at the
    middle positions are read by key, then each tie is ordered by the exact values
    (``value_of`` a row of ``columns``; ``rows_of(key value)``, when given, supplies
    the tied rows' values instead)."""
    if not n:
        return None
    low = (n - 1) // 2
    keys = [k for (k,) in database.execute_sql(
        f'SELECT {key} FROM "{table}" WHERE {where} ORDER BY {key} LIMIT 2 OFFSET {int(low)}', params)]
    picked = []
    classes: dict = {}
    for position in sorted({low, n // 2}):
        k = keys[position - low]
        if k not in classes:
            mark = database.param
            lo = database.execute_sql(
                f'SELECT COUNT(*) FROM "{table}" WHERE {where} AND {key} < {mark}', (*params, k)).fetchone()[0]
            if rows_of is not None:
                values = rows_of(k)
            else:
                values = [value_of(row) for row in database.execute_sql(
                    f'SELECT {", ".join(columns)} FROM "{table}" WHERE {where} AND {key} = {mark}', (*params, k))]
            classes[k] = (int(lo), sorted(values))
        lo, values = classes[k]
        picked.append(values[position - lo])
    return picked[0] if len(picked) == 1 else (picked[0] + picked[1]) / 2


def _invoices_kept(database, mark: str, window: tuple[int, int], figures: Figures, since: dt.date,
                   conv: Converter) -> bool:
    """Customer-months from benchmark_month (False: a customer-month whose twelfths sum to
    0 but whose Decimal sum in to_usd may not: negative amounts, which billing never
    writes; :func:`store.benchmark.sql.sql_figures` refuses them with the cause)."""
    n, zero_inexact = database.execute_sql(
        "SELECT SUM(CASE WHEN total > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN total = 0 AND inexact = 1 THEN 1 ELSE 0 END) "
        f'FROM "benchmark_month" WHERE bucket = month AND month BETWEEN {mark} AND {mark}', window).fetchone()
    if zero_inexact:
        return False
    figures.customers = database.execute_sql(
        'SELECT COUNT(*) FROM "customer" c WHERE EXISTS (SELECT 1 FROM "benchmark_month" m '
        f"WHERE m.customer_id = c.id AND m.month BETWEEN {mark} AND {mark} AND m.bucket = m.month)",
        window).fetchone()[0]
    figures.customer_months = n = int(n or 0)
    # "+month": SQLite walks the totals' index in order instead of sorting the window's rows
    where = f"bucket = month AND +month BETWEEN {mark} AND {mark} AND total > 0"

    def tied(total):
        """The tied customer-months' values in US dollars: twelfths / 1200 where that sum
        is exact in Decimal, else the Decimal sum to_usd and the spread make."""
        count, = database.execute_sql(
            f'SELECT COUNT(*) FROM "benchmark_month" WHERE {where} AND total = {mark}', (*window, total)).fetchone()
        odd = database.execute_sql(
            f'SELECT customer_id, month FROM "benchmark_month" WHERE {where} AND total = {mark} AND inexact = 1',
            (*window, total)).fetchall()
        values = [Decimal(int(total)) / 12 / 100] * (int(count) - len(odd))
        if odd:
            # the Decimal sums of these customers' groups, as customer_months makes them
            # (a converter of their own: these groups were counted once already)
            sums = customer_months(fact_groups(since, {cu for cu, _m in odd}), window[0], window[1],
                                    Converter(conv.book))
            values += [sums[(cu, mo)] / 100 for cu, mo in odd]
        return values

    figures.invoice_median = _kept_median(database, "benchmark_month", "total", (), where, window, n, None,
                                          rows_of=tied)
    return True
