"""Issue 12's command-line leftovers: tables fit the terminal (80 and 120
columns, ``COLUMNS``) and print whole when stdout is not one; invoice numbers
read as the search reads them ("150", "ns150", "NS-000150"); the search's
Where column says what matched."""
from __future__ import annotations

import sys

import pytest

from batchbill.cli import main
from batchbill.commands import _table
from tests.cli.test_batch_cli import demo_book, run_json  # noqa: F401  (the fixture)


def run(capsys, *argv, columns: int | None = None, monkeypatch=None):
    """The command's (status, stdout lines, stderr); ``columns``: as on a terminal that wide."""
    capsys.readouterr()
    if columns is not None:
        monkeypatch.setenv("COLUMNS", str(columns))
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out.splitlines(), out.err


def _batches(capsys, db):
    return run_json(capsys, "batch", "list", "--json", *db)


@pytest.mark.parametrize("columns", [80, 120])
def test_batch_list_fits_the_terminal_and_keeps_amounts_whole(demo_book, capsys, monkeypatch, columns):  # noqa: F811
    db = ["--db", demo_book]
    batches = _batches(capsys, db)
    status, lines, err = run(capsys, "batch", "list", *db, columns=columns, monkeypatch=monkeypatch)
    assert status == 0 and err == ""
    assert lines and max(map(len, lines)) <= columns, lines
    assert max(len(b["totals"]) for b in batches) > 1
    for b, row in zip(batches, lines[2:]):
        assert row.split()[0] == str(b["id"])
        total = row[lines[0].index("total"):].strip()
        more = total.rsplit(" +", 1)[1] if " +" in total else "0"
        shown = total.rsplit(" +", 1)[0].split(", ") if total else []
        # every amount shown is whole, then '+N' for the currencies left out
        assert len(shown) + int(more) == len(b["totals"]), row
        for item in shown:
            amount, currency = item.split()
            assert b["totals"][currency] == amount.replace(",", ""), row


def test_batch_list_at_80_drops_who_and_keeps_the_name(demo_book, capsys, monkeypatch):  # noqa: F811
    db = ["--db", demo_book]
    status, lines, _ = run(capsys, "batch", "list", *db, columns=80, monkeypatch=monkeypatch)
    assert lines[0].split() == ["id", "name", "period", "status", "created", "inv.", "total"]
    names = {b["name"] for b in _batches(capsys, db)}
    assert all(any(name in row for name in names) for row in lines[2:])
    assert any("+" in row.split()[-1] for row in lines[2:])  # currencies left out, counted


def test_batch_list_not_on_a_terminal_prints_every_total(demo_book, capsys, monkeypatch):  # noqa: F811
    db = ["--db", demo_book]
    monkeypatch.setenv("COLUMNS", "80")  # a pipe: COLUMNS does not cut a script's text
    batches = _batches(capsys, db)
    status, lines, _ = run(capsys, "batch", "list", *db)
    assert status == 0
    widest = max(batches, key=lambda b: len(b["totals"]))
    row = next(r for r in lines[2:] if r.split()[0] == str(widest["id"]))
    assert row.count(",") >= len(widest["totals"]) - 1 and "…" not in row and " +" not in row
    assert max(map(len, lines)) > 80


@pytest.mark.parametrize("columns", [80, 120])
def test_search_and_invoice_show_fit_the_terminal(demo_book, capsys, monkeypatch, columns):  # noqa: F811
    db = ["--db", demo_book]
    hits = run_json(capsys, "search", "Demo", "--json", *db)
    number = next(h["key"] for h in hits if h["kind"] == "invoice")
    for argv in (["search", "Demo"], ["invoice", "show", number], ["batch", "show", "1"], ["settings", "show"]):
        status, lines, err = run(capsys, *argv, *db, columns=columns, monkeypatch=monkeypatch)
        assert status == 0 and err == "", argv
        assert max(map(len, lines)) <= columns, (argv, [l for l in lines if len(l) > columns])
    status, lines, _ = run(capsys, "search", "Demo", *db, columns=columns, monkeypatch=monkeypatch)
    for hit in hits:
        row = next(r for r in lines[2:] if r.startswith(hit["key"] + " "))
        if hit["kind"] == "invoice":  # number, amount and date whole
            assert hit["amount"].split(".")[0][-3:] in row.replace(",", "") and str(hit["date"]) in row


def test_search_not_on_a_terminal_prints_where_whole(demo_book, capsys, monkeypatch):  # noqa: F811
    db = ["--db", demo_book]
    hits = run_json(capsys, "search", "Demo", "--json", *db)
    status, lines, _ = run(capsys, "search", "Demo", *db)
    assert lines[0].split() == ["key", "found", "where", "amount", "date"]
    for hit in hits:
        assert any(hit["where"] in row for row in lines), hit


