"""``batchbill invoice list``: invoices newest first, of a batch or a customer,
paged, as JSON; its table fits 80 columns with number, amount, currency,
status and due date whole; other text output wraps at the terminal's width."""
from __future__ import annotations

from batchbill.cli import main
from tests.cli.test_batch_cli import demo_book, run_json  # noqa: F401  (the fixture)
from tests.cli.test_table_width_cli import run


def test_invoice_list_is_newest_first_and_filters_by_batch_and_customer(demo_book, capsys):  # noqa: F811
    db = ["--db", demo_book]
    every = run_json(capsys, "invoice", "list", "--json", *db)
    numbers = [i["number"] for i in every]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) > 10
    assert set(every[0]) >= {"number", "customer", "batch", "currency", "total", "status", "issue_date", "due_date"}
    batch = run_json(capsys, "batch", "show", "Demo 2026-08", "--json", *db)
    of_batch = run_json(capsys, "invoice", "list", "--batch", "Demo 2026-08", "--json", *db)
    assert sorted(i["number"] for i in of_batch) == sorted(i["number"] for i in batch["invoice_list"])
    assert run_json(capsys, "invoice", "list", "--batch", str(batch["id"]), "--json", *db) == of_batch
    customer = every[0]["customer"]
    mine = run_json(capsys, "invoice", "list", "--customer", customer, "--json", *db)
    assert mine and {i["customer"] for i in mine} == {customer}
    assert [i["number"] for i in mine] == [i["number"] for i in every if i["customer"] == customer]
    both = run_json(capsys, "invoice", "list", "--customer", customer, "--batch", "Demo 2026-08", "--json", *db)
    assert [i["number"] for i in both] == [i["number"] for i in mine if i["batch"]["name"] == "Demo 2026-08"]
    assert run_json(capsys, "invoice", "list", "--page", "2", "--json", *db) == []  # 50 a page


def test_invoice_list_mistakes_are_one_line_with_exit_2(demo_book, capsys):  # noqa: F811
    db = ["--db", demo_book]
    for argv, wanted in ((["--batch", "Nope"], "no batch 'Nope'"), (["--customer", "Nobody here"], "no customer"),
                         (["--page", "0"], "--page 0: pages start at 1")):
        status, lines, err = run(capsys, "invoice", "list", *argv, *db)
        assert status == 2 and lines == [] and err.count("\n") == 1, argv
        assert err.startswith(f"batchbill: {wanted}"), err


def test_invoice_list_fits_80_columns_with_the_figures_whole(demo_book, capsys, monkeypatch):  # noqa: F811
    db = ["--db", demo_book]
    every = run_json(capsys, "invoice", "list", "--json", *db)
    status, lines, err = run(capsys, "invoice", "list", *db, columns=80, monkeypatch=monkeypatch)
    assert status == 0 and err == ""
    assert max(map(len, lines)) <= 80, lines
    assert lines[0].split() == ["number", "customer", "amount", "currency", "status", "due"]
    assert len(lines) == len(every) + 2
    for inv, row in zip(every, lines[2:]):
        assert row.startswith(inv["number"] + " ")
        whole = f"{float(inv['total']):,.2f}"
        assert f" {whole}  {inv['currency']} " in row, row
        assert row.rstrip().endswith(f"{inv['status']}    {inv['due_date']}"), row
        assert inv["customer"] in row or "…" in row
    assert any("…" in row for row in lines[2:])  # a long name cut


def test_invoice_list_off_a_terminal_prints_names_and_batches_whole(demo_book, capsys, monkeypatch):  # noqa: F811
    db = ["--db", demo_book]
    monkeypatch.setenv("COLUMNS", "80")
    every = run_json(capsys, "invoice", "list", "--json", *db)
    status, lines, _ = run(capsys, "invoice", "list", *db)
    assert lines[0].split() == ["number", "customer", "batch", "amount", "currency", "status", "due"]
    for inv, row in zip(every, lines[2:]):
        assert inv["customer"] in row and inv["batch"]["name"] in row and "…" not in row


def test_text_commands_wrap_at_80_columns(demo_book, capsys, monkeypatch):  # noqa: F811
    db = ["--db", demo_book]
    for argv in (["status"], ["benchmark"], ["batch", "list"], ["batch", "show", "1"], ["invoice", "list"]):
        status, lines, err = run(capsys, *argv, *db, columns=80, monkeypatch=monkeypatch)
        assert status == 0 and err == "", argv
        assert max(map(len, lines)) <= 80, (argv, [l for l in lines if len(l) > 80])
    monkeypatch.undo()  # off a terminal the benchmark's source is one line, as before
    status, lines, _ = run(capsys, "benchmark", *db)
    assert any(len(line) > 80 for line in lines)


def test_status_wraps_a_list_between_whole_items(demo_book, capsys, monkeypatch):  # noqa: F811
    db = ["--db", demo_book]
    status, lines, _ = run(capsys, "status", *db, columns=60, monkeypatch=monkeypatch)
    at = next(i for i, line in enumerate(lines) if line.startswith("contracts"))
    column = lines[at].index(lines[at].split()[1])
    assert lines[at + 1].startswith(" " * column) and lines[at + 1][column] != " "
    items = (lines[at][column:] + " " + lines[at + 1][column:]).split(", ")
    assert all(len(item.split()) == 2 and item.split()[1].isdigit() for item in items), items


def test_batch_list_shows_the_home_currency_first(demo_book, capsys, monkeypatch):  # noqa: F811
    db = ["--db", demo_book]
    home = run_json(capsys, "settings", "show", "--json", *db)
    assert main(["settings", "set", "home_region", "CA", *db]) == 0
    status, lines, _ = run(capsys, "batch", "list", *db)
    total = lines[0].index("total")
    assert all(row[total:].strip().split(", ")[0].endswith(" CAD") for row in lines[2:]), (home, lines)


def test_search_finds_koehler_typed_without_the_umlaut(tmp_path, capsys):
    from store.book import open_database
    from store.db import close_database
    from tests.exporters.test_export_service import make_book

    path = str(tmp_path / "book.sqlite3")
    open_database(path)
    make_book(invoices=1, name="October 2026", customer_name="Köhler Haustechnik GmbH")
    make_book(invoices=1, name="November 2026", customer_name="Müller & Söhne KG")
    make_book(invoices=1, name="December 2026", customer_name="Café Zoë SARL")
    from store.models import Invoice
    from store.search import index_invoices

    index_invoices([i.id for i in Invoice.select()])
    close_database()
    for query, customer in (("koehler", "Köhler Haustechnik GmbH"), ("muller", "Müller & Söhne KG"),
                            ("mueller", "Müller & Söhne KG"), ("cafe", "Café Zoë SARL")):
        hits = run_json(capsys, "search", query, "--json", "--db", path)
        assert [h["title"].split(" ", 1)[1] for h in hits if h["kind"] == "invoice"] == [customer], query
