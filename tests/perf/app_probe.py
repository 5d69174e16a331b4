"""The app side of the benchmark, run in a fresh process by :mod:`tests.perf.bench`.

    python -m tests.perf.app_probe coldstart DB TODAY
    python -m tests.perf.app_probe empty
    python -m tests.perf.app_probe memory DB TODAY BATCH_ID
    python -m tests.perf.app_probe keystroke DB TODAY BATCH_ID PRESSES

``coldstart`` and ``empty`` print ``READY`` as soon as the dashboard has all
three panels filled (or, for ``empty``, as soon as an empty Textual app started
the same way is running): the parent times process start to that line.
``memory`` and ``keystroke`` print one JSON line with their figures.
Everything runs headless through ``App.run_test``.
"""
from __future__ import annotations

import os
import sys


def _ready() -> None:
    sys.stdout.write("READY\n")
    sys.stdout.flush()


def _json(data) -> None:
    import json

    sys.stdout.write("RESULT " + json.dumps(data) + "\n")
    sys.stdout.flush()


SIZE = (120, 36)


def _dashboard_populated(app) -> bool:
    from tui.screens.dashboard import BenchmarkPanel, DashboardScreen
    from tui.widgets.list_panel import ListPanel

    screen = app.screen
    if not isinstance(screen, DashboardScreen):
        return False
    panels = list(screen.query(ListPanel))
    if len(panels) < 2 or not all(p.loaded for p in panels):
        return False
    return screen.query_one(BenchmarkPanel).data is not None


async def _until(predicate, timeout: float = 120.0, step: float = 0.002) -> None:
    import asyncio
    import time

    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(step)


async def _settle(app, pilot) -> None:
    """Let every worker finish (a cancelled one, replaced by a newer load, is fine)."""
    from textual.worker import WorkerCancelled

    for _ in range(2):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()


def _open_app(db: str, today: str):
    """The app as ``batchbill`` starts it (tui.launch: the dashboard's data starts
    loading before Textual is imported)."""
    import datetime as dt

    from tui.launch import make_app

    return make_app(db, today=dt.date.fromisoformat(today), actor="bench")


async def coldstart(db: str, today: str) -> None:
    app = _open_app(db, today)
    async with app.run_test(headless=True, size=SIZE) as pilot:
        await _until(lambda: _dashboard_populated(app))
        _ready()
        app.exit(0)


async def empty(*_ignored) -> None:
    from textual.app import App

    class Empty(App):
        pass

    app = Empty()
    async with app.run_test(headless=True, size=SIZE):
        _ready()
        app.exit(0)


def _rss_kib() -> tuple[int, int]:
    """(current RSS, peak RSS) of this process in KiB, from /proc."""
    now = peak = 0
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1])
    if not peak:  # not Linux: the peak from getrusage
        import resource

        peak = now = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return now, peak


async def memory(db: str, today: str, batch_id: str) -> None:
    """Open every screen in turn; RSS after each, and the peak at the end."""
    from store import listing

    app = _open_app(db, today)
    figures: dict[str, int] = {}

    async def settle(pilot) -> None:
        await _settle(app, pilot)

    async with app.run_test(headless=True, size=SIZE) as pilot:
        await _until(lambda: _dashboard_populated(app))
        figures["dashboard"] = _rss_kib()[0]
        for mode in ("batches", "invoices", "search"):
            await app.switch_mode(mode)
            await settle(pilot)
            if mode == "search":
                await pilot.press(*"support")
                await settle(pilot)
                await pilot.pause(0.4)  # the type-ahead's debounce
                await settle(pilot)
            figures[mode] = _rss_kib()[0]
        await app.switch_mode("dashboard")
        await settle(pilot)
        newest = listing.recent_invoices("", 0, 1)
        if newest:
            app.open_invoice(newest[0].number)
            await settle(pilot)
            figures["invoice_detail"] = _rss_kib()[0]
            app.pop_screen()
            await settle(pilot)
        app.open_draft(int(batch_id))
        await settle(pilot)
        from tui.screens.batch_editor import BatchEditorScreen

        await _until(lambda: isinstance(app.screen, BatchEditorScreen) and app.screen.plan is not None)
        await settle(pilot)
        figures["batch_editor"] = _rss_kib()[0]
        figures["peak"] = _rss_kib()[1]
        app.exit(0)
    _json({"rss_kib": figures})


