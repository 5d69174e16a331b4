"""The benchmark read from its facts and kept sums (store/facts.py) against a
straightforward recomputation from the invoice lines, on random books taken through
saves, voids (two batches on one day among them), contracts changing type and rates
imported, on SQLite and PostgreSQL. Also: the three ways store.benchmark computes the
shop's figures agree, and the facts and kept sums equal a rebuild from scratch in SQL
(a save alone on its days makes them in Python from the rows it wrote)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import benchmark, billing, facts
from store.errors import ValidationError
from store.money import exponent

TODAY = dt.date(2027, 1, 20)  # window 2026-01 .. 2026-12
DAYS = [TODAY, dt.date(2026, 12, 10)]
PERIODS = ["2026-09", "2026-10", "2026-11", "2026-12", "2026-Q4", "2026"]
# issue dates, taken in order (a save may reuse the last one: two batches on one day);
# a book that starts early issues on 2026-11-02, before some billed months end (a year's
# December, a quarter's December: groups counted before their month)
ISSUES = [dt.date(2026, 11, 2), dt.date(2027, 1, 4), dt.date(2027, 1, 9), dt.date(2027, 1, 15)]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "XAF"]  # XAF: no ECB rate (left out, noted)

customer_st = st.tuples(
    st.sampled_from(CURRENCIES),
    st.integers(1, 40000),  # hourly rate, minor units
    st.sampled_from(["monthly", "quarterly", "yearly"]),  # the retainer's billing period
    st.integers(1, 90000),  # the retainer's fee
    st.lists(st.tuples(st.sampled_from([dt.datetime(2026, 9, 10), dt.datetime(2026, 10, 3),
                                        dt.datetime(2026, 11, 20), dt.datetime(2026, 12, 7)]),
                       st.lists(st.integers(1, 600), min_size=1, max_size=3)), min_size=1, max_size=4),
)
save_st = st.tuples(st.just("save"), st.sampled_from(PERIODS), st.booleans())
op_st = st.one_of(
    save_st, save_st, save_st,
    st.tuples(st.just("void"), st.integers(0, 9)),
    st.tuples(st.just("retype"), st.integers(0, 9)),
    st.tuples(st.just("rates"), st.sampled_from(["1.0511", "1.2", "0.97"])),
)


def _book(customers):
    from store.models import ServiceItem
    from tests.factories import contract, customer, expense, ticket

    for i, (currency, rate, period, fee, tickets) in enumerate(customers):
        cust = customer(f"C{i}", currency=currency, tax="0")
        hourly = contract(cust, "Hourly", "hourly", hourly_rate=rate)
        care = contract(cust, "Care", "retainer", period=period)
        ServiceItem.create(contract=care, description="Care", quantity=Decimal("1.5"), unit_price=fee)
        expense(cust, hourly, amount=fee // 7 + 1, day=dt.date(2026, 10, 7))
        for closed, minutes in tickets:
            ticket(cust, hourly, closed=closed, minutes=tuple(minutes))


def _import_rates(tmp_path, usd: str) -> None:
    """An ECB file with rates for 2026-11-02 (a day after the bundled history ends)."""
    from store.rates import import_ecb_rates

    path = tmp_path / "ecb.csv"
    path.write_text(f"Date,USD,GBP,JPY,\n2026-11-02,{usd},0.88,170.5,\n")
    import_ecb_rates(path)


def _reference(today: dt.date, region_ref_usd):
    """The shop's figures straight from the invoice lines: group them, convert each group
    with Decimal, spread quarters and years over their months, take the medians."""
    from store.db import db
    from store.rates import RateBook

    last = today.year * 12 + today.month - 2
    first = last - 11
    since = dt.date(first // 12, first % 12 + 1, 1)
    rows = db.obj.execute_sql(
        "SELECT i.customer_id, l.contract_id, c.type, l.kind, l.period, i.issue_date, i.currency, "
        "l.amount, l.minutes_worked FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id "
        "LEFT JOIN contract c ON c.id = l.contract_id WHERE i.status <> 'void'").fetchall()
    groups = defaultdict(lambda: [0, 0])
    for cu, co, kind_of_contract, kind, period, issued, currency, amount, minutes in rows:
        day = issued if isinstance(issued, dt.date) else dt.date.fromisoformat(str(issued)[:10])
        if day < since:
            continue
        labour = kind_of_contract == "hourly" and kind in ("ticket", "time_entry")
        g = groups[(cu, co or 0, labour, period, day, currency)]
        g[0] += amount
        g[1] += minutes
    book = RateBook()
    per_month = defaultdict(Decimal)
    acc = {}
    days, fallbacks, problems = set(), set(), defaultdict(int)
    for (cu, co, labour, period, day, currency), (amount, minutes) in sorted(groups.items()):
        try:
            _rate, rate_day, per_src, per_usd = book.rate(currency, "USD", day)
        except ValidationError as exc:
            problems[str(exc)] += 1
            continue
        if currency == "USD":
            usd = amount
        else:
            days.add(rate_day)
            if rate_day < day:
                fallbacks.add(day)
            exact = Decimal(amount).scaleb(2 - exponent(currency)) * per_usd / per_src
            usd = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        y, rest = period[:4], period[5:]
        if rest.startswith("Q"):
            months = [int(y) * 12 + 3 * int(rest[1]) - 3 + k for k in range(3)]
        elif rest:
            months = [int(y) * 12 + int(rest) - 1]
        else:
            months = [int(y) * 12 + k for k in range(12)]
        for m in months:
            if first <= m <= last:
                per_month[(cu, m)] += Decimal(usd) / len(months)
        if labour and first <= months[-1] <= last:
            item = acc.setdefault((co, period, currency), [currency, months[-1], 0, 0, 0])
            item[2] += amount
            item[3] += usd
            item[4] += minutes

    def median(values):
        values = sorted(values)
        n = len(values)
        if not n:
            return None
        return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2

    def cents(v):
        return None if v is None else v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    periods = {k: v for k, v in acc.items() if v[4] > 0}
    ehr = {k: Decimal(v[3] * 60) / Decimal(v[4] * 100) for k, v in periods.items()}
    by_contract = defaultdict(list)
    for (co, _p, _c), v in periods.items():
        by_contract[co].append(v)
    rates = sorted((Decimal(sum(v[3] for v in vs) * 60) / Decimal(sum(v[4] for v in vs) * 100), co)
                   for co, vs in by_contract.items())
    if region_ref_usd is not None:
        rates = [r for r in rates if r[0] < region_ref_usd]
    positive = [v / 100 for v in per_month.values() if v > 0]
    return {
        "median": cents(median(ehr.values())),
        "contract_periods": len(ehr),
        "hourly_contracts": len(by_contract),
        "trend": tuple((m, cents(median([e for k, e in ehr.items() if periods[k][1] == m])),
                        sum(1 for v in periods.values() if v[1] == m)) for m in range(first, last + 1)),
        "below": tuple((co, cents(e)) for e, co in rates[:5]),
        "invoice_median": cents(median(positive)),
        "customer_months": len(positive),
        "customers": len({cu for cu, _m in per_month}),
        "rate_dates": (min(days), max(days)) if days else None,
        "fallbacks": len(fallbacks),
        "problems": dict(problems),
    }


def _summary_facts(s):
    months = {f"{m // 12:04d}-{m % 12 + 1:02d}": m for m in range(2000 * 12, 2100 * 12)}
    return {
        "median": s.median_ehr_usd,
        "contract_periods": s.contract_periods,
        "hourly_contracts": s.hourly_contracts,
        "trend": tuple((months[p.month], p.median_ehr_usd, p.contract_periods) for p in s.trend),
        "below": tuple((c.contract_id, c.ehr_usd) for c in s.below),
        "invoice_median": s.invoices.median_monthly_invoice_usd,
        "customer_months": s.invoices.customer_months,
        "customers": s.invoices.customers,
        "rate_dates": s.rate_dates,
        "fallbacks": next((int(n.split()[0]) for n in s.notes if "had no ECB rate" in n), 0),
        "problems": {n.split(": ", 1)[1]: int(n.split()[2]) for n in s.notes if n.startswith("left out")},
    }


def _figures(path, today):
    from store.rates import RateBook

    first, last, since = benchmark._window(today)
    conv = benchmark._Converter(RateBook())
    got = path(first, last, since, conv)
    if got is None:
        return None
    return (vars(got), sorted(conv.days), sorted(conv.fallbacks), dict(conv.problems))


def _kept_tables():
    from store.db import db

    out = {}
    for table, cols in (("benchmark_fact", "customer_id, contract_id, period, issue_date, currency, pair_key, "
                                           "first_month, months, labour_amount, labour_minutes, labour_lines, "
                                           "other_amount, other_lines"),
                        ("benchmark_pair", "pair_key, currency, issue_month, state, rate_a, rate_b, odd_labels"),
                        ("benchmark_month", "customer_id, month, bucket, total, groups"),
                        ("benchmark_period", "contract_id, first_month, months, currency, month, bucket, billed, "
                                             "usd, minutes, groups, ratio")):
        out[table] = sorted(db.obj.execute_sql(f'SELECT {cols} FROM "{table}"').fetchall())
    return out


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(customers=st.lists(customer_st, min_size=1, max_size=5), ops=st.lists(op_st, min_size=2, max_size=8),
       early=st.booleans())
def test_the_summary_equals_a_recomputation_from_the_lines(kind, tmp_path, customers, ops, early):
    from store.book import open_database
    from store.db import close_database
    from store.models import Batch, Contract
    from tests.conftest import _open

    if kind == "sqlite":  # a new book for each example
        close_database()
        open_database(":memory:")
    else:
        _open(kind, tmp_path)  # an empty schema
    try:
        _book(customers)
        issue = 0 if early else 1
        for n, op in enumerate([("save", "2026-10", False), *ops]):
            if op[0] == "save":
                _, period, next_day = op
                issue = min(issue + next_day, len(ISSUES) - 1)
                try:
                    draft = billing.create_batch(f"b{n}", period, today=TODAY)
                    billing.save_batch(draft.id, today=TODAY, issue_date=ISSUES[issue])
                except ValidationError as exc:  # nothing to bill; an earlier issue date
                    assert "nothing selected" in str(exc) or "before that of the last invoice" in str(exc)
            elif op[0] == "void":
                saved = [b.id for b in Batch.select().where(Batch.status == "saved").order_by(Batch.id)]
                if saved:
                    billing.void_batch(saved[op[1] % len(saved)], "test")
            elif op[0] == "retype":
                contracts = list(Contract.select().order_by(Contract.id))
                c = contracts[op[1] % len(contracts)]
                Contract.update(type="retainer" if c.type == "hourly" else "hourly").where(
                    Contract.id == c.id).execute()
            else:
                _import_rates(tmp_path, op[1])
        from hypothesis import event
        from store.models import Invoice
        event(f"invoices: {min(Invoice.select().count(), 3)}")
        for today in DAYS:
            event(f"kept: {_figures(benchmark._figures_kept, today) is not None}")
            event(f"sql: {_figures(benchmark._figures_sql, today) is not None}")
            summary = benchmark.benchmark_summary("US", today)
            event(f"periods>0: {summary.contract_periods > 0}, notes: {len(summary.notes)}")
            ref_usd = summary.reference.value_usd if summary.reference else None
            assert _summary_facts(summary) == _reference(today, ref_usd)
            python = _figures(benchmark._figures_python, today)
            for path in (benchmark._figures_kept, benchmark._figures_sql):
                got = _figures(path, today)
                assert got is None or got == python
        kept = _kept_tables()
        facts.rebuild()
        assert _kept_tables() == kept
    finally:
        close_database()


def test_a_saved_book_uses_the_kept_sums_and_a_rates_import_restamps_them(db, tmp_path):
    """On an ordinary book the summary comes from the kept sums (not the slower reads),
    and after a rates import moved a conversion it restamps that pair and still does."""
    from store.models import BenchmarkPair
    from tests.factories import contract, customer, ticket

    cust = customer("Euro GmbH", "DE", "EUR", "0")
    hourly = contract(cust, "Hourly", "hourly", hourly_rate=9000)
    ticket(cust, hourly, closed=dt.datetime(2026, 10, 3), minutes=(90,))
    draft = billing.create_batch("oct", "2026-10", today=TODAY)
    billing.save_batch(draft.id, today=TODAY, issue_date=dt.date(2026, 11, 2))
    assert _figures(benchmark._figures_kept, TODAY) is not None
    before = BenchmarkPair.get().rate_a, BenchmarkPair.get().rate_b
    _import_rates(tmp_path, "1.25")
    kept = _figures(benchmark._figures_kept, TODAY)
    assert kept is not None and kept == _figures(benchmark._figures_python, TODAY)
    assert (BenchmarkPair.get().rate_a, BenchmarkPair.get().rate_b) != before
    summary = benchmark.benchmark_summary("DE", TODAY)
    assert _summary_facts(summary) == _reference(TODAY, summary.reference.value_usd if summary.reference else None)


def test_a_median_customer_month_that_is_a_third_is_the_decimal_sum_to_usd_made(db):
    """A quarter's fee that does not divide by 3: its months are thirds that do not end as
    Decimals. The kept sums know them as twelfths and sum the Decimals again for the
    median, so the median is the old Decimal sum to the last digit."""
    from store.models import BenchmarkMonth, ServiceItem
    from tests.factories import contract, customer

    for i, fee in enumerate((10001, 20002, 30004)):
        cust = customer(f"Q{i}", currency="USD", tax="0")
        care = contract(cust, "Care", "retainer", period="quarterly")
        ServiceItem.create(contract=care, description="Care", quantity=Decimal("1"), unit_price=fee)
    draft = billing.create_batch("q4", "2026-Q4", today=TODAY)
    billing.save_batch(draft.id, today=TODAY, issue_date=dt.date(2027, 1, 4))
    assert BenchmarkMonth.select().where(BenchmarkMonth.inexact == 1).count() == 9
    kept = _figures(benchmark._figures_kept, TODAY)
    assert kept is not None and kept == _figures(benchmark._figures_python, TODAY)
    # 20002 / 3 = 6667.333... cents: the middle of nine thirds, in dollars, as Decimal made it
    assert kept[0]["invoice_median"] == Decimal(20002) / 3 / 100
