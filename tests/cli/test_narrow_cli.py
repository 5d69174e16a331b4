"""Issue 12, the command line at 80 columns over SSH: the search's Where and a
batch's name wrap within their columns instead of being cut (a status read as
"issue…", "2026-11 bil…" that cannot tell two batches apart)."""
from __future__ import annotations

import pytest

from tests.cli.test_batch_cli import demo_book, run_json  # noqa: F401  (the fixture)
from tests.cli.test_table_width_cli import run


def _rename(db_path, customer=None, batches=()):
    """A customer and batches named as the issue's user named theirs."""
    from store.book import open_database
    from store.db import close_database
    from store.models import Batch, Customer, Invoice
    from store.search import index_invoices

    open_database(db_path)
    try:
        if customer:
            first = Customer.select().order_by(Customer.id).first()
            Customer.update(name=customer).where(Customer.id == first.id).execute()
        for batch_id, name in batches:
            Batch.update(name=name).where(Batch.id == batch_id).execute()
        index_invoices([i for (i,) in Invoice.select(Invoice.id).tuples()])
    finally:
        close_database()


def _rows(lines, key_column_end):
    """Each row of a table as its lines: a row's first line has its key, the
    lines under it (a wrapped cell's) have the key column blank."""
    rows = []
    for line in lines[2:]:
        if line[:key_column_end].strip():
            rows.append([line])
        else:
            rows[-1].append(line)
    return rows


def _cell(row, start, end):
    return [line[start:end].strip() for line in row if line[start:end].strip()]


def test_search_at_80_wraps_where_so_status_and_batch_read_whole(demo_book, capsys, monkeypatch):  # noqa: F811
    db = ["--db", demo_book]
    _rename(demo_book, customer="Schreinerei Köhler KG", batches=[(2, "2026-11 billing")])
    hits = [h for h in run_json(capsys, "search", "koehler", "--json", *db) if h["kind"] == "invoice"]
    assert hits and any("2026-11 billing" in h["where"] for h in hits)
    status, lines, err = run(capsys, "search", "koehler", *db, columns=80, monkeypatch=monkeypatch)
    assert status == 0 and err == "" and max(map(len, lines)) <= 80, lines
    start, end = lines[0].index("where"), lines[0].index("amount")
    rows = _rows(lines, lines[0].index("found"))
    assert len(rows) == len(hits) and "…" not in "\n".join(lines)
    for hit, row in zip(hits, rows):
        first = row[0]
        # number, customer, amount and date on the first line, whole
        assert first.startswith(hit["key"] + " ") and "Schreinerei Köhler KG" in first
        assert hit["amount"].split(".")[1] in first and str(hit["date"]) in first
        # the where cell's lines, read on, say all of it: status and batch
        assert " · ".join(_cell(row, start, end)) == hit["where"], row
    assert any(len(row) > 1 for row in rows)


def test_search_piped_prints_where_on_one_line(demo_book, capsys, monkeypatch):  # noqa: F811
    db = ["--db", demo_book]
    _rename(demo_book, customer="Schreinerei Köhler KG", batches=[(2, "2026-11 billing")])
    status, lines, _ = run(capsys, "search", "koehler", *db)
    assert any("by customer · issued · 2026-11 billing" in line for line in lines)
    assert all(line.startswith("NS-") for line in lines[2:])


@pytest.mark.parametrize("names", [
    ("2026-11 billing", "2026-11 billing (2)"),
    ("Managed services 2026-11 run", "Managed services 2026-11 run (2)"),
    ("Quarterly managed services and projects, November 2026", "x"),
])
def test_batch_list_at_80_never_cuts_a_name(demo_book, capsys, monkeypatch, names):  # noqa: F811
    db = ["--db", demo_book]
    _rename(demo_book, batches=[(1, names[0]), (2, names[1])])
    status, lines, err = run(capsys, "batch", "list", *db, columns=80, monkeypatch=monkeypatch)
    assert status == 0 and err == "" and max(map(len, lines)) <= 80, lines
    start, end = lines[0].index("name"), lines[0].index("period")
    rows = {row[0].split()[0]: row for row in _rows(lines, start)}
    for batch_id, name in ((1, names[0]), (2, names[1])):
        cell = _cell(rows[str(batch_id)], start, end)
        assert " ".join(cell) == name, rows[str(batch_id)]
        if len(name) <= 26:  # a name as long as most fits on its row's line
            assert cell == [name]
    # the invoice count's column is no wider than its short header
    assert "inv." in lines[0].split() and "invoices" not in lines[0]