async def keystroke(db: str, today: str, batch_id: str, presses: str) -> None:
    """Space on the first customer node of a whole-book draft that is not locked:
    time from the key event to the totals updated and the screen painted, for each
    press. Each press must flip the node's selection (checked), so a locked node
    cannot make the probe time a warning instead of a toggle."""
    import asyncio
    import time

    from textual import events

    from tui.screens.batch_editor import BatchEditorScreen

    app = _open_app(db, today)
    stamps: list[float] = []
    async with app.run_test(headless=True, size=SIZE) as pilot:
        await _until(lambda: _dashboard_populated(app))
        app.open_draft(int(batch_id))
        await _until(lambda: isinstance(app.screen, BatchEditorScreen) and app.screen.plan is not None)
        await _settle(app, pilot)
        editor = app.screen
        customers = len(editor.plan.customers)
        original = editor._show_totals

        def show_totals() -> None:
            original()
            stamps.append(time.perf_counter())

        editor._show_totals = show_totals
        painted: list[float] = []
        tree_render = editor.tree.render_lines

        def render_lines(crop):
            strips = tree_render(crop)
            painted.append(time.perf_counter())
            return strips

        editor.tree.render_lines = render_lines
        node = first_selectable(editor.tree)
        editor.tree._tree_lines  # noqa: B018 - lay the lines out, so the node has its line
        editor.tree.move_cursor(node)
        await pilot.pause()
        assert editor.tree.cursor_node is node, "the cursor is not on the customer to toggle"
        to_totals, to_paint = [], []
        totals_text = []
        profile_to = os.environ.get("BENCH_PROFILE")  # a cProfile of the presses, for digging
        profiler = None
        if profile_to:
            import cProfile

            profiler = cProfile.Profile()
        for _ in range(int(presses)):
            if profiler:
                profiler.enable()
            stamps.clear()
            before = editor.excluded
            state_before = editor.tree.state_of(node.data)
            painted.clear()
            t0 = time.perf_counter()
            app._driver.send_message(events.Key("space", " "))
            while time.perf_counter() - t0 < 5:
                await asyncio.sleep(0)
                if stamps:
                    # paint what changed now, as the update timer would on its next tick
                    app.screen._on_timer_update()
                    if painted:
                        break
            t2 = time.perf_counter()
            # a press that toggled nothing would time nothing: each must flip the node
            assert stamps, f"space on {node.data.ref} did not update the totals"
            assert editor.excluded != before, f"space on {node.data.ref} did not change the selection"
            state_after = editor.tree.state_of(node.data)
            assert (state_before == "none") != (state_after == "none"), (
                f"space on {node.data.ref} left it {state_before!r} -> {state_after!r}")
            to_totals.append(stamps[0] - t0)
            to_paint.append(t2 - t0)
            if profiler:
                profiler.disable()
            totals_text.append(str(editor.query_one("#editor-summary").content).splitlines()[-1])
            await asyncio.sleep(0.02)  # let the draft's save timer and the poller run between keys
        app.exit(0)
    if profiler:
        profiler.dump_stats(profile_to)
    _json({"customers": customers, "to_totals": to_totals, "to_paint": to_paint,
           "totals": totals_text[:2], "node": node.data.ref})


def first_selectable(tree):
    """The first customer node that space toggles (not locked: on a large book the first
    customer can be, and a press on it only warns)."""
    for node in tree.root.children:
        if node.data is not None and tree.state_of(node.data) != "locked":
            return node
    raise RuntimeError("no customer of the draft can be toggled: nothing to time")


def main(argv: list[str]) -> int:
    import asyncio

    mode, args = argv[0], argv[1:]
    job = {"coldstart": coldstart, "empty": empty, "memory": memory, "keystroke": keystroke}[mode]
    asyncio.run(job(*args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
