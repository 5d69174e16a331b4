"""The tests' settle() waits through a worker that a newer one of its exclusive
group cancels (the key monkey's seed 9018 ended with WorkerCancelled from it)."""
from __future__ import annotations

import asyncio

from tests.tui.conftest import make_app, settle


async def test_settle_waits_through_a_worker_replaced_by_a_newer_one(book):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        done = []

        async def slow(name):
            await asyncio.sleep(0.3)
            done.append(name)

        first = app.run_worker(slow("first"), group="cli12", exclusive=True)

        async def replace():
            await asyncio.sleep(0.05)
            app.run_worker(slow("second"), group="cli12", exclusive=True)

        task = asyncio.create_task(replace())
        await settle(pilot)
        await task
        await settle(pilot)
        assert first.is_cancelled and done == ["second"]
