"""Issue 3 end to end on demo data, through the command line: plan ->
create with items excluded -> save; invoices equal their lines; billed
tickets are locked and no longer offered; excluded items still are."""
from __future__ import annotations

import json

import pytest

from batchbill.cli import main

TODAY = "2026-11-15"


def run_json(capsys, *argv):
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def demo_book(tmp_path, capsys):
    path = str(tmp_path / "demo.sqlite3")
    assert main(["demo", "--db", path, "--customers", "8", "--months", "4", "--seed", "3",
                 "--today", TODAY]) == 0
    capsys.readouterr()
    return path


def _items(plan):
    for cu in plan["customers"]:
        for co in cu["contracts"]:
            for pe in co["periods"]:
                for it in pe["items"]:
                    yield cu, co, pe, it


def test_plan_exclude_save_on_demo_data(demo_book, capsys):
    db = ["--db", demo_book]
    plan = run_json(capsys, "batch", "plan", "--period", "2026-10", "--today", TODAY, "--json", *db)
    open_items = [x for x in _items(plan) if not x[3]["locked"]]
    tickets = [it["ref"] for _, _, _, it in open_items if it["kind"] == "ticket"]
    expenses = [it["ref"] for _, _, _, it in open_items if it["kind"] == "expense"]
    assert len(tickets) >= 3 and all(set(it) >= {"ref", "kind", "description", "quantity", "unit_price",
                                                  "amount", "currency", "locked"}
                                      for _, _, _, it in open_items)
    excluded = [tickets[0], expenses[0]] if expenses else [tickets[0]]
    billed_tickets = set(tickets) - set(excluded)

    saved = run_json(capsys, "batch", "create", "--name", "October", "--period", "2026-10",
                     *sum((["--exclude", r] for r in excluded), []), "--save", "--today", TODAY,
                     "--json", *db)
    assert saved["invoice_numbers"] and saved["batch_id"]

    for number in saved["invoice_numbers"]:
        inv = run_json(capsys, "invoice", "show", number, "--json", *db)
        from decimal import Decimal

        lines = [Decimal(l["amount"]) for l in inv["lines"]]
        assert Decimal(inv["subtotal"]) == sum(lines)
        assert Decimal(inv["total"]) == Decimal(inv["subtotal"]) + Decimal(inv["tax"])
        for l in inv["lines"]:
            assert Decimal(l["amount"]) == (Decimal(l["quantity"]) * Decimal(l["unit_price"])).quantize(
                Decimal(l["amount"]), "ROUND_HALF_UP")
        assert all(l["source"] not in excluded for l in inv["lines"])

    from store.book import open_database
    from store.errors import BilledRecordError
    from store.models import Ticket

    open_database(demo_book)
    some = Ticket.get_by_id(int(sorted(billed_tickets)[0].split(":")[1]))
    assert some.status == "billed"
    some.status = "open"
    with pytest.raises(BilledRecordError):
        some.save()

    again = run_json(capsys, "batch", "plan", "--period", "2026-10", "--today", TODAY, "--json", *db)
    offered = {it["ref"] for _, _, _, it in _items(again)}
    assert not (billed_tickets & offered)  # billed tickets are no longer offered
    assert set(excluded) <= offered  # the excluded items still are


