"""Keys land in order, where focus is when each one is processed.

Over SSH keys arrive in bursts. Textual hands each key to the widget that has
the focus *when the app reads it*, and resolves its binding only when the key
has bubbled back up to the app: with several keys read at once, a key typed
after ``enter`` in a dialog went to the field that had the focus before the
``enter`` moved it, a key meant for a dialog reached the screen behind it
before the dialog was mounted, and keys typed while an export was running
went into its destination field.

:class:`KeyGate` takes every key the terminal sends and lets the next one in
only when the app has finished with the previous one: every message queue
empty (the new screen mounted, the focus moved, the bindings resolved) and no
store call running whose result decides where the next key goes (a save, an
export, a search that opens the invoice its number names...). Background work (the
dashboard's poll, a draft written after a toggle) is marked as such
(``run_store(..., background=True)``) and holds nothing. A burst then gives
what the same keys typed one at a time give.

A store call that hangs holds keys for at most ``WORKER_LIMIT``; a call that
writes files (an export, the invoice screen's PDF) holds them however long it
takes (``run_store(..., hold_keys=True)``): a batch of 22 PDFs takes longer
than the limit, and a ``/`` typed meanwhile must not open Search in the middle
of a path. Such a call can hear of each key held (``held(n)``: the export
dialog says how many keys wait for it).
"""
from __future__ import annotations

import asyncio
import time
from collections import deque

from textual import events
from textual.worker import WorkerState

# Longest a key waits for the app to settle (messages) and for a store call:
# a call that hangs (a lock on a shared server) must not freeze the keyboard.
SETTLE_LIMIT = 2.0
WORKER_LIMIT = 15.0
_LIVE = (WorkerState.PENDING, WorkerState.RUNNING)


def is_background(worker) -> bool:
    return bool(getattr(worker, "batchbill_background", False))


def holds_keys(worker) -> bool:
    """A call that keeps the keys typed meanwhile until it is over, however long."""
    return bool(getattr(worker, "batchbill_hold_keys", False))


class KeyGate:
    """One key at a time into the app (see the module's note)."""

    def __init__(self, app) -> None:
        self.app = app
        self.waiting: deque[events.Key] = deque()
        self._released: set[int] = set()  # ids of keys the gate let in (a Key has __slots__)
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.keys_in = 0  # counted for the tests and the monkey
        self.log: list[tuple[str, str]] | None = None  # (screen, key) let in: the key monkey's record

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="batchbill-keys")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def take(self, event: events.Event) -> bool:
        """True when the gate keeps ``event`` (a key from the terminal) to let it in later."""
        if not isinstance(event, events.Key) or event.is_forwarded:
            return False
        if id(event) in self._released:
            self._released.discard(id(event))
            return False
        if self._task is None:  # not running (yet): as Textual does
            return False
        self.waiting.append(event)
        self._wake.set()
        self._tell_holders()
        return True

    def _holders(self) -> list:
        return [worker for worker in self.app.workers if worker.state in _LIVE and holds_keys(worker)]

    def _tell_holders(self, holders: list | None = None) -> None:
        """Keys wait while a call that holds keys runs: tell it how many wait."""
        for worker in self._holders() if holders is None else holders:
            held = getattr(worker, "batchbill_held", None)
            if held is not None and self.waiting:
                held(len(self.waiting))

    async def _run(self) -> None:
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self.waiting:
                    await self.settled()
                    if not self.waiting:
                        break
                    held = self.waiting.popleft()
                    key = events.Key(held.key, held.character)
                    self._released.add(id(key))
                    self.keys_in += 1
                    if self.log is not None:
                        self.log.append((type(self.app.screen).__name__, key.key))
                    self.app.post_message(key)
                    await asyncio.sleep(0)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # never let the keyboard die silently
            self.app._handle_exception(error)

    async def drained(self) -> None:
        """Return when every key taken so far was let in and the app settled after it."""
        while self._task is not None:
            while self.waiting and self._task is not None:
                await asyncio.sleep(0.005)
            await self.settled()
            if not self.waiting:
                return

    async def settled(self) -> None:
        """Return when the app is done with the last key: no message waiting or
        being handled anywhere, no callback due after a refresh, and no store
        call running whose result moves the focus (up to the limits above; a call
        that holds keys, however long it runs)."""
        start = time.monotonic()
        spins = 0  # turns of the loop: a long wait without a store call sleeps a little between
        calm = 0
        told = 0  # keys a call that holds them was told about (some came before it started)
        while True:
            holders = self._holders()
            if holders:  # an export: no limit, and the limits count from its end
                if len(self.waiting) != told:
                    told = len(self.waiting)
                    self._tell_holders(holders)
                calm = 0
                await asyncio.sleep(0.01)
                start = time.monotonic()
                continue
            now = time.monotonic()
            quiet = self._quiet()
            busy = quiet and self._working()
            if quiet and not busy:
                calm += 1
                if calm >= 3:  # seen calm across a few turns of the loop: nothing scheduled either
                    return
            else:
                calm = 0
            if not quiet and now - start > SETTLE_LIMIT:
                return
            if busy and now - start > WORKER_LIMIT:
                return
            spins += 1
            # a store call runs in a thread: look again now and then; else at once
            await asyncio.sleep(0.002 if busy or spins > 2000 else 0)

    def _quiet(self) -> bool:
        app = self.app
        try:
            nodes = [app, *app._registry]
        except RuntimeError:  # the registry changed while we looked
            return False
        for node in nodes:
            if node._next_callbacks:
                return False
            queue = node.__dict__.get("_message_queue")  # never made: never had a message
            if queue is None or node._closed or node._closing:
                continue
            if queue.qsize():
                return False
            task = node._task
            # a pump with nothing to do waits on its queue's event; one that is not
            # waiting there is handling a message (or its idle callbacks)
            if task is not None and not task.done() and not queue.ready_event._waiters:
                return False
        try:
            screen = app.screen
        except Exception:
            return True
        return not screen._callbacks

    def _working(self) -> bool:
        return any(worker.state in _LIVE and not is_background(worker) for worker in self.app.workers)
