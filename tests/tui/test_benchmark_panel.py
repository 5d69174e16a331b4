"""The dashboard's benchmark panel text (tui.widgets.benchmark_text): what it
says at 80 columns and at 120x36, from a real summary of the fixed book."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from tests.tui.conftest import TODAY


def summary_and_activity():
    from store import listing
    from store.benchmark.summary import benchmark_summary

    return benchmark_summary(today=TODAY), listing.shop_activity(today=TODAY)


def below(n: int):
    from store.benchmark.results import ContractRate

    return tuple(ContractRate(
        contract_id=i, contract=f"Hourly support {i}", customer=f"Blue Mesa Logistics {i}",
        currency="USD", periods=3, hours=Decimal("41.50"), billed=Decimal("2992.15"),
        billed_usd=Decimal("2992.15"), ehr=Decimal("72.10") + i, ehr_usd=Decimal("72.10") + i,
        gap_percent=Decimal("-20.4") + i,
    ) for i in range(n))


def test_panel_at_80_columns_names_the_contract_furthest_below_and_invoices_vs_market(book):
    from tui.widgets.benchmark_text import summary_lines

    summary, activity = summary_and_activity()
    summary = replace(summary, below=below(3), rate_dates=(dt.date(2025, 11, 3), dt.date(2026, 10, 1)))
    panel = summary_lines(summary, activity, width=78, tall=False)
    head = panel.head.plain.splitlines()
    assert head[0].startswith("Shop median EHR 138.95 USD/h · US mean 57.00 USD/h")
    assert head[1] == "ECB 2025-11-03..2026-10-01 · 1 period, 2025-11..2026-10"  # the rate date first
    assert all(len(line) <= 78 - 14 for line in head)
    lines = panel.detail.plain.splitlines()
    assert lines[1] == "Furthest below: Hourly support 0 (Blue Mesa Logistics 0) 72.10 USD/h (-20%)"
    assert lines[2] == "Median invoice/customer-month: 2,542.05 USD (no market reference)"
    assert len(lines) == 3 and all(len(line) <= 78 for line in lines)


def test_panel_on_a_tall_terminal_lists_three_contracts_and_cuts_long_names_not_the_rate(book):
    from tui.widgets.benchmark_text import summary_lines

    summary, activity = summary_and_activity()
    long = replace(below(1)[0], contract="A very long contract name for the hourly support of everything",
                   customer="An equally long customer name of a big group of companies")
    summary = replace(summary, below=(long, *below(3)[1:]))
    lines = summary_lines(summary, activity, width=78, tall=True).detail.plain.splitlines()
    assert len(lines) == 5
    assert lines[1].startswith("Furthest below: A very long") and lines[1].endswith(" 72.10 USD/h (-20%)")
    assert len(lines[1]) <= 78 and "…" in lines[1]
    assert lines[2] == " " * 16 + "Hourly support 1 (Blue Mesa Logistics 1) 73.10 USD/h (-19%)"


def test_sparkline_draws_a_month_without_data_as_a_blank(book):
    from tui.widgets.benchmark_text import spark, summary_lines

    assert spark([None, Decimal("100"), None, Decimal("50"), 0]) == " █ ▄ "
    summary, activity = summary_and_activity()
    panel = summary_lines(summary, activity)
    # the book has billed hourly work in 2026-09 only: one bar, eleven blanks
    assert panel.spark == " " * 10 + "█" + " "
    assert panel.caption == "EHR by month"


def test_no_contract_below_the_reference_is_said(book):
    from tui.widgets.benchmark_text import summary_lines

    summary, activity = summary_and_activity()
    lines = summary_lines(summary, activity).detail.plain.splitlines()
    assert lines[1] == "Furthest below: none (the 1 hourly contract is at or above the reference)"
