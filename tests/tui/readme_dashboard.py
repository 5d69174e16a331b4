"""The README's sample dashboard, made from the app as it is: the demo book
(``batchbill demo`` on DAY, its defaults) in the default data directory under a
home, the dashboard at 80x24 as text (what ``tmux capture-pane`` shows).

    python -m tests.tui.readme_dashboard > /tmp/dashboard.txt

prints it, for the README's ```text block; tests/tui/test_readme_dashboard.py
fails when the README's copy and the app differ."""
from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path

DAY = dt.date(2026, 12, 5)  # the day the README's demo was made: its batches' and invoices' date
SIZE = (80, 24)
BOOK = Path(".local/share/batchbill/batchbill.sqlite3")  # the default book, under the home


def build_book(path: Path) -> None:
    """``batchbill demo`` on DAY, its creation times pinned to DAY (they are the clock's)."""
    from store import demo
    from store.book import open_database
    from store.db import close_database
    from store.models import Batch

    close_database()
    path.parent.mkdir(parents=True, exist_ok=True)
    open_database(str(path))
    demo.make_demo(today=DAY)
    noon = dt.datetime.combine(DAY, dt.time(9, 0))
    Batch.update(created_at=noon, saved_at=noon).execute()
    close_database()


async def render(path: Path) -> str:
    """The dashboard's text at SIZE, the book opened as ``batchbill`` opens it."""
    from store import session
    from tui.app import BatchbillApp

    label = session.open(str(path))
    app = BatchbillApp(db_label=label, today=DAY, actor="demo")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        strips = app.screen._compositor.render_strips()
        return "\n".join(strip.text.rstrip() for strip in strips)


def dashboard(home: Path) -> str:
    import os

    old = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        build_book(home / BOOK)
        return asyncio.run(render(home / BOOK))
    finally:
        if old is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = old


def readme_block(readme: Path) -> str:
    """The README's sample dashboard: its first ```text block."""
    text = readme.read_text(encoding="utf-8")
    start = text.index("```text\n") + len("```text\n")
    return text[start:text.index("```", start)].rstrip("\n")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="batchbill-readme-") as home:
        sys.stdout.write(dashboard(Path(home)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
