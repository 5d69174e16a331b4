"""A small fixed book for the tui tests: the demo MSP (6 customers, 3 months,
seed 1, anchored at 2026-11-15) with September billed for two customers by a batch
and the rest left to bill. Built once per session in a SQLite file, copied for each test
(a file, not :memory:, because the app's thread workers open their own
connections)."""
from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import shutil

import pytest

TODAY = dt.date(2026, 11, 15)
FIXED_TIME = dt.datetime(2026, 10, 1, 9, 30)
DB_LABEL = "demo.sqlite3"
SEPTEMBER_CUSTOMERS = ["Hartley Dental Group", "Whitmore & Hale Solicitors LLP", "Zoë Café GmbH"]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run ``async def`` tests (run_test + Pilot) in a fresh event loop: the
    project has no asyncio plugin, and this is all the tui tests need."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        asyncio.run(pyfuncitem.obj(**{n: pyfuncitem.funcargs[n] for n in names}))
        return True
    return None


def build_book(path) -> None:
    from store import billing, demo
    from store.book import open_database
    from store.db import close_database
    from store.models import Batch

    close_database()
    open_database(str(path))
    demo.make_demo(customers=6, months=3, seed=1, today=TODAY, bill=False)
    batch = billing.create_batch("September run", "2026-09", SEPTEMBER_CUSTOMERS, actor="alice")
    billing.save_batch(batch.id, actor="alice", issue_date=dt.date(2026, 10, 1), today=dt.date(2026, 10, 1))
    # a fixed creation time, so that the pictures do not change from day to day
    Batch.update(created_at=FIXED_TIME, saved_at=FIXED_TIME).execute()
    close_database()


@pytest.fixture(scope="session")
def book_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tui-book") / "template.sqlite3"
    build_book(path)
    return path


@pytest.fixture
def book(book_template, tmp_path):
    """The path of a fresh copy of the book, opened as the store's database."""
    from store.book import open_database
    from store.db import close_database

    path = tmp_path / "book.sqlite3"
    shutil.copy(book_template, path)
    close_database()
    open_database(str(path))
    yield path
    close_database()


def make_app(**kwargs):
    from tui.app import BatchbillApp

    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("actor", "tester")
    kwargs.setdefault("db_label", DB_LABEL)
    return BatchbillApp(**kwargs)


async def settle(pilot) -> None:
    """Let every worker finish and every message land."""
    await _workers_done(pilot.app)
    await pilot.pause()
    await _workers_done(pilot.app)
    await pilot.pause()


async def open_editor(pilot, batch_id: int):
    """The batch editor on a draft, from a settled app, its plan loaded: the screen."""
    await settle(pilot)
    pilot.app.open_draft(batch_id)
    await settle(pilot)
    return pilot.app.screen


async def _workers_done(app) -> None:
    """Every worker finished. One cancelled meanwhile (a newer call of its exclusive
    group replaced it, as a list reloading does) is done too: Textual's wait then
    raises WorkerCancelled, which is the harness's business, not the app's (the key
    monkey saw it once, seed 9018 from the save dialog, under load)."""
    from textual.worker import WorkerCancelled

    for _ in range(100):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


def key_event(key: str):
    """The Key event the terminal sends for ``key`` (as Pilot.press makes it)."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    original = REPLACED_KEYS.get(key, key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(original))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


async def burst(pilot, *keys: str) -> None:
    """Send ``keys`` as a terminal over SSH does: all at once, no pause between
    them; return when the app has dealt with every one (and its store calls)."""
    app = pilot.app
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        app.post_message(event)
    await app.key_gate.drained()
    await settle(pilot)
    await app.key_gate.drained()


async def paced(pilot, *keys: str) -> None:
    """The same keys one at a time, the app settled after each."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
        await pilot.app.key_gate.drained()
