"""What the dashboard loads, without Textual: :mod:`tui.launch` starts loading
it before Textual is imported, and the dashboard screen loads it the same way
when no such head start was made."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from store import listing


def load_benchmark(today: dt.date):
    """The benchmark summary (kept in the book until its data changes: a start reads
    it back instead of computing it) and the shop's own months."""
    from store.benchmark.summary import cached_benchmark_summary

    return cached_benchmark_summary(today=today), listing.shop_activity(today=today)


def list_page_size(app_page_size: int) -> int:
    """Rows in each of the dashboard's two lists."""
    return max(5, app_page_size // 2)


def recent_batches(query: str, page: int, size: int):
    return listing.list_batches(query, page, size)


def recent_invoices(query: str, page: int, size: int):
    return listing.recent_invoices(query, page, size)


@dataclass(frozen=True)
class FirstLoad:
    """The dashboard's first data: both lists' first pages (no search typed)
    and the benchmark panel's (summary, activity)."""

    today: dt.date
    page_size: int
    batches: list[Any]
    invoices: list[Any]
    benchmark: tuple[Any, Any]


def first_load(today: dt.date, page_size: int) -> FirstLoad:
    return FirstLoad(today, page_size, recent_batches("", 0, page_size), recent_invoices("", 0, page_size),
                     load_benchmark(today))
