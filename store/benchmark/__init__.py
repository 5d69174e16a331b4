"""The benchmark: the shop's effective hourly rate and invoices against a
market reference, in USD (docs/benchmark.md says what each figure means).

One module a part, from the bottom up:

- :mod:`store.benchmark.results`: the result dataclasses, metric names, small exact helpers
- :mod:`store.benchmark.conversion`: ECB euro reference rates, conversion, ``rates import``
- :mod:`store.benchmark.references`: the market references (shipped and imported), which is used
- :mod:`store.benchmark.facts`: the facts and the sums kept from them, written with the invoices
- :mod:`store.benchmark.figures`: what the ways to the shop's figures share (window, converter, groups)
- :mod:`store.benchmark.kept`: the shop's figures from the kept sums (the usual way)
- :mod:`store.benchmark.sql`: the same figures computed by the database, for the cases the kept
  sums cannot serve (named there)
- :mod:`store.benchmark.summary`: :func:`benchmark_summary` (the CLI's and the dashboard's one
  call) and the summary kept in the book until its data changes

The public names below load their module when first asked for
(``from store.benchmark import benchmark_summary``), so that a start which finds
the summary kept loads neither the rates nor the ways to compute it.
"""
from __future__ import annotations

from importlib import import_module

_MODULES = {
    "results": ("BenchmarkSummary", "ContractRate", "InvoicesVsMarket", "MonthPoint", "ReferenceFigure",
                "ReferenceRow", "sparkline"),
    "references": ("all_references", "import_references", "ReferencesImportResult"),
    "summary": ("benchmark_summary", "cached_benchmark_summary"),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}
__all__ = sorted(_HOME)


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'store.benchmark' has no attribute {name!r}")
    value = getattr(import_module(f"store.benchmark.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
