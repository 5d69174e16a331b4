"""The benchmark harness runs end to end on a tiny book and reports every figure.

A smoke check that the tool works, not a performance test: no figure is
compared with a time here (the machines that run the suite are too noisy).
"""
from __future__ import annotations

import json
import math
import subprocess
import sys

from tests.perf.bench import ROOT

MEASURES = ["cold start", "cold start, summary computed", "search", "plan", "save", "export: qbo-csv", "export: qbd-iif",
            "export: xero-csv", "export: csv", "memory", "keystroke", "import"]


def test_bench_on_a_small_book_reports_every_measure_with_floor_ratio_and_verdict(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.perf.bench", "--customers", "10", "--months", "3",
         "--runs", "1", "--book-dir", str(tmp_path / "books"), "--json", str(out), "--import-mb", "0.5"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    rows = {r["name"]: r for r in report["results"]}
    assert list(rows) == MEASURES
    for name, row in rows.items():
        assert row["median"] > 0 and math.isfinite(row["p95"]), name
        assert isinstance(row["met"], bool) and row["target"], name
        if name == "import":
            assert row["rows"] > 1000 and row["absolute_limit"] == 200.0
        if name == "keystroke":
            assert row["floor"] is None and row["absolute_limit"] == 0.1
            assert row["customers"] == report["book"]["plan"]["customers"] > 0
        else:
            assert row["floor"]["median"] > 0, name
            assert row["ratio"] == row[row["ratio_basis"]] / row["floor"][row["ratio_basis"]], name
    assert report["book"]["period"] == "2026-10"
    assert report["book"]["save"]["invoices"] > 0
    assert report["all_met"] == all(r["met"] for r in report["results"])
    # the printed table names every measure
    for name in MEASURES:
        assert name in proc.stdout
