"""The benchmark read from its facts and kept sums (store/benchmark/facts.py) against a
straightforward recomputation from the invoice lines, on random books taken through
saves, voids (two batches on one day among them), contracts changing type or currency
and rates imported, on SQLite and PostgreSQL. Also: the kept sums and the database's
recomputation (store.benchmark.kept, .sql) agree with the per-group oracle
(tests/support/benchmark_oracle.py), and the facts and kept sums equal a rebuild from scratch in SQL
(a save alone on its days makes them in Python from the rows it wrote)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import billing
from store.benchmark import facts
from store.benchmark.figures import Converter, summary_window
from store.benchmark.kept import kept_figures
from store.benchmark.sql import sql_figures
from store.benchmark.summary import benchmark_summary
from store.errors import ValidationError
from store.money import exponent
from tests.support.benchmark_oracle import python_figures

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
    st.tuples(st.just("recurrency"), st.integers(0, 9), st.sampled_from(CURRENCIES)),
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
    from store.benchmark.conversion import import_ecb_rates

    path = tmp_path / "ecb.csv"
    path.write_text(f"Date,USD,GBP,JPY,\n2026-11-02,{usd},0.88,170.5,\n")
    import_ecb_rates(path)


def _reference(today: dt.date, region_ref_usd):
    """The shop's figures straight from the invoice lines: group them, convert each group
    with Decimal, spread quarters and years over their months, take the medians."""
    from store.db import db
    from store.benchmark.conversion import RateBook

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
    from store.benchmark.conversion import RateBook

    first, last, since = summary_window(today)
    conv = Converter(RateBook())
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
                    assert ("nothing selected" in str(exc) or "nothing to bill for" in str(exc)
                            or "before that of the last invoice" in str(exc))
            elif op[0] == "void":
                saved = [b.id for b in Batch.select().where(Batch.status == "saved").order_by(Batch.id)]
                if saved:
                    billing.void_batch(saved[op[1] % len(saved)], "test")
            elif op[0] == "retype":
                contracts = list(Contract.select().order_by(Contract.id))
                c = contracts[op[1] % len(contracts)]
                Contract.update(type="retainer" if c.type == "hourly" else "hourly").where(
                    Contract.id == c.id).execute()
            elif op[0] == "recurrency":  # its later periods are billed in another currency
                contracts = list(Contract.select().order_by(Contract.id))
                c = contracts[op[1] % len(contracts)]
                Contract.update(currency=op[2]).where(Contract.id == c.id).execute()
            else:
                _import_rates(tmp_path, op[1])
        from hypothesis import event
        from store.models import Invoice
        event(f"invoices: {min(Invoice.select().count(), 3)}")
        from store.db import db as handle
        event("a contract billed in two currencies: " + str(bool(handle.obj.execute_sql(
            'SELECT contract_id FROM "benchmark_fact" GROUP BY contract_id HAVING COUNT(DISTINCT currency) > 1'
        ).fetchall())))
        for today in DAYS:
            event(f"kept: {_figures(kept_figures, today) is not None}")
            event(f"sql: {_figures(sql_figures, today) is not None}")
            summary = benchmark_summary("US", today)
            event(f"periods>0: {summary.contract_periods > 0}, notes: {len(summary.notes)}")
            ref_usd = summary.reference.value_usd if summary.reference else None
            assert _summary_facts(summary) == _reference(today, ref_usd)
            python = _figures(python_figures, today)
            for path in (kept_figures, sql_figures):
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
    assert _figures(kept_figures, TODAY) is not None
    before = BenchmarkPair.get().rate_a, BenchmarkPair.get().rate_b
    _import_rates(tmp_path, "1.25")
    kept = _figures(kept_figures, TODAY)
    assert kept is not None and kept == _figures(python_figures, TODAY)
    assert (BenchmarkPair.get().rate_a, BenchmarkPair.get().rate_b) != before
    summary = benchmark_summary("DE", TODAY)
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
    kept = _figures(kept_figures, TODAY)
    assert kept is not None and kept == _figures(python_figures, TODAY)
    # 20002 / 3 = 6667.333... cents: the middle of nine thirds, in dollars, as Decimal made it
    assert kept[0]["invoice_median"] == Decimal(20002) / 3 / 100


# ------------------------------------------- the cases the kept sums cannot serve (store.benchmark.sql)


def _save(name: str, period: str, issued: dt.date):
    draft = billing.create_batch(name, period, today=TODAY)
    return billing.save_batch(draft.id, today=TODAY, issue_date=issued)


def _hourly_shops(*currencies):
    from tests.factories import contract, customer, ticket

    for i, currency in enumerate(currencies):
        cust = customer(f"Shop {i}", "US", currency, "0")
        hourly = contract(cust, "Hourly", "hourly", hourly_rate=9000 + 700 * i)
        ticket(cust, hourly, closed=dt.datetime(2026, 10, 3), minutes=(90, 25 * i))


def test_more_pairs_than_the_kept_sums_order_exactly_are_summed_by_the_database(db, monkeypatch):
    """SQL case 1: more (issue date, currency) pairs in the window than KEPT_PAIRS_LIMIT."""
    from store.benchmark import kept

    _hourly_shops("USD", "EUR", "GBP")
    _save("oct", "2026-10", dt.date(2026, 11, 2))
    oracle = _figures(python_figures, TODAY)
    assert _figures(kept_figures, TODAY) == oracle  # three pairs: kept
    monkeypatch.setattr(kept, "KEPT_PAIRS_LIMIT", 2)
    assert _figures(kept_figures, TODAY) is None
    assert _figures(sql_figures, TODAY) == oracle
    summary = benchmark_summary("US", TODAY)
    assert summary.contract_periods == 3 and summary.hourly_contracts == 3
    assert _summary_facts(summary) == _reference(TODAY, summary.reference.value_usd)


def test_kept_sums_not_brought_up_to_date_on_a_locked_book_are_summed_by_the_database(db, tmp_path):
    """SQL case 2: a rates import moved a kept conversion and the book does not take the
    write that would restamp it (another process holds SQLite's write lock)."""
    import sqlite3

    from store.db import is_postgres

    if is_postgres(db):
        pytest.skip("SQLite only: PostgreSQL has no database-wide write lock to hold")
    _hourly_shops("EUR", "GBP")
    _save("oct", "2026-10", dt.date(2026, 11, 2))
    _import_rates(tmp_path, "1.25")  # the EUR and GBP conversions of 2026-11-02 move
    oracle = _figures(python_figures, TODAY)
    other = sqlite3.connect(str(db.batchbill_test_target), timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process in the middle of a save
        assert _figures(kept_figures, TODAY) is None
        assert _figures(sql_figures, TODAY) == oracle
        summary = benchmark_summary("US", TODAY)
        assert _summary_facts(summary) == _reference(TODAY, summary.reference.value_usd)
    finally:
        other.rollback()
        other.close()
    assert _figures(kept_figures, TODAY) == oracle  # restamped now that the book takes the write


def test_a_group_issued_before_a_month_it_counts_in_is_summed_by_the_database(db):
    """SQL case 3: a quarter invoiced in its second month (issued 2026-11-02, counted in
    October, November and December): the kept sums bucket it by its issue month."""
    from store.models import ServiceItem
    from tests.factories import contract, customer

    _hourly_shops("USD")
    cust = customer("Quarterly", "US", "USD", "0")
    care = contract(cust, "Care", "retainer", period="quarterly")
    ServiceItem.create(contract=care, description="Care", quantity=Decimal("1"), unit_price=90000)
    _save("q4", "2026-Q4", dt.date(2026, 11, 2))
    assert _figures(kept_figures, TODAY) is None
    oracle = _figures(python_figures, TODAY)
    assert _figures(sql_figures, TODAY) == oracle
    assert oracle[0]["customer_months"] == 4  # Shop 0's October, the quarter's three months
    summary = benchmark_summary("US", TODAY)
    assert _summary_facts(summary) == _reference(TODAY, summary.reference.value_usd)


def test_a_contract_billed_in_two_currencies_shows_the_currency_of_its_first_period(db):
    """A contract whose currency changed between two billed periods: the kept sums and the
    database's recomputation both show it in the currency of its first period, with the
    amount billed in that currency, as the per-group loop did."""
    from store.models import Contract
    from tests.factories import contract, customer, ticket

    cust = customer("Euro GmbH", "DE", "EUR", "0")
    hourly = contract(cust, "Hourly", "hourly", hourly_rate=9000)
    ticket(cust, hourly, closed=dt.datetime(2026, 9, 10), minutes=(120,))
    _save("sep", "2026-09", dt.date(2026, 10, 2))
    Contract.update(currency="USD", hourly_rate=11000).where(Contract.id == hourly.id).execute()
    ticket(cust, hourly, closed=dt.datetime(2026, 10, 3), minutes=(60,))
    _save("oct", "2026-10", dt.date(2026, 11, 2))
    oracle = _figures(python_figures, TODAY)
    contract_row = oracle[0]["contracts"][0]
    assert contract_row[2] == "EUR" and contract_row[3] == 2  # shown in EUR, two periods
    assert contract_row[5] == 18000 and contract_row[6] == 120  # billed in EUR over its EUR minutes
    assert _figures(kept_figures, TODAY) == oracle
    assert _figures(sql_figures, TODAY) == oracle
    below = benchmark_summary("IL", TODAY).below[0]  # no reference in IL: the lowest contracts
    assert (below.currency, below.billed, below.ehr, below.periods) == ("EUR", Decimal("180.00"), Decimal("90.00"), 2)


def test_a_period_label_billing_never_writes_is_refused_with_its_cause(db):
    """Facts that no save writes (a line's period edited by hand to 'Oct 2026'): the
    summary says why it cannot be computed instead of guessing."""
    from store.models import InvoiceLine

    _hourly_shops("USD")
    _save("oct", "2026-10", dt.date(2026, 11, 2))
    InvoiceLine.update(period="Oct 2026").execute()
    facts.rebuild()
    assert _figures(kept_figures, TODAY) is None
    with pytest.raises(ValidationError, match="period label billing does not write"):
        benchmark_summary("US", TODAY)
