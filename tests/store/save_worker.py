"""A separate OS process that saves a batch, for the concurrency and crash
tests. Usage: python -m tests.store.save_worker DB NAME BARRIER_DIR [--pause-in-transaction]

It plans and creates its draft, writes BARRIER_DIR/NAME.ready, waits until
every expected worker is ready (BARRIER_DIR/go exists), then saves the plan
it reviewed, and prints one JSON line with the outcome.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

TODAY = dt.date(2026, 11, 15)


def main(argv: list[str]) -> int:
    target, name, barrier = argv[0], argv[1], Path(argv[2])
    pause = "--pause-in-transaction" in argv
    from store.book import open_database

    open_database(target)
    from store import billing
    from store.errors import AlreadyBilledError

    reviewed = billing.plan("2026-10", today=TODAY)
    draft = billing.create_batch(name, "2026-10", actor=name)
    (barrier / f"{name}.ready").write_text("ready")
    deadline = time.monotonic() + 60
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            print(json.dumps({"name": name, "error": "barrier timeout"}))
            return 3
        time.sleep(0.01)
    if pause:
        # Stop inside the save's transaction, after every row is written and
        # before the commit, so the parent can kill us there.
        from store.billing import save as save_module

        original = save_module.write_index

        def write_then_wait(records):
            original(records)
            print(json.dumps({"name": name, "in_transaction": True}), flush=True)
            time.sleep(60)

        save_module.write_index = write_then_wait
    try:
        result = billing.save_batch(draft.id, actor=name, today=TODAY, reviewed=reviewed)
    except AlreadyBilledError as exc:
        print(json.dumps({"name": name, "lost": str(exc), "batch_id": draft.id}))
        return 0
    print(json.dumps({"name": name, "saved": result.invoice_numbers, "batch_id": draft.id}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
