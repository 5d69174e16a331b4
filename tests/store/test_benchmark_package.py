"""store.benchmark: its public names resolve to their modules, and the dashboard's
start (the summary kept in the book) loads neither the rates nor the ways to
compute a summary."""
from __future__ import annotations

import subprocess
import sys

import pytest


def test_every_public_name_resolves_to_its_module():
    import store.benchmark as benchmark

    for module, names in benchmark._MODULES.items():
        for name in names:
            assert getattr(benchmark, name).__module__ == f"store.benchmark.{module}"
    with pytest.raises(AttributeError, match="NoSuchThing"):
        benchmark.NoSuchThing  # noqa: B018


def test_the_kept_summary_path_leaves_the_computing_modules_unloaded():
    code = ("import sys; from store.benchmark.summary import cached_benchmark_summary; "
            "print(sorted(m for m in sys.modules if m.startswith('store.benchmark.') or m == 'zipfile' "
            "or m.startswith('currency_converter')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['store.benchmark.results', 'store.benchmark.summary']"