def test_where_says_what_matched(demo_book, capsys):  # noqa: F811
    db = ["--db", demo_book]
    inv = run_json(capsys, "batch", "show", "Demo 2026-08", "--json", *db)["invoice_list"][0]
    digits = str(int(inv["number"].split("-")[-1]))
    by = {
        digits: "number",
        inv["customer"].split()[0].lower(): "customer",
        "Demo 2026-08": "batch",
    }
    for query, matched in by.items():
        hit = next(h for h in run_json(capsys, "search", query, "--json", *db)
                   if h["kind"] == "invoice" and h["key"] == inv["number"])
        assert hit["matched"].split(", ")[0] == matched, query
        assert hit["where"].startswith(f"by {matched}") and "Demo 2026-08" in hit["where"]
    batch = next(h for h in run_json(capsys, "search", "Demo 2026-08", "--json", *db) if h["kind"] == "batch")
    assert batch["where"].startswith("by name · ")


@pytest.mark.parametrize("width", [80, 120])
def test_render_cuts_names_and_lists_never_numbers(width):
    rows = [(7, "A customer with a rather long name indeed, longer than anything " * 2, "2026-11-01",
             "1,234.50 EUR", ", ".join(f"{n},000.00 C{n:02d}" for n in range(12)), "exported")]
    text = _table.render(rows, ["id", "customer", "date", "amount", "totals", "status"],
                         names={"customer": 1}, lists=["totals"], width=width)
    lines = text.splitlines()
    assert max(map(len, lines)) <= width
    row = lines[2]
    for whole in ("2026-11-01", "1,234.50 EUR", "exported", "0,000.00 C00"):
        assert whole in row
    assert "…" in row and row.rstrip().split()[-2].startswith("+")
    assert _table.render(rows, ["id", "customer", "date", "amount", "totals", "status"],
                         names={"customer": 1}, lists=["totals"], width=None).count("C11") == 1


def test_terminal_width_is_none_off_a_terminal(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "100")
    assert _table.terminal_width() is None
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert _table.terminal_width() == 100


@pytest.mark.parametrize("typed", ["7", "ns7", "NS-7", "ns-000007", "NS-000007", " 7 "])
def test_invoice_show_void_and_export_take_the_digits_the_search_takes(demo_book, capsys, tmp_path, typed):  # noqa: F811
    db = ["--db", demo_book]
    assert run_json(capsys, "invoice", "show", typed, "--json", *db)["number"] == "NS-000007"
    out = tmp_path / "one.csv"
    status, lines, err = run(capsys, "export", "--invoice", typed, "-f", "csv", "-o", str(out), *db)
    assert (status, err) == (0, "") and out.exists() and "NS-000007" in out.read_text()
    done = run_json(capsys, "invoice", "void", typed, "--reason", "typed short", "--json", *db)
    assert done["number"] == "NS-000007" and done["status"] == "void"


@pytest.mark.parametrize("typed", ["99999", "xy7", "0", "NS-0000070"])
def test_an_unknown_number_is_a_one_line_error(demo_book, capsys, typed):  # noqa: F811
    db = ["--db", demo_book]
    for argv in (["invoice", "show", typed], ["invoice", "void", typed, "--reason", "r"],
                 ["export", "--invoice", typed, "-f", "csv", "-o", "x.csv"]):
        status, lines, err = run(capsys, *argv, *db)
        assert status == 2 and lines == [] and err.count("\n") == 1, argv
        assert err.startswith("batchbill: no invoice") and typed.strip() in err


def test_an_ambiguous_number_names_the_candidates(demo_book, capsys, monkeypatch):  # noqa: F811
    """Invoice sequences are unique, so digits name one invoice today; should
    they ever name several, the command says so instead of picking one."""
    from store import search
    from store.models import Invoice

    db = ["--db", demo_book]
    run_json(capsys, "status", "--json", *db)
    two = []
    real = search.number_matches

    def several(query):
        if not two:
            two.extend(i for (i,) in Invoice.select(Invoice.id).order_by(Invoice.id).limit(2).tuples())
        return list(two) if real(query) else []

    monkeypatch.setattr(search, "number_matches", several)
    status, lines, err = run(capsys, "invoice", "show", "1", *db)
    assert status == 2 and lines == [] and err.count("\n") == 1
    assert "ambiguous" in err and "NS-000001" in err and "NS-000002" in err and "whole number" in err


@pytest.mark.parametrize("columns", [80, 120])
def test_plan_table_fits_the_terminal_contract_and_period_giving_way_at_80(demo_book, capsys, monkeypatch, columns):  # noqa: F811
    from tests.cli.test_batch_cli import TODAY

    db = ["--db", demo_book]
    status, lines, err = run(capsys, "batch", "plan", "--period", "2026-10", "--today", TODAY, *db,
                             columns=columns, monkeypatch=monkeypatch)
    assert status == 0 and err == ""
    table = lines[1:next(i for i, l in enumerate(lines) if l.startswith("Selected:"))]
    assert len(table) > 3 and max(map(len, table)) <= columns
    assert ("contract" in table[0].split()) == (columns >= 120)
    refs = {it["ref"] for cu in run_json(capsys, "batch", "plan", "--period", "2026-10", "--today", TODAY,
                                         "--json", *db)["customers"]
            for co in cu["contracts"] for pe in co["periods"] for it in pe["items"]}
    assert refs <= {row.split()[1] for row in table[2:] if len(row.split()) > 1}  # every ref whole
