"""bb_fold() (the Tickets search's accent-blind match on SQLite) exists on every
connection: Peewee keeps one per thread, and a worker's connection opened before
the first search had none (found by the key monkey, seeds 9008 and 9011)."""
from __future__ import annotations

import threading

from tests import factories as f


def test_a_connection_opened_before_the_first_search_can_search(sqlite_db):
    from store.tickets import list_tickets

    zoe = f.customer("Zoë Café GmbH", "DE", "EUR", "0.19")
    f.ticket(zoe, f.contract(zoe), title="Café wifi", number="T-1")
    opened, searched, results = threading.Event(), threading.Event(), []

    def worker():
        try:
            sqlite_db.execute_sql("SELECT 1")  # this thread's connection, before any search
            opened.set()
            searched.wait(10)
            results.append([t.number for t in list_tickets("cafe")])
        except Exception as exc:  # noqa: BLE001 - the failure is the result
            results.append(exc)
        finally:
            sqlite_db.close()

    thread = threading.Thread(target=worker)
    thread.start()
    assert opened.wait(10)
    assert [t.number for t in list_tickets("cafe")] == ["T-1"]  # the first search, on this thread
    searched.set()
    thread.join(10)
    assert results == [["T-1"]]


def test_bb_fold_is_search_fold(sqlite_db):
    from store.search import fold

    for text in ("Zoë Café", "STRASSE", "Straße", "plain ascii", "Ünïcödé"):
        (got,) = sqlite_db.execute_sql("SELECT bb_fold(?)", (text,)).fetchone()
        assert got == fold(text)
    assert sqlite_db.execute_sql("SELECT bb_fold(NULL)").fetchone() == (None,)
