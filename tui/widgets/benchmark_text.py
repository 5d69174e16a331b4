"""The dashboard's benchmark panel in words: the shop's effective hourly rate
against the regional reference, both in USD, with the source and rate date."""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from rich.text import Text


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
    if summary.median_ehr_usd is None:
        head = Text("Shop EHR: no billed hourly work yet", style="bold")
    else:
        head = Text(f"Shop EHR {usd(summary.median_ehr_usd)}/h", style="bold")
    ref = summary.reference
    if ref is not None and ref.value_usd is not None:
        head.append(f" · {summary.region} {ref.row.statistic} {usd(ref.value_usd)}/h")
        if summary.gap_percent is not None:
            head.append(f" ({summary.gap_percent:+.0f}%)")
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
        head.append(f" · {summary.region}: no reference")
        source = summary.reference_message or f"No benchmark reference for {summary.region}"
    count = summary.contract_periods
    second = (f"median of {count} period{'' if count == 1 else 's'}, "
              f"{summary.window_start}..{summary.window_end}")
    if summary.rate_dates:
        second += f", ECB {summary.rate_dates[1]}"
    series = [float(p.median_ehr_usd) if p.median_ehr_usd is not None else 0.0
              for p in summary.trend]  # a picture only: never used as money
    if not any(series):
        series = [float(c) for c in activity.invoice_counts]
    head.append("\n" + second)
    return head, Text(source), series
