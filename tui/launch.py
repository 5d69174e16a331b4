"""Starting the terminal app.

Importing Textual and the app's screens takes most of a start
(docs/performance.md). :func:`make_app` opens the book, then starts
loading the dashboard's first data (:func:`tui.dashboard_data.first_load`)
in a thread *before* it imports Textual: the queries run while the imports
do (SQLite releases the GIL while a query runs), and the dashboard's first
paint has its data. This module imports no Textual at module level.
"""
from __future__ import annotations

import datetime as dt
import sys
import threading
from concurrent.futures import Future
from pathlib import Path


class Prefetch:
    """``fn(*args)`` running in its own thread, its result (or error) in ``future``.
    The thread closes its own database connection when done."""

    def __init__(self, fn, *args) -> None:
        self.future: Future = Future()
        self.thread = threading.Thread(target=self._run, args=(fn, args), name="batchbill-prefetch",
                                       daemon=True)
        self.thread.start()

    def _run(self, fn, args) -> None:
        from store import session
        from store.gcpause import no_gc_pauses

        try:
            with no_gc_pauses():
                result = fn(*args)
        except BaseException as exc:  # handed to the dashboard, which shows it
            self.future.set_exception(exc)
        else:
            self.future.set_result(result)
        finally:
            session.release()  # this thread's connection only

    def result(self):
        """The result, waiting for it if need be (call it from a worker thread)."""
        return self.future.result()


def make_app(target: str | None, *, today: dt.date | None = None, actor: str | None = None,
             export_dir: Path | None = None, page_size: int = 20):
    """Open the book at ``target``, start loading the dashboard's data, then
    import and build the app (which takes that data when its dashboard mounts)."""
    import contextlib

    from store.gcpause import no_gc_pauses

    # No garbage-collection pauses from here until the dashboard is filled (the app
    # ends the hold then, see BatchbillApp.started_up): the imports and the start
    # make many objects and no cycle worth a full collection.
    gc_hold = contextlib.ExitStack()
    gc_hold.enter_context(no_gc_pauses())
    try:
        from store import session
        from tui.dashboard_data import first_load, list_page_size

        label = session.open(target)
        prefetch = Prefetch(first_load, today or dt.date.today(), list_page_size(page_size))
        from tui.app import BatchbillApp

        return BatchbillApp(db_label=label, today=today, actor=actor, export_dir=export_dir,
                            page_size=page_size, prefetch=prefetch, gc_hold=gc_hold)
    except BaseException:
        gc_hold.close()
        raise


def run(target: str | None) -> int:
    """Open the database and run the app; the exit status."""
    from store import session
    from store.errors import BatchbillError

    try:
        app = make_app(target)
    except BatchbillError:
        raise  # the command line prints its message
    except Exception as exc:  # a server that does not answer, a file we cannot open...
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"batchbill: cannot open {session.describe(target)}: {first}", file=sys.stderr)
        return 2
    try:
        app.run()
    finally:
        session.release()
    return 0
