"""The layers stay clean: import-linter contracts from pyproject.toml, and a
subprocess check that every module of the headless packages (found by walking
them) imports without Textual."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEADLESS_PACKAGES = ("store", "exporters", "batchbill")


def headless_modules() -> list[str]:
    """Every module of the headless packages, found by walking their folders
    (``__main__`` runs the command line, so it is left out)."""
    found = []
    for package in HEADLESS_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__main__":
                continue
            if parts[-1] == "__init__":
                parts.pop()
            found.append(".".join(parts))
    return found


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.fail("lint-imports is missing: install the test extras (pip install -e '.[test]')")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_walk_finds_every_headless_module():
    modules = headless_modules()
    for known in ("store", "store.db", "store.book", "store.domain.plan", "exporters.qbo_csv",
                  "batchbill.cli", "batchbill.commands.batch"):
        assert known in modules
    assert not any(m.startswith(("tui", "tests")) or m.endswith("__main__") for m in modules)


def test_headless_modules_do_not_import_textual():
    """Each module of store/, exporters/ and batchbill/ in turn, in one fresh
    process: the first one after which Textual is loaded is the one that loads it."""
    code = (
        "import importlib, sys\n"
        f"for name in {headless_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "    if any(m == 'textual' or m.startswith('textual.') for m in sys.modules):\n"
        "        print(name); sys.exit(1)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"imports Textual: {result.stdout.strip()} {result.stderr[-2000:]}"


def test_headless_subcommand_does_not_import_textual(tmp_path):
    from store.book import open_database
    from store.db import close_database

    open_database(str(tmp_path / "x.sqlite3"))
    close_database()
    code = (
        "import sys; from batchbill.cli import main; "
        f"rc = main(['status', '--db', {str(tmp_path / 'x.sqlite3')!r}]); "
        "sys.exit(2 if 'textual' in sys.modules else rc)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
