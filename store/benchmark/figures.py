"""The shop's figures and what the ways to them share: the window, the USD
converter of one summary, the groups of invoice lines read from the facts, and
the per-group sums (:func:`customer_months`) that the kept sums fall back on for
the few values they cannot order exactly (a third of a quarter's fee, a
contract billed in two currencies)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from store.benchmark.results import WINDOW_MONTHS, month_index, period_months
from store.errors import ValidationError
from store.money import exponent
from store.rows import as_date as _as_date

if TYPE_CHECKING:
    from store.benchmark.conversion import RateBook


class PeriodAcc:
    """One contract-period's labour, summed over its groups."""

    __slots__ = ("contract_id", "currency", "month", "billed", "usd", "minutes")

    def __init__(self, contract_id: int, currency: str, month: int):
        self.contract_id = contract_id
        self.currency = currency
        self.month = month
        self.billed = 0  # minor units of ``currency``
        self.usd = 0  # cents
        self.minutes = 0


def summary_window(today: dt.date) -> tuple[int, int, dt.date]:
    """(first month, last month, first day): the 12 closed months before today's month."""
    last = month_index(today.year, today.month) - 1
    first = last - WINDOW_MONTHS + 1
    return first, last, dt.date(first // 12, first % 12 + 1, 1)


class Converter:
    """USD conversions of one summary: counts fallbacks and collects problems."""

    def __init__(self, book: RateBook):
        self.book = book
        self.days: set[dt.date] = set()
        self.fallbacks: set[dt.date] = set()
        self.problems: dict[str, int] = defaultdict(int)
        self._cache: dict[tuple[str, dt.date], tuple] = {}

    def lookup(self, currency: str, day: dt.date) -> tuple | str:
        """The book's rate tuple for (currency, day), or why there is none."""
        key = (currency, day)
        got = self._cache.get(key)
        if got is None:
            try:
                got = self.book.rate(currency, "USD", day)
            except ValidationError as exc:
                return str(exc)
            self._cache[key] = got
        return got

    def used(self, currency: str, day: dt.date, got: tuple) -> None:
        """Count a converted group's rate day (and fallback) as :meth:`to_usd` does."""
        if currency != "USD":
            self.days.add(got[1])
            if got[1] < day:
                self.fallbacks.add(day)

    def to_usd(self, minor: int, currency: str, day: dt.date) -> int | None:
        got = self.lookup(currency, day)
        if isinstance(got, str):
            self.problems[got] += 1
            return None
        rate, rate_day, per_eur_src, per_eur_usd = got
        self.used(currency, day, got)
        if currency == "USD":
            return int(minor)
        scaled = Decimal(int(minor)).scaleb(2 - exponent(currency))
        return int((scaled * per_eur_usd / per_eur_src).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Figures:
    """What the summary needs of the shop's invoices in the window."""

    def __init__(self, **values):
        self.median: Decimal | None = None  # median EHR in USD over the contract-periods (not rounded)
        self.contract_periods = 0
        # month index -> (median EHR in USD, contract-periods ending in that month)
        self.months: dict[int, tuple[Decimal | None, int]] = {}
        # the hourly contracts with the lowest EHR, lowest first (at most BELOW_COUNT):
        # (ehr_usd, contract id, currency, periods, minutes, billed in that currency,
        # minutes of that currency's periods, usd)
        self.contracts: list[tuple] = []
        self.hourly_contracts = 0
        self.invoice_median: Decimal | None = None  # USD, not rounded
        self.customer_months = 0
        self.customers = 0
        for name, value in values.items():
            setattr(self, name, value)


def ehr(usd: int, minutes: int) -> Decimal:
    """US dollars per hour of ``usd`` cents over ``minutes`` (exact, not rounded)."""
    return Decimal(usd * 60) / Decimal(minutes * 100)


def contract_tuple(cid: int, accs: list[PeriodAcc]) -> tuple:
    """One contract's entry of :attr:`Figures.contracts` from its periods, in the order of
    its groups: shown in the currency of the first."""
    minutes = sum(a.minutes for a in accs)
    usd = sum(a.usd for a in accs)
    currency = accs[0].currency
    billed = sum(a.billed for a in accs if a.currency == currency)
    ccy_minutes = sum(a.minutes for a in accs if a.currency == currency)
    return (ehr(usd, minutes), cid, currency, len(accs), minutes, billed, ccy_minutes, usd)


# Reading the facts (store/benchmark/facts.py). SQLite gives dates back as text, PostgreSQL as dates;
# both order them as days.

def day_param(database, day: dt.date):
    from store.db import is_postgres

    return day if is_postgres(database) else day.isoformat()


def fact_groups(since: dt.date, customers=None):
    """The groups the benchmark converts, from the facts: (customer, contract, is hourly
    labour, period, issue date, currency, amount, minutes), one per customer, contract,
    labour or not, period, issue date and currency of the lines of non-void invoices issued
    since ``since``, in that order (that of the GROUP BY over the lines this replaced).
    ``customers``: only theirs."""
    from store.db import db

    database = db.obj
    mark = database.param
    sql = ("SELECT f.customer_id, f.contract_id, CASE WHEN c.type = 'hourly' THEN 1 ELSE 0 END, f.period, "
           "f.issue_date, f.currency, f.labour_amount, f.labour_minutes, f.labour_lines, f.other_amount, "
           'f.other_lines FROM "benchmark_fact" f LEFT JOIN "contract" c ON c.id = f.contract_id '
           f"WHERE f.issue_date >= {mark}")
    params: list = [day_param(database, since)]
    if customers is not None:
        customers = sorted(customers)
        sql += f" AND f.customer_id IN ({', '.join([mark] * len(customers))})"
        params += customers
    groups = []
    for cu, co, hourly, period, issued, currency, la, lm, ll, oa, ol in database.execute_sql(sql, params):
        contract = co or None  # 0: lines without a contract
        if hourly:
            if ll:
                groups.append((cu, contract, 1, period, issued, currency, int(la), int(lm)))
            if ol:
                groups.append((cu, contract, 0, period, issued, currency, int(oa), 0))
        else:  # the lines of other contracts are one group (minutes count only for labour)
            groups.append((cu, contract, 0, period, issued, currency, int(la) + int(oa), int(lm)))
    groups.sort(key=lambda g: (g[0], g[1] or 0, g[2], g[3], g[4], g[5]))
    days: dict = {}
    for cu, contract, labour, period, issued, currency, amount, minutes in groups:
        day = days.get(issued)
        if day is None:
            day = days[issued] = _as_date(issued)
        yield cu, contract, bool(labour), period, day, currency, amount, minutes


def customer_months(groups, first: int, last: int, conv: Converter, acc=None):
    """{(customer, month): USD cents} of the groups, each spread over its period's months
    (the Decimal sums the median is taken of); ``acc`` receives the labour per
    contract-period when given."""
    per_month: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    spans: dict[str, list[int] | None] = {}  # period label -> its months (a few dozen labels)
    for customer_id, contract_id, is_labour, period, issued, currency, amount, minutes in groups:
        usd = conv.to_usd(amount, currency, issued)
        if usd is None:
            continue
        months = spans.get(period, ())
        if months == ():
            months = spans[period] = period_months(period)
        months = months or [month_index(issued.year, issued.month)]
        share = Decimal(usd) / len(months)  # a quarter's fee counts a third in each of its months
        for month in months:
            if first <= month <= last:
                per_month[(customer_id, month)] += share
        if acc is None:
            continue
        month = months[-1]  # a contract-period belongs to the month it ends in
        if not is_labour or not first <= month <= last:
            continue
        key = (contract_id, period, currency)
        item = acc.get(key)
        if item is None:
            item = acc[key] = PeriodAcc(contract_id, currency, month)
        item.billed += amount
        item.usd += usd
        item.minutes += minutes
    return per_month


def count_failed_groups(database, since_param, failed: dict[int, str], conv: Converter) -> None:
    """problems[why] += the groups of each pair without a rate (to_usd counts each group)."""
    mark = database.param
    keys = sorted(failed)
    rows = database.execute_sql(
        "SELECT f.pair_key, SUM(CASE WHEN c.type = 'hourly' THEN "
        "(CASE WHEN f.labour_lines > 0 THEN 1 ELSE 0 END) + (CASE WHEN f.other_lines > 0 THEN 1 ELSE 0 END) "
        'ELSE 1 END) FROM "benchmark_fact" f LEFT JOIN "contract" c ON c.id = f.contract_id '
        f"WHERE f.issue_date >= {mark} AND f.pair_key IN ({', '.join([mark] * len(keys))}) GROUP BY f.pair_key",
        [since_param, *keys]).fetchall()
    for key, groups in rows:
        conv.problems[failed[key]] += int(groups)


def resolve_mixed(lowest: list[tuple], mixed, first: int, last: int, since: dt.date, book: RateBook) -> list[tuple]:
    """The lowest contracts' tuples, those billed in more than one currency in the
    window (``mixed``) made again from their customers' groups: which currency such a
    contract is shown in, and its amount billed in that currency, depend on the order
    of its groups, which the sums do not keep."""
    wanted = {t[1] for t in lowest} & set(mixed)
    if not wanted:
        return lowest
    from store.models import Contract

    customers = {cu for (cu,) in Contract.select(Contract.customer).where(Contract.id.in_(sorted(wanted))).tuples()}
    acc: dict[tuple, PeriodAcc] = {}
    # a converter of its own: these groups were counted once already
    customer_months(fact_groups(since, customers), first, last, Converter(book), acc)
    by_contract: dict[int, list[PeriodAcc]] = defaultdict(list)
    for item in acc.values():  # in the order of the groups
        if item.contract_id in wanted and item.minutes > 0:
            by_contract[item.contract_id].append(item)
    return [contract_tuple(t[1], by_contract[t[1]]) if t[1] in wanted else t for t in lowest]
