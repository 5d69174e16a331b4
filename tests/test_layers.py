"""The layers stay clean: import-linter contracts from pyproject.toml, and a
subprocess check that the headless modules import without Textual."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEADLESS = [
    "store.db", "store.models", "store.money", "store.domain", "store.settings",
    "store.search", "store.status", "store.billing", "store.invoices", "store.exports",
    "store.importer", "store.importing", "store.demo", "store.rates", "store.benchmark", "store.listing",
    "store.session", "store.gcpause", "store.rows",
    "exporters.qbo_csv", "exporters.qbd_iif", "exporters.xero_csv", "exporters.csv",
    "batchbill.cli",
]


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.fail("lint-imports is missing: install the test extras (pip install -e '.[test]')")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_module_does_not_import_textual(module):
    code = (
        f"import importlib, sys; importlib.import_module({module!r}); "
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_headless_subcommand_does_not_import_textual(tmp_path):
    from store.db import close_database, open_database

    open_database(str(tmp_path / "x.sqlite3"))
    close_database()
    code = (
        "import sys; from batchbill.cli import main; "
        f"rc = main(['status', '--db', {str(tmp_path / 'x.sqlite3')!r}]); "
        "sys.exit(2 if 'textual' in sys.modules else rc)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
