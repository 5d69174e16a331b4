"""The benchmark on a hand-made book: effective hourly rates computed by hand
and compared exactly, the reference chosen per region, and no reference
invented where none exists."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

from store import settings
from store.benchmark.facts import refresh_batch as refresh_facts
from store.benchmark.references import (
    _parse_reference_rows, all_references, import_references, shipped_references,
)
from store.benchmark.results import sparkline
from store.benchmark.summary import benchmark_summary
from store.errors import ImportFileError
from store.models import Batch, Contract, Customer, Invoice, InvoiceLine
from tests.support.benchmark_oracle import decimal_median

TODAY = dt.date(2026, 11, 15)  # window: 2025-11 .. 2026-10
_seq = {"n": 0}


def _customer(name, region, currency):
    return Customer.create(name=name, region=region, currency=currency)


def _contract(customer, name, kind="hourly"):
    return Contract.create(customer=customer, name=name, type=kind, currency=customer.currency,
                           start_date=dt.date(2025, 1, 1))


def _invoice(customer, issued, lines, status="issued"):
    """lines: (contract, period, kind, amount minor, minutes worked)."""
    _seq["n"] += 1
    n = _seq["n"]
    batch = Batch.create(name=f"batch {n}", created_by="test", period=lines[0][1], status="saved")
    total = sum(line[3] for line in lines)
    invoice = Invoice.create(number=f"T-{n}", sequence=n, batch=batch, customer=customer,
                             currency=customer.currency, issue_date=issued, due_date=issued,
                             subtotal=total, tax=0, total=total, status=status)
    for pos, (contract, period, kind, amount, minutes) in enumerate(lines, start=1):
        InvoiceLine.create(invoice=invoice, position=pos, kind=kind, contract=contract, period=period,
                           description=f"{kind} {pos}", quantity=Decimal("1"), unit_price=amount,
                           amount=amount, source_kind=kind, minutes_worked=minutes)
    refresh_facts(batch.id)  # as billing.save_batch does with the lines it writes
    return invoice


@pytest.fixture
def book(db):
    acme = _customer("Acme", "US", "USD")
    acme_hourly = _contract(acme, "Acme T&M")
    acme_retainer = _contract(acme, "Acme managed", "retainer")
    # 1,250.00 USD over 12.5 h worked (750 min) -> 100.00 USD/h, period 2026-09.
    _invoice(acme, dt.date(2026, 10, 5), [
        (acme_hourly, "2026-09", "ticket", 50000, 300),
        (acme_hourly, "2026-09", "ticket", 45000, 250),
        (acme_hourly, "2026-09", "time_entry", 30000, 200),
        (acme_retainer, "2026-09", "service_item", 50000, 0),  # not labour of an hourly contract
        (acme_hourly, "2026-09", "expense", 2500, 0),  # not labour
    ])
    _invoice(acme, dt.date(2026, 10, 1), [(acme_hourly, "2026-09", "ticket", 9999900, 60)], status="void")
    _invoice(acme, dt.date(2025, 11, 3), [(acme_hourly, "2025-10", "ticket", 100, 600)])  # before the window
    berlin = _customer("Berlin GmbH", "DE", "EUR")
    # 800.00 EUR over 10 h -> 80.00 EUR/h; in USD at 1.1383 (2026-07-01): 910.64 / 10 = 91.064.
    _invoice(berlin, dt.date(2026, 7, 1), [(_contract(berlin, "Berlin hourly"), "2026-06", "ticket", 80000, 600)])
    leeds = _customer("Leeds Ltd", "UK", "GBP")
    # 600.00 GBP over 8 h -> 75.00 GBP/h; issued on Saturday 2026-07-04 -> Friday's rates
    # (USD 1.1448, GBP 0.8572): 801.31 USD / 8 = 100.16375.
    _invoice(leeds, dt.date(2026, 7, 4), [(_contract(leeds, "Leeds hourly"), "2026-06", "ticket", 60000, 480)])
    delta = _customer("Delta", "US", "USD")
    # 200.00 USD over 4 h -> 50.00 USD/h, period 2026-08.
    _invoice(delta, dt.date(2026, 9, 2), [(_contract(delta, "Delta hourly"), "2026-08", "ticket", 20000, 240)])
    return db


def test_effective_hourly_rate_is_billed_labour_over_hours_worked_computed_exactly(book):
    s = benchmark_summary("US", TODAY)
    assert (s.window_start, s.window_end) == ("2025-11", "2026-10")
    assert s.contract_periods == 4 and s.hourly_contracts == 4
    # Contract-period EHRs in USD: 50, 91.064, 100, 100.16375 -> median (91.064 + 100) / 2.
    assert s.median_ehr_usd == Decimal("95.53")
    assert "median" in s.median_label and "contract-period" in s.median_label
    trend = {p.month: p.median_ehr_usd for p in s.trend}
    assert len(s.trend) == 12
    assert trend["2026-06"] == Decimal("95.61")  # (91.064 + 100.16375) / 2 = 95.613875
    assert trend["2026-08"] == Decimal("50.00")
    assert trend["2026-09"] == Decimal("100.00")
    assert trend["2026-10"] is None


def test_contract_rates_are_in_their_own_currency_and_in_usd(book):
    s = benchmark_summary("IL", TODAY)  # no reference: the lowest five are listed
    rates = {c.contract: c for c in s.below}
    assert [c.contract for c in s.below] == ["Delta hourly", "Berlin hourly", "Acme T&M", "Leeds hourly"]
    acme = rates["Acme T&M"]
    assert (acme.billed, acme.hours, acme.ehr, acme.ehr_usd) == (
        Decimal("1250.00"), Decimal("12.50"), Decimal("100.00"), Decimal("100.00"))
    berlin = rates["Berlin hourly"]
    assert (berlin.currency, berlin.ehr, berlin.billed_usd, berlin.ehr_usd) == (
        "EUR", Decimal("80.00"), Decimal("910.64"), Decimal("91.06"))
    leeds = rates["Leeds hourly"]
    assert (leeds.ehr, leeds.billed_usd, leeds.ehr_usd) == (Decimal("75.00"), Decimal("801.31"), Decimal("100.16"))
    assert all(c.gap_percent is None for c in s.below)


def test_a_weekend_invoice_date_is_converted_at_fridays_rate_and_noted(book):
    s = benchmark_summary("US", TODAY)
    assert any("1 invoice date(s) had no ECB rate" in n for n in s.notes)
    assert s.rate_dates == (dt.date(2026, 7, 1), dt.date(2026, 7, 3))


def test_us_compares_with_the_effective_rate_reference_and_lists_contracts_below(book):
    s = benchmark_summary("US", TODAY)
    ref = s.reference
    assert ref.row.metric == "effective_hourly_rate" and ref.row.statistic == "mean"
    assert ref.row.source.startswith("https://coefficientservices.com/")
    assert ref.value_usd == Decimal("57.00") and ref.row.year is None
    assert ref.rate_date == dt.date(2026, 10, 30)  # year unknown: the newest rate day
    assert ref.label == "mean effective hourly rate"  # never called a median
    assert s.gap_percent == Decimal("67.6")  # (95.532 - 57) / 57
    assert [c.contract for c in s.below] == ["Delta hourly"]
    assert s.below[0].gap_percent == Decimal("-12.3")


def test_de_uses_the_newest_list_price_and_says_it_is_a_ceiling(book):
    s = benchmark_summary("DE", TODAY)
    ref = s.reference
    assert (ref.row.metric, ref.row.year, ref.row.value, ref.row.currency) == (
        "list_hourly_rate", 2017, Decimal("79.10"), "EUR")
    assert "channelpartner.de" in ref.row.source
    # 1 July 2017 is a Saturday: Friday's USD 1.1412 -> 79.10 x 1.1412 = 90.27.
    assert ref.rate_date == dt.date(2017, 6, 30) and "Saturday" in ref.rate_note
    assert ref.value_usd == Decimal("90.27")
    assert "ceiling" in ref.kind_note and "ceiling" in s.reference_message
    assert s.gap_percent == Decimal("5.8")  # (95.532 - 90.27) / 90.27


def test_uk_and_au_references_are_converted_at_the_right_day(book):
    uk = benchmark_summary("UK", TODAY).reference
    assert (uk.row.value, uk.row.currency, uk.row.statistic) == (Decimal("75"), "GBP", "typical")
    assert uk.rate_date == dt.date(2026, 10, 30) and uk.value_usd == Decimal("100.49")
    au = benchmark_summary("AU", TODAY).reference
    assert au.row.source == "https://4it.com.au/managed-it/small-business-it-support-australian-sme/"
    assert au.rate_date == dt.date(2026, 7, 1) and au.value_usd == Decimal("113.71")  # 165 x 1.1383 / 1.6518


def test_a_region_without_a_row_has_no_reference_and_none_is_borrowed(book):
    s = benchmark_summary("IL", TODAY)
    assert s.reference is None and s.gap_percent is None
    assert "no reference exists for IL" in s.reference_message
    assert s.median_ehr_usd == Decimal("95.53")  # the shop's own figures are still shown
    assert s.region_references == ()


def test_the_region_defaults_to_the_home_region_setting(book):
    settings.set_value("home_region", "AU")
    assert benchmark_summary(today=TODAY).region == "AU"


def test_invoices_vs_market_is_the_median_monthly_invoice_per_customer_without_a_reference(book):
    inv = benchmark_summary("US", TODAY).invoices
    # Customer-months in USD: Acme 2026-09 1,775.00; Berlin 2026-06 910.64; Leeds 2026-06 801.31;
    # Delta 2026-08 200.00 -> (801.31 + 910.64) / 2 = 855.975.
    assert inv.median_monthly_invoice_usd == Decimal("855.98")
    assert (inv.customer_months, inv.customers) == (4, 4)
    assert inv.reference is None and "no reference exists" in inv.message


def test_the_summary_is_json_able(book):
    from batchbill.commands._common import _default

    text = json.dumps(dataclasses.asdict(benchmark_summary("DE", TODAY)), default=_default)
    assert '"list_hourly_rate"' in text and '"2017-06-30"' in text


def test_an_empty_book_says_there_is_nothing_to_measure(db):
    s = benchmark_summary("US", TODAY)
    assert s.median_ehr_usd is None and s.contract_periods == 0 and s.below == ()
    assert any("nothing to measure" in n for n in s.notes)


def test_median_is_exact_and_sparkline_scales_to_eight_bars():
    assert decimal_median([Decimal("1"), Decimal("2")]) == Decimal("1.5")
    assert decimal_median([Decimal("3"), Decimal("1"), Decimal("2")]) == Decimal("2")
    assert decimal_median([]) is None
    assert sparkline([Decimal(0), None, Decimal(7)]) == "▁ █"


def test_the_shipped_references_are_the_shared_file():
    rows = shipped_references()
    assert len(rows) == 6
    assert {r.region for r in rows} == {"US", "DE", "UK", "AU"}


def test_imported_references_replace_rows_with_the_same_key_and_add_others(db, tmp_path):
    path = tmp_path / "refs.csv"
    path.write_text(
        "region,metric,value,currency,statistic,year,sample_size,source,confidence,notes\n"
        "UK,list_hourly_rate,80,GBP,typical,,,https://www.ardent365.net/post/business-case-the-cost-of-it-for-a-small-business-in-the-uk,low,updated\n"
        "IL,effective_hourly_rate,300,ILS,median,2025,40,https://example.org/il-survey,medium,\n"
    )
    result = import_references(path)
    assert (result.added, result.replaced) == (1, 1)
    uk = [r for r in all_references("UK")]
    assert len(uk) == 1 and uk[0].value == Decimal("80") and uk[0].origin == "imported"
    il = benchmark_summary("IL", TODAY).reference
    assert il.label == "median effective hourly rate" and il.row.sample_size == 40
    again = import_references(path)
    assert (again.added, again.replaced) == (0, 2)
    assert len(all_references("IL")) == 1


def test_a_bad_references_file_names_file_line_and_column_and_imports_nothing(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "region,metric,value,currency,statistic,year,sample_size,source,confidence,notes\n"
        "IL,effective_hourly_rate,300,ILS,median,2025,40,https://example.org/a,medium,\n"
        "FR,hourly,-5,XYZ,mean,20,x,,sure,\n"
        "AE,list_hourly_rate,100,AED,mean,2025,,https://example.org/b,,\n"
    )
    with pytest.raises(ImportFileError) as err:
        import_references(path)
    p = str(path)
    assert err.value.problems == [
        f"{p}:3: source: required",
        f"{p}:3: metric: unknown metric 'hourly' (one of effective_hourly_rate, list_hourly_rate, "
        "monthly_invoice_per_customer)",
        f"{p}:3: value: not a positive number: '-5'",
        f"{p}:3: currency: unknown currency code 'XYZ' (expected ISO 4217, e.g. USD)",
        f"{p}:3: year: not a year from 1999 on (or empty when unknown): '20'",
        f"{p}:3: sample_size: not a positive whole number: 'x'",
        f"{p}:3: confidence: must be low, medium, high or empty: 'sure'",
        f"{p}:4: currency: no ECB rate for AED: it could not be shown in USD",
    ]
    assert all_references("IL") == []


def test_a_references_file_missing_a_column_is_refused():
    with pytest.raises(ImportFileError, match="x.csv:1: source: missing column"):
        _parse_reference_rows("region,metric,value,currency,statistic\n", "x.csv", "imported")


def test_a_currency_without_an_ecb_rate_is_left_out_and_said(book):
    dubai = _customer("Dubai LLC", "AE", "AED")
    _invoice(dubai, dt.date(2026, 8, 3), [(_contract(dubai, "Dubai hourly"), "2026-07", "ticket", 100000, 60)])
    s = benchmark_summary("US", TODAY)
    assert s.contract_periods == 4 and s.median_ehr_usd == Decimal("95.53")
    assert any("left out 1 invoice group(s): no ECB rate for AED" in n for n in s.notes)
