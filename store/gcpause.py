"""No garbage-collection pauses during the bulk work users wait for.

Planning a period and exporting a batch build hundreds of thousands of small
objects without a reference cycle; Python's cyclic collector then runs full
collections over the whole process (the app's heap included), pauses in the
middle of the work (docs/performance.md has the figures). Reference counting still frees
everything; the collector is turned back on afterwards, unless it was off.
"""
from __future__ import annotations

import contextlib
import gc
import threading

_lock = threading.Lock()
_depth = 0
_was_enabled = True


@contextlib.contextmanager
def no_gc_pauses():
    """Nested and concurrent uses (thread workers) keep the collector off until
    the last one ends, then restore it as the first one found it."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
