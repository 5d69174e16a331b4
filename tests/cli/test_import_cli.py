"""``batchbill import``: a summary on success, every problem on stderr and
exit status 2 on a bad file, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from batchbill.cli import main
from store.db import close_database

DATA = Path(__file__).resolve().parent.parent / "data" / "import"
KINDS = ("customers", "contracts", "service-items", "tickets", "time-entries", "expenses")


@pytest.fixture
def book(tmp_path):
    yield str(tmp_path / "book.sqlite3")
    close_database()


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_import_prints_created_updated_unchanged(book, capsys):
    status, out, err = run(capsys, "import", "customers", str(DATA / "customers.csv"), "--db", book)
    assert (status, err) == (0, "")
    assert out == f"{DATA / 'customers.csv'}: 4 customers row(s): 4 created, 0 updated, 0 unchanged\n"


def test_import_json_summary_after_the_examples_in_order(book, capsys):
    for kind in KINDS:
        assert run(capsys, "import", kind, str(DATA / f"{kind}.csv"), "--db", book)[0] == 0
    status, out, _ = run(capsys, "import", "time-entries", str(DATA / "time-entries.csv"), "--db", book, "--json")
    assert status == 0
    assert json.loads(out) == {
        "kind": "time-entries", "file": str(DATA / "time-entries.csv"), "rows": 7,
        "created": 0, "updated": 0, "unchanged": 7,
    }


def test_a_bad_file_lists_every_problem_on_stderr_and_exits_2(book, capsys, tmp_path):
    bad = tmp_path / "contracts.csv"
    bad.write_text("external_id,customer_external_id,name,type,start_date\n"
                   "K1,C9,Help,hourly,10/31/2026\n", encoding="utf-8")
    status, out, err = run(capsys, "import", "contracts", str(bad), "--db", book)
    assert (status, out) == (2, "")
    assert err.splitlines() == [
        f"{bad}:2: start_date: '10/31/2026' is not a date; write YYYY-MM-DD (month first? write 2026-10-31)",
        f"{bad}:2: customer_external_id: unknown customer 'C9': no customer has this external_id "
        "(import the customers first)",
        f"batchbill: nothing imported: 2 problem(s) in {bad}",
    ]


def test_more_than_50_problems_are_cut_short_with_a_count(book, capsys, tmp_path):
    bad = tmp_path / "customers.csv"
    rows = "".join(f"C{i},Name {i},USA,USD\n" for i in range(60))
    bad.write_text("external_id,name,region,currency\n" + rows, encoding="utf-8")
    status, _, err = run(capsys, "import", "customers", str(bad), "--db", book)
    lines = err.splitlines()
    assert status == 2
    assert len(lines) == 52
    assert lines[49] == f"{bad}:51: region: 'USA' is not a region code: write 2 letters (US, UK, DE...)"
    assert lines[50:] == ["... and 10 more", f"batchbill: nothing imported: 60 problem(s) in {bad}"]


def test_a_missing_file_is_one_line_and_exit_2(book, capsys, tmp_path):
    missing = tmp_path / "nope.csv"
    status, _, err = run(capsys, "import", "customers", str(missing), "--db", book)
    assert (status, err) == (2, f"batchbill: {missing}: no such file\n")


def test_a_new_users_broken_latin1_file_through_the_real_command_has_no_traceback(tmp_path):
    bad = tmp_path / "customers.csv"
    bad.write_bytes("external_id,name,region,currency\nC1,Café Müller,DE,EUR\n".encode("latin-1"))
    env = {**os.environ, "BATCHBILL_DB": str(tmp_path / "book.sqlite3")}
    proc = subprocess.run(
        [sys.executable, "-m", "batchbill", "import", "customers", str(bad)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"{bad}:2: encoding: the file is not UTF-8 (byte 0xe9 at byte offset 39, after 'C1,Caf'); re-save it as UTF-8 "
        "(in Excel: Save As > 'CSV UTF-8'; in LibreOffice: character set 'Unicode (UTF-8)')",
        f"batchbill: nothing imported: 1 problem(s) in {bad}",
    ]


def test_columns_lists_what_a_kind_accepts_within_80_columns(capsys):
    status, out, _ = run(capsys, "import", "expenses", "--columns")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["column", "req.", "type", "meaning"]
    assert [line.split()[0] for line in lines[2:] if line[:1].strip()] == [
        "external_id", "contract_external_id", "ticket_external_id", "date", "description", "amount",
        "billable",
    ]
    assert max(len(line) for line in lines) <= 80


def test_a_wrong_header_points_to_the_columns_option(book, capsys, tmp_path):
    bad = tmp_path / "customers.csv"
    bad.write_text("external_id,name,country,currency\nC1,Acme,US,USD\n", encoding="utf-8")
    status, _, err = run(capsys, "import", "customers", str(bad), "--db", book)
    assert status == 2
    assert err.splitlines()[-1] == (
        f"batchbill: nothing imported: 1 problem(s) in {bad} "
        "(batchbill import customers --columns lists the columns)"
    )


def test_forgetting_the_file_says_what_to_give(capsys):
    status, _, err = run(capsys, "import", "tickets")
    assert (status, err) == (2, "batchbill: give the CSV FILE to import (batchbill import tickets FILE), "
                                "or --columns to see the columns it needs\n")


def test_the_command_offers_exactly_the_importers_kinds():
    from batchbill.commands.importing import KINDS as CLI_KINDS
    from store.importing import KINDS as STORE_KINDS

    assert CLI_KINDS == STORE_KINDS
