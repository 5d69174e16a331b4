"""`invoice show` formats money as the rest of the command line does (issue 12 walk:
`Subtotal 1302.00` / `Tax (19%) 247.38`, no thousands separator nor currency, where
`invoice list`, `batch list` and the app say `1,302.00 EUR`)."""
from __future__ import annotations

from batchbill.cli import main
from store.money import format_display, to_minor
from tests.cli.test_batch_cli import demo_book, run_json  # noqa: F401  (the fixture)


def test_invoice_show_totals_have_thousands_separators_and_the_currency(demo_book, capsys):  # noqa: F811
    db = ["--db", demo_book]
    numbers = [i["number"] for i in run_json(capsys, "invoice", "list", "--json", *db)]
    shown = [run_json(capsys, "invoice", "show", n, "--json", *db) for n in numbers]
    big = next(inv for inv in shown if to_minor(inv["subtotal"], inv["currency"]) >= 100000
               and to_minor(inv["tax"], inv["currency"]) > 0)
    c = big["currency"]
    display = {key: format_display(to_minor(big[key], c), c) for key in ("subtotal", "tax", "total")}
    assert "," in display["subtotal"] and display["subtotal"].endswith(f" {c}")
    capsys.readouterr()
    assert main(["invoice", "show", big["number"], *db]) == 0
    lines = capsys.readouterr().out.splitlines()
    subtotal, tax, total = lines[-3:]
    assert subtotal == f"Subtotal {display['subtotal']}"
    assert tax.startswith("Tax (") and tax.endswith(f") {display['tax']}")
    assert total == f"Total {display['total']}"
    # the lines' amounts: the same separators (the currency is in the header)
    amounts = [line for line in lines if big["lines"][0]["description"][:20] in line]
    assert amounts and format_display(to_minor(big["lines"][0]["amount"], c), c).rsplit(" ", 1)[0] in amounts[0]
