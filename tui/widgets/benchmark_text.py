"""The dashboard's benchmark panel in words: the shop's effective hourly rate
against the regional reference, both in USD, with the source and rate date,
the contracts furthest below it and invoices vs market (DESIGN.md §5).

Pure functions of the benchmark summary and the terminal's room, so that
the panel can be tested without a screen."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

from rich.text import Text

from tui.format import clip

SPARK_LEVELS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 12  # one column a month
BELOW_TALL = 3  # contracts listed when the terminal is tall (36 rows)


@dataclass(frozen=True)
class PanelText:
    head: Text  # two lines beside the sparkline
    detail: Text  # the lines under it, full width
    spark: str  # one character a month, a space for a month with no data
    caption: str  # what the sparkline shows


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


def spark(values) -> str:
    """A one-row sparkline: heights from 0 to the largest value, a space for
    a month with no data (None or 0), so that a gap never reads as a low month."""
    present = [v for v in values if v]
    top = max(present, default=0)
    out = []
    for v in values:
        if not v or top <= 0:
            out.append(" ")
        else:
            level = int(round(float(v) / float(top) * len(SPARK_LEVELS)))
            out.append(SPARK_LEVELS[min(len(SPARK_LEVELS), max(1, level)) - 1])
    return "".join(out)


def _gap(value) -> str:
    return f" ({value:+.0f}%)" if value is not None else ""


def _rate_days(days) -> str:
    first, last = days
    return f"{first}" if first == last else f"{first}..{last}"


def _contract_line(prefix: str, c, width: int) -> str:
    """'Furthest below: <contract> (<customer>) 72.10 USD/h (-20%)' cut to
    ``width``, the names giving way so that the rate always shows."""
    tail = f" {usd(c.ehr_usd)}/h{_gap(c.gap_percent)}"
    room = max(10, width - len(prefix) - len(tail) - 3)
    contract_w = max(6, min(len(c.contract), room - min(len(c.customer), room // 2)))
    customer_w = max(4, room - contract_w)
    return f"{prefix}{clip(c.contract, contract_w)} ({clip(c.customer, customer_w)}){tail}"


def below_lines(summary, width: int, tall: bool) -> list[str]:
    below = list(summary.below)
    has_ref = summary.reference is not None and summary.reference.value_usd is not None
    prefix = "Furthest below: " if has_ref else "Lowest EHR: "
    if not below:
        if has_ref and summary.hourly_contracts:
            n = summary.hourly_contracts
            return [clip(f"Furthest below: none (the {n} hourly contract{'' if n == 1 else 's'} "
                         f"{'is' if n == 1 else 'are'} at or above the reference)", width)]
        return ["Furthest below: no hourly contract billed in the window"]
    shown = below[: BELOW_TALL if tall else 1]
    lines = [_contract_line(prefix if i == 0 else " " * len(prefix), c, width)
             for i, c in enumerate(shown)]
    if not has_ref:
        lines[0] = clip(lines[0] + " (no reference)", width)
    return lines


def invoices_line(summary, width: int) -> str:
    inv = summary.invoices
    if inv.median_monthly_invoice_usd is None:
        return "Median invoice/customer-month: no invoices in the window"
    text = f"Median invoice/customer-month: {usd(inv.median_monthly_invoice_usd)}"
    ref = inv.reference
    if ref is not None and ref.value_usd is not None:
        text += f" · {summary.region} {ref.row.statistic} {usd(ref.value_usd)}{_gap(inv.gap_percent)}"
    else:
        text += " (no market reference)"
    return clip(text, width)


def summary_lines(summary, activity, width: int = 78, tall: bool = False) -> PanelText:
    """The panel for a BenchmarkSummary at ``width`` columns (the sparkline
    column left out of the head's room); ``tall`` lists more contracts."""
    head_w = max(20, width - SPARK_WIDTH - 2)
    median = "Shop median EHR"
    if summary.median_ehr_usd is None:
        head = Text(f"{median}: no billed hourly work yet", style="bold")
    else:
        head = Text(f"{median} {usd(summary.median_ehr_usd)}/h", style="bold")
    ref = summary.reference
    if ref is not None and ref.value_usd is not None:
        head.append(f" · {summary.region} {ref.row.statistic} {usd(ref.value_usd)}/h{_gap(summary.gap_percent)}")
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
    head.truncate(head_w, overflow="ellipsis")
    # the rate date first: it is what a cut line must never lose
    count = summary.contract_periods
    second = f"{count} period{'' if count == 1 else 's'}, {summary.window_start}..{summary.window_end}"
    if summary.rate_dates:
        second = f"ECB {_rate_days(summary.rate_dates)} · {second}"
    head.append("\n" + clip(second, head_w))

    detail = Text()
    detail.append(clip(source, width), style="dim")
    for text in below_lines(summary, width, tall):
        detail.append("\n" + text)
    detail.append("\n" + invoices_line(summary, width))

    series = [p.median_ehr_usd for p in summary.trend]  # a picture only: never used as money
    caption = "EHR by month"
    if not any(v is not None for v in series):
        series = list(activity.invoice_counts)
        caption = "invoices/month"
    return PanelText(head, detail, spark(series[-SPARK_WIDTH:]), caption)
