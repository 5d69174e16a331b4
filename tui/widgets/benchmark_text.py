"""The dashboard's benchmark panel in words: the shop's effective hourly rate
against the regional reference, both in USD, with the source and rate date."""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit


def usd(value: Decimal | None) -> str:
    if value is None:
        return "n/a"
    return f"{value.quantize(Decimal('0.01')):,} USD"


def short_source(source: str) -> str:
    """A URL shown as its host (the full URL is in `batchbill benchmark`)."""
    if "://" in source:
        host = urlsplit(source).hostname or source
        return host.removeprefix("www.")
    return source


def summary_lines(summary, activity) -> tuple[str, str, list[float]]:
    """(two-line headline, provenance line, sparkline series) for a BenchmarkSummary."""
    head = f"[b]Shop EHR {usd(summary.median_ehr_usd)}/h[/b]"
    ref = summary.reference
    if ref is not None and ref.value_usd is not None:
        head += f" · {summary.region} {ref.row.statistic} {usd(ref.value_usd)}/h"
        if summary.gap_percent is not None:
            head += f" ({summary.gap_percent:+.0f}%)"
        row = ref.row
        parts = [short_source(row.source), row.statistic]
        if row.sample_size:
            parts.append(f"n={row.sample_size}")
        if row.confidence:
            parts.append(f"{row.confidence} conf.")
        parts.append(str(row.year) if row.year else "year n/a")
        if ref.rate_date and row.currency != "USD":
            parts.append(f"{row.currency}->USD {ref.rate_date}")
        source = "Ref: " + ", ".join(parts)
    else:
        head += f" · {summary.region}: no reference"
        source = summary.reference_message or f"No benchmark reference for {summary.region}"
    stat = "median" if summary.median_ehr_usd is not None else "no billed hourly periods"
    count = summary.contract_periods
    second = f"{stat}, {count} period{'' if count == 1 else 's'}, {summary.window_start}..{summary.window_end}"
    if summary.rate_dates:
        second += f", ECB {summary.rate_dates[1]}"
    series = [float(p.median_ehr_usd) if p.median_ehr_usd is not None else 0.0
              for p in summary.trend]  # a picture only: never used as money
    if not any(series):
        series = [float(c) for c in activity.invoice_counts]
    return f"{head}\n{second}", source, series
