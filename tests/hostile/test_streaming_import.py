"""Issue 13 finding 8: the importer streams the file a batch of rows at a
time (memory bounded by the batch, not the file), still all or nothing, still
finding a key used twice however far apart; the field-size message names the
real limit."""
from __future__ import annotations

import csv

import pytest

from store.errors import ImportFileError
from store.importing import import_bytes, writing
from store.models import AuditEvent, Customer
from tests.store.test_import import counts, problems_of


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(writing, "BATCH_ROWS", 3)


def customers(n, extra=""):
    return "external_id,name,region,currency\n" + "".join(f"C{i},Name {i},US,USD\n" for i in range(n)) + extra


def test_a_file_of_many_batches_imports_whole(db, small_batches):
    summary = import_bytes("customers", customers(10).encode(), "c.csv")
    assert (summary.created, Customer.select().count()) == (10, 10)
    assert AuditEvent.select().where(AuditEvent.action == "import").count() == 1


def test_a_problem_in_the_last_batch_leaves_nothing_of_the_earlier_ones(db, small_batches):
    text = customers(10, "C10,Name 10,US,XXX\n")
    assert problems_of("customers", text) == [
        "customers.csv:12: currency: unknown currency code 'XXX' (expected ISO 4217, e.g. USD)"]
    assert Customer.select().count() == 0
    assert not AuditEvent.select().where(AuditEvent.action == "import").count()


def test_keys_used_twice_are_found_across_batches(db, small_batches):
    text = customers(8, "C1,Other,US,USD\nC99,NAME 2,US,USD\nC98,Name 9x,US,XXX\n")
    assert problems_of("customers", text) == [
        "customers.csv:10: external_id: C1 appears twice in the file (first on line 3)",
        "customers.csv:11: name: customer name 'NAME 2' has the same name once case, Unicode forms (NFKC) and "
        "invisible characters are ignored as 'Name 2' (first on line 4)",
        "customers.csv:12: currency: unknown currency code 'XXX' (expected ISO 4217, e.g. USD)",
    ]


def test_ticket_numbers_used_twice_are_found_across_batches(db, small_batches):
    from tests.store.test_import import load_examples

    load_examples("customers", "contracts")
    head = "external_id,number,customer_external_id,title,status,opened_at\n"
    rows = "".join(f"TX{i},N-{i},CUS-1001,T,open,2026-10-01T09:00\n" for i in range(7))
    problems = problems_of("tickets", head + rows + "TX9,N-1,CUS-1001,T,open,2026-10-01T09:00\n")
    assert problems == ["tickets.csv:9: number: ticket number 'N-1' appears twice in the file (first on line 3)"]


def test_problems_are_in_line_order_across_batches(db, small_batches):
    text = ("external_id,name,region,currency\n" + "C0,A,XX1,USD\nC1,B,US,\nC2,C,US,USD\nC3,,US,USD\n"
            "C4,E,US\n")
    lines = [int(p.split(":")[1]) for p in problems_of("customers", text)]
    assert lines == sorted(lines) and lines[0] == 2


def test_an_old_mac_file_with_cr_line_ends_imports(db):
    summary = import_bytes("customers", customers(3).replace("\n", "\r").encode(), "c.csv")
    assert summary.created == 3


def test_a_cell_over_the_field_size_limit_names_the_limit(db):
    limit = csv.field_size_limit()
    text = f'external_id,name,region,currency\nC1,"{"x" * (limit + 5)}",US,USD\n'
    assert problems_of("customers", text) == [
        f"customers.csv:2: row: a cell is longer than {limit:,} characters, the most a cell may hold (a quote "
        "that never closes can make the rest of the file one cell); nothing after this line could be read"]


def test_a_huge_bad_file_keeps_the_first_problems_and_counts_all(db, monkeypatch):
    from store.importing import reading

    monkeypatch.setattr(reading, "MAX_KEPT_PROBLEMS", 5)
    text = "external_id,name,region,currency\n" + "".join(f"C{i},N{i},US,BAD\n" for i in range(20))
    with pytest.raises(ImportFileError) as info:
        import_bytes("customers", text.encode(), "c.csv")
    assert (len(info.value.problems), info.value.total) == (5, 20)
    assert counts()["Customer"] == 0
