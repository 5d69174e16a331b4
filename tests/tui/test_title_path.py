"""The title bar shows the book's path as ``~/...`` under the home, cut from
the left when too long for the bar (issue 12)."""
from __future__ import annotations

import pytest

from tests.tui.conftest import make_app, settle
from tui.format import home_short


@pytest.mark.parametrize("path, width, shown", [
    ("/home/ann/books/acme.sqlite3", None, "~/books/acme.sqlite3"),
    ("/home/ann", None, "~"),
    ("/home/annex/acme.sqlite3", None, "/home/annex/acme.sqlite3"),  # another user's home
    ("/srv/books/acme.sqlite3", None, "/srv/books/acme.sqlite3"),
    ("/home/ann/a/very/long/path/to/the/books/acme.sqlite3", 20, "…/books/acme.sqlite3"),
    ("/home/ann/books/acme.sqlite3", 20, "~/books/acme.sqlite3"),
    ("postgresql://bb@db.example:5432/home/ann", None, "postgresql://bb@db.example:5432/home/ann"),
    ("/home/ann/x\x1b[2J.sqlite3", None, "~/x\\x1b[2J.sqlite3"),
])
def test_home_short(path, width, shown):
    assert home_short(path, width, home="/home/ann/") == shown
    assert width is None or len(home_short(path, width, home="/home/ann")) <= width


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_the_title_bar_shows_a_long_book_path_from_home_cut_from_the_left(book, tmp_path, monkeypatch, size):
    from tui.widgets.title_bar import TitleBar

    monkeypatch.setenv("HOME", str(tmp_path))
    deep = tmp_path / "clients" / "northstar-managed-it" / "billing" / "2026" / "december" / "books"
    label = str(deep / "northstar-main-book.sqlite3")
    app = make_app(db_label=label)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(TitleBar)
        text = bar.content.plain
        assert text.endswith("northstar-main-book.sqlite3") and str(tmp_path) not in text
        assert len(text) <= size[0] - 18  # within the bar's padding: nothing cut by the ellipsis on the right
        assert ("~/clients/" in text) == (size[0] >= 120) and ("…" in text) == (size[0] < 120)
        await pilot.resize_terminal(200, 40)
        await settle(pilot)
        assert bar.content.plain.endswith("— ~/clients/northstar-managed-it/billing/2026/december/books/"
                                          "northstar-main-book.sqlite3")
