"""Run a store call in a thread worker and hand the result back to the UI
thread. Widgets are never touched from the worker: the result comes back
through ``call_from_thread`` to a callback on the node that asked."""
from __future__ import annotations

from typing import Any, Callable

from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from store.errors import BatchbillError


def run_store(
    node: DOMNode,
    fn: Callable[..., Any],
    *args: Any,
    done: Callable[[Any], None] | None = None,
    failed: Callable[[BatchbillError], None] | None = None,
    group: str = "store",
    exclusive: bool = True,
    background: bool = False,
    after: Callable[[], None] | None = None,
    hold_keys: bool = False,
    held: Callable[[int], None] | None = None,
    **kwargs: Any,
) -> Worker:
    """Call ``fn(*args, **kwargs)`` in a thread; ``done(result)`` runs on the UI thread.

    A :class:`BatchbillError` goes to ``failed`` when given; otherwise (and
    for any other exception) to the app's one handler, ``store_error``,
    which shows it as a notification. (Worker.StateChanged does not bubble,
    so the app could not see a screen's failed worker by itself.)

    Keys typed meanwhile wait for the call (:mod:`tui.keys`): its result may
    open a screen or move the focus. ``background=True`` for a call whose
    result does neither (the dashboard's poll, a draft written after a toggle).
    ``after()`` runs on the UI thread once the call is over, whatever its outcome
    (a dialog that said "Exporting..." says something else then).

    ``hold_keys=True``: keys typed meanwhile wait however long the call takes
    (an export of many PDFs), not just up to :data:`tui.keys.WORKER_LIMIT`;
    ``held(n)`` runs on the UI thread each time a key is held, ``n`` keys waiting.
    """

    def job() -> Any:
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            app = node.app
            if isinstance(exc, BatchbillError) and failed is not None:
                if not get_current_worker().is_cancelled:
                    app.call_from_thread(failed, exc)
            else:
                app.call_from_thread(app.store_error, exc)
            if after is not None and not get_current_worker().is_cancelled:
                app.call_from_thread(after)
            return None
        if done is not None and not get_current_worker().is_cancelled:
            node.app.call_from_thread(done, result)
        if after is not None and not get_current_worker().is_cancelled:
            node.app.call_from_thread(after)
        return result

    name = getattr(fn, "__name__", "store call")
    worker = node.run_worker(
        job, name=name, group=group, exclusive=exclusive, thread=True,
        exit_on_error=False, description=name,
    )
    worker.batchbill_background = background
    worker.batchbill_hold_keys = hold_keys and not background
    worker.batchbill_held = held
    return worker
