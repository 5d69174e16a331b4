"""A new user's first hour with the command line: what they tried and what it
must do (an empty -o, credit notes' file names, counted nouns, 80-column
tables, ASCII spellings of umlauts, ``invoice list``)."""
from __future__ import annotations

import pytest

from tests.cli.test_export_cli import book, run  # noqa: F401  (the fixture)


@pytest.mark.parametrize("fmt", ["csv", "qbo-csv", "pdf"])
@pytest.mark.parametrize("target", ["", "  "])
def test_export_to_an_empty_destination_is_refused_in_one_line(book, capsys, fmt, target):  # noqa: F811
    path, batch_id, work = book
    status, out, err = run(capsys, "export", "--batch", str(batch_id), "-f", fmt, "-o", target, "--db", path)
    assert status == 2 and out == ""
    assert err.startswith("batchbill: ") and err.count("\n") == 1 and "-o" in err
    assert list(work.iterdir()) == []
