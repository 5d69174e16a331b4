"""The benchmark's figures recomputed the plain way: every group of invoice lines
read from the facts and converted in Python, one at a time (the loop the product
used before it kept sums). The kept sums and the database's recomputation are
compared with it (tests/store/test_benchmark_facts.py, test_migrations.py)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from store.benchmark.figures import Converter, Figures, PeriodAcc, contract_tuple, customer_months, ehr, fact_groups
from store.benchmark.results import BELOW_COUNT


def decimal_median(values) -> Decimal | None:
    """The exact median of Decimals (mean of the two middle values when even)."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def python_figures(first: int, last: int, since: dt.date, conv: Converter) -> Figures:
    """The shop's figures, every group converted one at a time."""
    acc: dict[tuple, PeriodAcc] = {}
    per_month = customer_months(fact_groups(since), first, last, conv, acc)
    periods = {k: v for k, v in acc.items() if v.minutes > 0}
    period_ehr = {k: ehr(v.usd, v.minutes) for k, v in periods.items()}
    by_contract: dict[int, list[PeriodAcc]] = defaultdict(list)
    by_month: dict[int, list[Decimal]] = defaultdict(list)
    for key, item in periods.items():
        by_contract[item.contract_id].append(item)
        by_month[item.month].append(period_ehr[key])
    values = [v / 100 for v in per_month.values() if v > 0]
    return Figures(
        median=decimal_median(period_ehr.values()),
        contract_periods=len(period_ehr),
        months={m: (decimal_median(vs), len(vs)) for m, vs in by_month.items()},
        contracts=sorted((contract_tuple(cid, accs) for cid, accs in by_contract.items()),
                         key=lambda t: (t[0], t[1]))[:BELOW_COUNT],
        hourly_contracts=len(by_contract),
        invoice_median=decimal_median(values),
        customer_months=len(values),
        customers=len({c for c, _m in per_month}),
    )
