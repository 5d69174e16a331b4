"""The shop's figures computed by the database from the facts, converted at
each call: for the cases the kept sums cannot serve (see :func:`sql_figures`)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from store.benchmark.facts import integer_rate, usd_sql
from store.benchmark.figures import (
    Converter, Figures, count_failed_groups, customer_months, day_param, ehr, fact_groups, resolve_mixed,
)
from store.benchmark.results import BELOW_COUNT
from store.errors import ValidationError
from store.rows import as_date as _as_date

_INT64 = (1 << 63) - 1
_DOUBLE_EXACT = 1 << 53


def sql_figures(first: int, last: int, since: dt.date, conv: Converter) -> Figures:
    """The figures from the facts with the conversions and sums done by the database.

    The cases the kept sums cannot serve (:func:`store.benchmark.kept.kept_figures`
    returns None), each covered by a test in tests/store/test_benchmark_facts.py:

    - more than ``KEPT_PAIRS_LIMIT`` (issue date, currency) pairs in the window (a shop
      that invoices on many days in several currencies): sums of the kept ratios
      over that many pairs could pass 2^53 as doubles;
    - kept conversions or hourly contracts that are not today's and a book that does
      not take the write that would bring them up to date at once (another process in
      the middle of a save, a read-only book);
    - a group issued inside the window before a month it counts in (a quarter or year
      invoiced before it ends, e.g. an on-demand contract billed in a quarter's batch
      issued in its first month): the kept sums bucket a group by its issue month.

    Each group is converted in SQL with integer arithmetic that rounds exactly as
    :meth:`Converter.to_usd` does; contract-periods and customer-months are summed
    there, and only the few values around each median come back to be ordered
    exactly here (the database orders by a float key, which never misorders two
    different ratios of integers below 2^53, and ties are ordered again as Decimals).

    A book whose facts hold what billing never writes is refused with a ValidationError
    naming the cause: a period label other than YYYY-MM, YYYY-Qn or YYYY, a currency
    code outside A-Z, amounts whose sums pass 64 bits, negative line amounts that cancel
    out within a customer-month."""
    from store.db import db

    database = db.obj
    mark = database.param
    since_param = day_param(database, since)
    pairs = database.execute_sql(
        "SELECT pair_key, currency, issue_date, MIN(months), MAX(ABS(labour_amount) + ABS(other_amount)), "
        "SUM(ABS(labour_amount) + ABS(other_amount)), SUM(ABS(labour_minutes)), COUNT(*) "
        f'FROM "benchmark_fact" WHERE issue_date >= {mark} GROUP BY issue_date, pair_key, currency',
        (since_param,)).fetchall()
    rates: dict[int, tuple[int, int]] = {}
    failed: dict[int, str] = {}
    seen: set[int] = set()
    usd_bound = minutes_bound = 0
    for key, currency, issued, months, biggest, total, minutes, rows in pairs:
        if key in seen or not months:  # a pair number standing for two pairs, or a label billing does not write
            raise _unavailable("invoice lines with a period label billing does not write (YYYY-MM, YYYY-Qn or "
                               "YYYY) or a currency code outside A-Z")
        seen.add(key)
        day = _as_date(issued)
        got = conv.lookup(currency, day)
        if isinstance(got, str):
            failed[key] = got
            continue
        conv.used(currency, day, got)
        fraction = integer_rate(currency, got[2], got[3])
        if fraction is None:
            raise _unavailable(f"the ECB rates of {currency} on {day.isoformat()} are not positive numbers")
        a, b = fraction
        if 2 * int(biggest) * a + b > _INT64:
            raise _unavailable(_TOO_LARGE)
        rates[key] = fraction
        usd_bound += (int(total) * a) // b + 2 * int(rows)
        minutes_bound += int(minutes)
    if 12 * usd_bound >= _DOUBLE_EXACT or minutes_bound >= _DOUBLE_EXACT:
        raise _unavailable(_TOO_LARGE)
    if failed:
        count_failed_groups(database, since_param, failed, conv)
    figures = Figures()
    if rates:
        rate_cte = "rate(k, a, b) AS (VALUES " + ", ".join(
            f"(CAST({k} AS BIGINT), CAST({a} AS BIGINT), CAST({b} AS BIGINT))" for k, (a, b) in rates.items()) + ")"
        _labour_sql(database, rate_cte, mark, since_param, first, last, since, conv.book, figures)
        _invoices_sql(database, rate_cte, mark, since_param, first, last, figures, since, conv)
    return figures


_TOO_LARGE = "invoice amounts too large to sum exactly in 64 bits"


def _unavailable(reason: str) -> ValidationError:
    return ValidationError(f"the benchmark cannot be computed from this book: {reason}")


def _median_from_ties(n: int, classes: dict, value_of) -> Decimal | None:
    """The median of ``n`` ordered values, given for each position it needs the values
    whose float key equals the key there: classes[position] = (first position of
    those values, the values). ``value_of`` makes a value's exact Decimal."""
    if not n:
        return None
    picked = []
    for position in sorted({(n - 1) // 2, n // 2}):
        lo, members = classes[position]
        picked.append(sorted(value_of(m) for m in members)[position - lo])
    return picked[0] if len(picked) == 1 else (picked[0] + picked[1]) / 2


def _labour_sql(database, rate_cte: str, mark: str, since_param, first: int, last: int, since: dt.date,
                book, figures: Figures) -> None:
    """Contract-periods of hourly contracts: per contract sums, and the values around the
    medians (overall and per month). A contract with periods in two currencies is shown
    as :func:`mixed_currency_contracts` makes it."""
    usd = usd_sql("f.labour_amount", "r.a", "r.b")
    sql = f"""
WITH {rate_cte},
cp AS MATERIALIZED (
  SELECT f.contract_id AS co, f.first_month + f.months - 1 AS mo, f.currency AS cur,
         SUM(f.labour_amount) AS billed, SUM({usd}) AS usd, SUM(f.labour_minutes) AS mins
  FROM "benchmark_fact" f JOIN rate r ON r.k = f.pair_key JOIN "contract" c ON c.id = f.contract_id
  WHERE f.issue_date >= {mark} AND f.labour_lines > 0 AND c.type = 'hourly'
    AND f.first_month + f.months - 1 BETWEEN {int(first)} AND {int(last)}
  GROUP BY f.contract_id, f.first_month, f.months, f.currency
  HAVING SUM(f.labour_minutes) > 0),
ranked AS MATERIALIZED (
  SELECT mo, usd, mins, q,
         ROW_NUMBER() OVER (ORDER BY q) - 1 AS ra, COUNT(*) OVER () AS na,
         ROW_NUMBER() OVER (PARTITION BY mo ORDER BY q) - 1 AS rm, COUNT(*) OVER (PARTITION BY mo) AS nm
  FROM (SELECT mo, usd, mins, CAST(usd AS DOUBLE PRECISION) / CAST(mins AS DOUBLE PRECISION) AS q
        FROM cp) x),
picks AS (
  SELECT q FROM ranked WHERE ra = (na - 1) / 2 OR ra = na / 2
  UNION SELECT q FROM ranked WHERE rm = (nm - 1) / 2 OR rm = nm / 2)
SELECT 'c', co, COUNT(*), SUM(mins), SUM(usd), SUM(billed), 0, 0, CAST(NULL AS DOUBLE PRECISION),
       MIN(cur), MAX(cur) FROM cp GROUP BY co
UNION ALL
SELECT 'q', mo, usd, mins, ra, rm, na, nm, q, '', '' FROM ranked WHERE q IN (SELECT q FROM picks)
"""
    contracts = []
    mixed = set()
    ties = []
    for tag, a, b, c, d, e, f, g, q, cur, cur2 in database.execute_sql(sql, (since_param,)):
        if tag == "c":
            if cur != cur2:
                mixed.add(a)
            cid, periods, minutes, usd_sum, billed = a, int(b), int(c), int(d), int(e)
            contracts.append((ehr(usd_sum, minutes), cid, cur, periods, minutes, billed, minutes, usd_sum))
        else:  # (month, usd, minutes, rank overall, rank in month, float key, count, count in month)
            ties.append((int(a), int(b), int(c), int(d), int(e), q, int(f), int(g)))
    contracts.sort(key=lambda t: (t[0], t[1]))
    figures.contracts = resolve_mixed(contracts[:BELOW_COUNT], mixed, first, last, since, book)
    figures.hourly_contracts = len(contracts)
    value = lambda t: ehr(t[1], t[2])  # noqa: E731
    if ties:
        n = ties[0][6]
        figures.contract_periods = n
        figures.median = _median_from_ties(n, _classes(ties, n, rank=3), value)
        by_month: dict[int, list] = defaultdict(list)
        for t in ties:
            by_month[t[0]].append(t)
        for month, rows in by_month.items():
            count = rows[0][7]
            figures.months[month] = (_median_from_ties(count, _classes(rows, count, rank=4), value), count)


def _classes(rows: list[tuple], n: int, rank: int) -> dict[int, tuple[int, list]]:
    """For the median positions of ``n`` rows ranked in column ``rank`` (float key in
    column 5): (first rank of the rows sharing that position's key, those rows)."""
    out = {}
    for position in {(n - 1) // 2, n // 2}:
        key = next(r[5] for r in rows if r[rank] == position)
        members = [r for r in rows if r[5] == key]
        out[position] = (min(r[rank] for r in members), members)
    return out


def _invoices_sql(database, rate_cte: str, mark: str, since_param, first: int, last: int,
                  figures: Figures, since: dt.date, conv: Converter) -> None:
    """Customer-months: the amount invoiced in USD, each group converted then spread
    over its months, summed in twelfths of a cent (a quarter's third and a year's
    twelfth are whole twelfths); the median's neighbours come back with, for the
    customer-months whose Decimal sum in to_usd is not exact (a third or a twelfth
    that does not end), their customers' groups summed again as to_usd does."""
    total = usd_sql("f.labour_amount + f.other_amount", "r.a", "r.b")
    labour = usd_sql("f.labour_amount", "r.a", "r.b")
    other = usd_sql("f.other_amount", "r.a", "r.b")
    sql = f"""
WITH {rate_cte},
hourly AS MATERIALIZED (SELECT id FROM "contract" WHERE type = 'hourly'),
g AS MATERIALIZED (
  SELECT f.customer_id AS cu, f.first_month AS m0, f.months AS n,
         CASE WHEN h.id IS NULL THEN {total} ELSE 0 END AS ua,
         CASE WHEN h.id IS NULL THEN 0 ELSE {labour} END AS ul,
         CASE WHEN h.id IS NULL THEN 0 ELSE {other} END AS uo
  FROM "benchmark_fact" f JOIN rate r ON r.k = f.pair_key LEFT JOIN hourly h ON h.id = f.contract_id
  WHERE f.issue_date >= {mark} AND f.first_month <= {int(last)} AND f.first_month + f.months - 1 >= {int(first)}),
spread(i) AS (VALUES {", ".join(f"({i})" for i in range(12))}),
parts AS (
  SELECT cu, m0 AS mo, (ua + ul + uo) * 12 AS t, 0 AS x FROM g WHERE n = 1
  UNION ALL
  SELECT g.cu, g.m0 + s.i, (g.ua + g.ul + g.uo) * (12 / g.n),
         CASE WHEN g.ua - (g.ua / 3) * 3 <> 0 OR g.ul - (g.ul / 3) * 3 <> 0 OR g.uo - (g.uo / 3) * 3 <> 0
              THEN 1 ELSE 0 END
  FROM g JOIN spread s ON s.i < g.n WHERE g.n > 1),
cm AS MATERIALIZED (
  SELECT cu, mo, SUM(t) AS t, MAX(x) AS x FROM parts WHERE mo BETWEEN {int(first)} AND {int(last)}
  GROUP BY cu, mo),
pos AS MATERIALIZED (
  SELECT t, ROW_NUMBER() OVER (ORDER BY t) - 1 AS rn, COUNT(*) OVER () AS c FROM cm WHERE t > 0),
picks AS (SELECT DISTINCT t FROM pos WHERE rn = (c - 1) / 2 OR rn = c / 2)
SELECT 's', COUNT(DISTINCT cu), SUM(CASE WHEN t > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN t = 0 AND x = 1 THEN 1 ELSE 0 END), 0 FROM cm
UNION ALL
SELECT 't', pos.t, MIN(pos.rn), COUNT(*), 0 FROM pos WHERE pos.t IN (SELECT t FROM picks) GROUP BY pos.t
UNION ALL
SELECT 'x', cu, mo, t, 0 FROM cm WHERE x = 1 AND t IN (SELECT t FROM picks)
"""
    stats = None
    classes: dict[int, list] = {}  # twelfths -> [first rank, count, inexact (customer, month)s]
    inexact = []
    for tag, a, b, c, _ in database.execute_sql(sql, (since_param,)):
        if tag == "s":
            stats = (int(a or 0), int(b or 0), int(c or 0))
        elif tag == "t":
            classes[int(a)] = [int(b), int(c), []]
        else:
            inexact.append((a, int(b), int(c)))
    customers, n, zero_inexact = stats
    figures.customers = customers
    figures.customer_months = n
    if not n:
        return
    old: dict[tuple[int, int], Decimal] = {}
    if inexact or zero_inexact:
        # their Decimal sums as to_usd and customer_months make them (a separate converter:
        # these groups were counted once already)
        wanted = {cu for cu, _m, _t in inexact}
        if zero_inexact:  # a customer-month summing to 0 in twelfths may be a hair above 0 in Decimal
            raise _unavailable("negative invoice line amounts that cancel out within a customer-month")
        sums = customer_months(fact_groups(since, wanted), first, last, Converter(conv.book))
        old = {(cu, mo): sums[(cu, mo)] for cu, mo, _t in inexact}
        for cu, mo, t in inexact:
            classes[t][2].append(old[(cu, mo)])
    picked = []
    for position in sorted({(n - 1) // 2, n // 2}):
        for t, (lo, count, odd) in classes.items():
            if lo <= position < lo + count:
                exact = Decimal(t) / 12
                values = sorted(odd + [exact] * (count - len(odd)))
                picked.append(values[position - lo] / 100)
                break
    figures.invoice_median = picked[0] if len(picked) == 1 else (picked[0] + picked[1]) / 2
