"""The benchmark harness runs end to end on a tiny book and reports every figure.

A smoke check that the tool works, not a performance test: no figure is
compared with a time here (the machines that run the suite are too noisy).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from tests.perf.bench import LIMITS, ROOT

MEASURES = ["cold start", "cold start, summary computed", "search", "plan", "save", "export: qbo-csv", "export: qbd-iif",
            "export: xero-csv", "export: csv", "memory", "keystroke", "import", "import rows: tickets",
            "import rows: time-entries"]


def _bench(tmp_path, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.perf.bench", "--customers", "10", "--months", "3",
         "--runs", "1", "--book-dir", str(tmp_path / "books"), "--json", str(out), "--import-mb", "0.5",
         "--import-rows", "200", *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, json.loads(out.read_text(encoding="utf-8"))


def _check_report(report: dict) -> None:
    rows = {r["name"]: r for r in report["results"]}
    assert list(rows) == MEASURES
    for name, row in rows.items():
        assert row["median"] > 0 and math.isfinite(row["p95"]), name
        assert isinstance(row["met"], bool) and row["target"], name
        if name == "import":
            assert row["rows"] > 1000 and row["absolute_limit"] == 200.0
        if name.startswith("import rows:"):
            assert row["rows"] > 0 and row["peak_mib"]["median"] > row["peak_floor_mib"]["median"] > 0
        if name == "keystroke":
            assert row["floor"] is None and row["absolute_limit"] == LIMITS["keystroke"]
            assert row["customers"] == report["book"]["plan"]["customers"] > 0
        else:
            assert row["floor"]["median"] > 0, name
            assert row["ratio"] == row[row["ratio_basis"]] / row["floor"][row["ratio_basis"]], name
    assert report["book"]["period"] == "2026-10"
    assert report["book"]["save"]["invoices"] > 0
    assert report["all_met"] == all(r["met"] for r in report["results"])


def test_bench_on_a_small_book_reports_every_measure_with_floor_ratio_and_verdict(tmp_path):
    proc, report = _bench(tmp_path)
    _check_report(report)
    assert report["backend"] == "sqlite" and list(report["backends"]) == ["sqlite"]
    # the printed table names every measure
    for name in MEASURES:
        assert name in proc.stdout


def test_bench_on_postgresql_and_sqlite_reports_both_side_by_side_and_drops_its_databases(tmp_path):
    from tests.perf.pgserver import Server, default_server, unavailable_reason


    url = os.environ.get("BATCHBILL_TEST_PG_SERVER", default_server())
    reason = unavailable_reason(url)
    if reason:
        pytest.skip(f"no PostgreSQL for the harness: {reason}")
    prefix = f"bb_smoke{os.getpid()}"
    try:
        proc, report = _bench(tmp_path, "--db", "sqlite", "--db", url, "--pg-prefix", prefix)
        assert list(report["backends"]) == ["sqlite", "postgresql"]
        _check_report(report["backends"]["sqlite"])
        pg = report["backends"]["postgresql"]
        _check_report(pg)
        assert pg["book"]["database"] == f"{prefix}_c10_m3_s7_t20261115"
        # the same demo book on both: the same plan and the same save
        assert pg["book"]["plan"]["items"] == report["backends"]["sqlite"]["book"]["plan"]["items"]
        assert pg["book"]["save"]["invoices"] == report["backends"]["sqlite"]["book"]["save"]["invoices"]
        assert report["all_met"] == (pg["all_met"] and report["backends"]["sqlite"]["all_met"])
        header = next(line for line in proc.stdout.splitlines() if line.startswith("measure"))
        assert "SQLite" in header and "PostgreSQL" in header
        for name in MEASURES:
            assert name in proc.stdout
        left = _databases(url, prefix)
        # the cached books stay (built once); every copy the run made is gone
        assert sorted(left) == [f"{prefix}_c10_m3_s7_t20261115", f"{prefix}_default_s7_t20261115"]
    finally:
        server = Server(url, prefix=prefix)
        for name in _databases(url, prefix):
            server.drop(name)
        server.close()


def _databases(url: str, prefix: str) -> list[str]:
    from tests.perf.pgserver import Server

    server = Server(url, prefix=prefix)
    try:
        return [r[0] for r in server.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
                                             (prefix,))]
    finally:
        server.close()
