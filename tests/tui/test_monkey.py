"""The key monkey (tests/tui/monkey.py), CI-sized: every screen and dialog gets
a seeded run of random keys, in bursts and paced, on the fixed book. A long
run (python -m tests.tui.monkey --keys 100000) goes before a release; its
figures are in docs/terminal-app.md. Seeds that once failed stay here."""
from __future__ import annotations

import pytest

from tests.tui import monkey

KEYS_PER_START = 90
# (seed, start, keys) that found something once: kept as regression runs
FOUND = [
    (0, "palette", 60),  # pageup in the command palette's list before it was laid out: KeyError 0
    (35, "batch-invoices", 400),  # the palette's Quit chosen by enter: a quit, not a crash (the oracle)
    (145, "save", 400),  # the same, from the save dialog
    # the Tickets search's bb_fold() was registered on the connection of the thread that searched
    # first: another worker's connection, opened before, had no such function (OperationalError)
    (9008, "dashboard", 400),
    (9011, "search", 400),
    (9009, "batches", 400),  # p on the invoice screen writes its PDF: its key, not a leak (the oracle)
    # the long run of 5 Dec (99,751 keys): enter in the command palette ran the invoice's
    # "PDF" (5076) and the editor's "Select all", written on q (5094): chosen commands (the oracle)
    (5076, "invoice", 400),
    (5094, "editor", 400),
]


@pytest.mark.parametrize("start", sorted(monkey.STARTS))
async def test_random_keys_from_every_screen_and_dialog(book_template, tmp_path, start):
    outcome = monkey.Outcome()
    seed = 1000 + sorted(monkey.STARTS).index(start)
    await monkey.run_one(seed, start, KEYS_PER_START, book_template, tmp_path, outcome)
    assert outcome.findings == []
    assert outcome.keys == KEYS_PER_START


@pytest.mark.parametrize("seed,start,keys", FOUND)
async def test_seeds_that_found_a_problem_once(book_template, tmp_path, seed, start, keys):
    outcome = monkey.Outcome()
    await monkey.run_one(seed, start, keys, book_template, tmp_path, outcome)
    assert outcome.findings == []


def test_the_oracle_sees_a_file_and_an_export_without_a_confirming_key(tmp_path):
    before = {"files": {}, "batches": {1: ("saved", "x", "2026-09")}, "drafts": {},
              "invoices": {"NS-1": "issued"}, "exported": {"NS-1": 0}, "tickets": {}}
    after = {**before, "files": {"e": 1}, "invoices": {"NS-1": "exported"}, "exported": {"NS-1": 1}}
    assert monkey.changes(before, after) == {"file", "exported"}
    assert ("ExportDialog", "enter") in monkey.CONFIRMS["file"]
    assert ("InvoicesScreen", "e") not in monkey.CONFIRMS["file"]
    assert ("InvoiceDetailScreen", "p") in monkey.CONFIRMS["file"]
    assert ("InvoiceDetailScreen", "e") not in monkey.CONFIRMS["file"]
