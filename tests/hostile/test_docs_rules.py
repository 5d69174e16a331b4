"""The import rules in docs/importing.md are the code's: the number grammar,
the ranges table, the date range (issue 13: 'a test keeps them in step')."""
from __future__ import annotations

from pathlib import Path

from store.importing.cells import NUMBER
from store.importing.specs import FIRST_DATE, LAST_DATE, ranges_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "importing.md"


def test_docs_state_the_number_grammar_the_code_uses():
    assert f"`{NUMBER.pattern}`" in DOC.read_text(encoding="utf-8")


def test_docs_ranges_table_is_the_specs():
    assert ranges_markdown() in DOC.read_text(encoding="utf-8")


def test_docs_date_range_is_the_codes():
    assert f"from {FIRST_DATE} to\n{LAST_DATE}" in DOC.read_text(encoding="utf-8")