def test_errors_are_one_line_and_non_zero(demo_book, capsys):
    db = ["--db", demo_book]
    capsys.readouterr()
    assert main(["batch", "plan", "--period", "October", *db]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("batchbill: bad period 'October': use a month (2026-10), a quarter (2026-Q4) "
                   "or a year (2026)")
    assert main(["invoice", "show", "NOPE-1", *db]) == 2
    assert "NOPE-1" in capsys.readouterr().err
    assert main(["batch", "void", "Demo 2026-08", "--reason", "", *db]) == 2
    assert capsys.readouterr().err.strip() == "batchbill: voiding a batch needs a reason"


def test_search_finds_a_saved_invoice_by_number_customer_and_amount(demo_book, capsys):
    db = ["--db", demo_book]
    inv = run_json(capsys, "batch", "show", "Demo 2026-08", "--json", *db)["invoice_list"][0]
    for query in (inv["number"], inv["customer"].split()[0], inv["total"]):
        hits = run_json(capsys, "search", query, "--json", *db)
        assert inv["number"] in [h["key"] for h in hits if h["kind"] == "invoice"], query
    hits = run_json(capsys, "search", "Demo 2026-08", "--json", *db)
    assert hits[0]["kind"] == "batch" and hits[0]["title"] == "Demo 2026-08"


def test_a_mistyped_db_is_refused_not_created(tmp_path, capsys):
    missing = tmp_path / "nope" / "book.sqlite3"
    for argv in (["status"], ["batch", "plan", "--period", "2026-10"], ["search", "x"], []):
        assert main([*argv, "--db", str(missing)] if argv else ["--db", str(missing)]) == 2
        assert f"batchbill: no database at {missing}" in capsys.readouterr().err
    assert not missing.parent.exists()


def test_void_warns_about_exported_invoices_and_drafts_can_be_deleted(demo_book, capsys, tmp_path):
    db = ["--db", demo_book]
    assert main(["export", "--batch", "Demo 2026-08", "--format", "csv", "-o",
                 str(tmp_path / "out.csv"), *db]) == 0
    capsys.readouterr()
    assert main(["batch", "void", "Demo 2026-08", "--reason", "wrong rates", *db]) == 0
    out = capsys.readouterr().out
    assert "void them in your accounting system too" in out
    assert main(["batch", "create", "--name", "scratch", "--period", "2026-10", *db]) == 0
    assert main(["batch", "delete", "scratch", *db]) == 0
    assert "Deleted draft batch" in capsys.readouterr().out
    assert main(["batch", "delete", "Demo 2026-08", *db]) == 2
    assert "is voided: only a draft can be deleted" in capsys.readouterr().err


def test_exclude_time_entry_is_honoured_and_invoice_void_releases_only_that_invoice(demo_book, capsys):
    """Issue 11, findings 4 and the single void, through the command line."""
    from decimal import Decimal

    db = ["--db", demo_book]
    plan = run_json(capsys, "batch", "plan", "--period", "2026-10", "--detail", "time_entry",
                    "--today", TODAY, "--json", *db)
    ticket = next(it for _, co, _, it in _items(plan) if not it["locked"] and co["type"] == "hourly"
                  and len([e for e in it.get("time_entries", ()) if Decimal(e["amount"])]) >= 2)
    entry = next(e for e in ticket["time_entries"] if Decimal(e["amount"]))
    assert entry["selected"] is True
    left_out = run_json(capsys, "batch", "plan", "--period", "2026-10", "--detail", "time_entry",
                        "--exclude", entry["ref"], "--today", TODAY, "--json", *db)
    same = next(it for _, _, _, it in _items(left_out) if it["ref"] == ticket["ref"])
    assert {e["ref"]: e["selected"] for e in same["time_entries"]}[entry["ref"]] is False
    assert same["selected"] is True  # the ticket stays, without that entry
    saved = run_json(capsys, "batch", "create", "--name", "October", "--period", "2026-10",
                     "--exclude", entry["ref"], "--save", "--today", TODAY, "--json", *db)
    lines = []
    for number in saved["invoice_numbers"]:
        inv = run_json(capsys, "invoice", "show", number, "--json", *db)
        lines += [(number, l) for l in inv["lines"]]
        for l in inv["lines"]:  # exact in every currency
            assert Decimal(l["quantity"]) * Decimal(l["unit_price"]) == Decimal(l["amount"])
    (number, line), = [(n, l) for n, l in lines if l["source"] == ticket["ref"]]
    # billed without that entry: the other entries' hours (within the rounding of each to 0.01 h)
    rest = Decimal(ticket["amount"]) - Decimal(entry["amount"])
    assert abs(Decimal(line["amount"]) - rest) <= Decimal(ticket["time_entries"][0]["unit_price"]) / 100 * len(
        ticket["time_entries"])
    assert Decimal(line["amount"]) < Decimal(ticket["amount"])

    voided = run_json(capsys, "invoice", "void", number, "--reason", "wrong contact", "--json", *db)
    assert voided["status"] == "void" and voided["released_tickets"] >= 1
    shown = run_json(capsys, "batch", "show", str(saved["batch_id"]), "--json", *db)
    assert shown["status"] == "saved"
    assert {i["number"]: i["status"] for i in shown["invoice_list"]}[number] == "void"
    again = run_json(capsys, "batch", "plan", "--period", "2026-10", "--today", TODAY, "--json", *db)
    assert ticket["ref"] in {it["ref"] for _, _, _, it in _items(again)}  # released
    capsys.readouterr()
    assert main(["invoice", "void", number, "--reason", "again", *db]) == 2
    assert capsys.readouterr().err == f"batchbill: invoice {number} is void already\n"


@pytest.mark.parametrize("exported, words", [(1, "1 of them was exported"), (2, "2 of them were exported")])
def test_void_says_how_many_were_exported_in_english(demo_book, capsys, tmp_path, exported, words):
    db = ["--db", demo_book]
    numbers = [i["number"] for i in run_json(capsys, "batch", "show", "Demo 2026-08", "--json", *db)["invoice_list"]]
    assert len(numbers) > 2
    for number in numbers[:exported]:
        assert main(["export", "--invoice", number, "--format", "csv", "-o", str(tmp_path / f"{number}.csv"),
                     *db]) == 0
    capsys.readouterr()
    assert main(["batch", "void", "Demo 2026-08", "--reason", "wrong rates", *db]) == 0
    out = capsys.readouterr().out
    assert f"Warning: {words} (" in out
    assert "Voided batch" in out and f"{len(numbers)} invoices void" in out


def test_create_with_nothing_to_bill_is_refused_in_one_line_and_writes_nothing(demo_book, capsys):
    from store.book import open_database
    from store.db import close_database
    from store.models import AuditEvent, Batch

    plan = run_json(capsys, "batch", "plan", "--period", "2026-10", "--today", TODAY, "--json", "--db", demo_book)
    names = [cu["name"] for cu in plan["customers"]][:2]
    run_json(capsys, "batch", "create", "--name", "October", "--period", "2026-10", "--save", "--today", TODAY,
             "--json", "--db", demo_book)
    open_database(demo_book)
    before = Batch.select().count(), AuditEvent.select().count()
    close_database()
    status = main(["batch", "create", "--name", "Again", "--period", "2026-10", "--customer", names[0],
                   "--customer", names[1], "--today", TODAY, "--db", demo_book])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith(f"batchbill: nothing to bill for 2026-10 (customers: {names[0]}, {names[1]})")
    assert err.count("\n") == 1
    open_database(demo_book)
    try:
        assert (Batch.select().count(), AuditEvent.select().count()) == before
        assert Batch.get_or_none(Batch.name == "Again") is None
    finally:
        close_database()


def test_create_names_a_customer_asked_for_that_has_nothing_to_bill(demo_book, capsys):
    db = ["--db", demo_book]
    plan = run_json(capsys, "batch", "plan", "--period", "2026-10", "--today", TODAY, "--json", *db)
    names = [cu["name"] for cu in plan["customers"] if any(not x[3]["locked"] for x in _items({"customers": [cu]}))]
    first, second = names[:2]
    run_json(capsys, "batch", "create", "--name", "First", "--period", "2026-10", "--customer", first,
             "--save", "--today", TODAY, "--json", *db)
    assert main(["batch", "create", "--name", "Second", "--period", "2026-10", "--customer", first,
                 "--customer", second, "--today", TODAY, *db]) == 0
    out = capsys.readouterr().out
    assert f"Nothing to bill for 2026-10: {first}\n" in out
    made = run_json(capsys, "batch", "create", "--name", "Third", "--period", "2026-10", "--customer", first,
                    "--customer", second, "--today", TODAY, "--json", *db)
    assert made["nothing_to_bill"] == [first]
    run_json(capsys, "batch", "delete", "Second", "--json", *db)
    run_json(capsys, "batch", "delete", "Third", "--json", *db)
    saved = run_json(capsys, "batch", "create", "--name", "Fourth", "--period", "2026-10", "--customer", first,
                     "--customer", second, "--save", "--today", TODAY, "--json", *db)
    assert saved["nothing_to_bill"] == [first] and saved["invoice_numbers"]
