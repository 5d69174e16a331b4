"""Separate OS processes saving overlapping batches, and a save killed with
SIGKILL mid-transaction: every item is billed once, the loser writes nothing
and names the item, the database holds the whole batch or none of it."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store.models import Batch, BilledLedger, Invoice, InvoiceLine, Ticket
from tests.factories import customer, contract, ticket

ROOT = Path(__file__).resolve().parents[2]


def _book(customers=4, tickets=5):
    for c in range(customers):
        cust = customer(f"Customer {c:03d}", tax="0.1")
        con = contract(cust, "Support", "hourly", hourly_rate=10000)
        for _ in range(tickets):
            ticket(cust, con, minutes=(30, 45))


def _spawn(target, name, barrier, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.save_worker", target, name, str(barrier), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_ready(barrier: Path, names, procs, timeout=60):
    deadline = time.monotonic() + timeout
    while not all((barrier / f"{n}.ready").exists() for n in names):
        for p in procs:
            if p.poll() is not None:
                pytest.fail(f"worker died early: {p.stderr.read()}")
        assert time.monotonic() < deadline, "workers never got ready"
        time.sleep(0.02)


def test_two_processes_saving_overlapping_batches_bill_each_item_once(db, tmp_path):
    from store.book import open_database
    from store.db import close_database

    target = db.batchbill_test_target
    _book()
    close_database()
    names = ["alpha", "beta"]
    procs = [_spawn(target, n, tmp_path) for n in names]
    _wait_ready(tmp_path, names, procs)
    (tmp_path / "go").write_text("go")
    outcomes = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    open_database(target)
    winners = [o for o in outcomes if "saved" in o]
    losers = [o for o in outcomes if "lost" in o]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    win, lose = winners[0], losers[0]
    assert f"was billed meanwhile by batch '{win['name']}'" in lose["lost"]
    assert lose["lost"].startswith(("ticket T-", "expense"))  # names the item
    # The loser wrote nothing: its batch is still a draft with no invoice.
    assert Batch.get_by_id(lose["batch_id"]).status == "draft"
    assert Invoice.select().where(Invoice.batch == lose["batch_id"]).count() == 0
    assert sorted(i.number for i in Invoice.select()) == sorted(win["saved"])
    # Every ticket billed exactly once.
    assert Ticket.select().where(Ticket.status == "billed").count() == 20
    ticket_lines = InvoiceLine.select().where(InvoiceLine.source_kind == "ticket")
    assert ticket_lines.count() == len({l.source_id for l in ticket_lines}) == 20
    assert BilledLedger.select().where(BilledLedger.batch == lose["batch_id"]).count() == 0


def test_save_killed_mid_transaction_leaves_none_of_the_batch(db, tmp_path):
    from store.book import open_database
    from store.db import close_database, is_sqlite

    target = db.batchbill_test_target
    _book(customers=40, tickets=10)
    close_database()
    proc = _spawn(target, "doomed", tmp_path, "--pause-in-transaction")
    _wait_ready(tmp_path, ["doomed"], [proc])
    (tmp_path / "go").write_text("go")
    line = proc.stdout.readline()
    assert json.loads(line) == {"name": "doomed", "in_transaction": True}
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    database = open_database(target)
    if is_sqlite(database):
        assert database.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    assert Invoice.select().count() == 0
    assert InvoiceLine.select().count() == 0
    assert BilledLedger.select().count() == 0
    assert Ticket.select().where(Ticket.status == "billed").count() == 0
    assert Batch.get(Batch.name == "doomed").status == "draft"
    # And the draft can still be saved afterwards, with the first number.
    from store import billing

    import datetime as dt
    result = billing.save_batch("doomed", today=dt.date(2026, 11, 15))
    assert result.invoice_numbers[0] == "INV-000001" and len(result.invoice_numbers) == 40


def test_save_killed_at_random_moments_holds_all_or_nothing(sqlite_db, tmp_path):
    from store.book import open_database
    from store.db import close_database

    target = sqlite_db.batchbill_test_target
    _book(customers=150, tickets=8)
    close_database()
    for attempt, delay in enumerate((0.05, 0.15, 0.3)):
        barrier = tmp_path / f"run{attempt}"
        barrier.mkdir()
        proc = _spawn(target, f"run{attempt}", barrier)
        _wait_ready(barrier, [f"run{attempt}"], [proc])
        (barrier / "go").write_text("go")
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        database = open_database(target)
        assert database.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        saved = Batch.select().where(Batch.status == "saved").count()
        invoices = Invoice.select().count()
        billed = Ticket.select().where(Ticket.status == "billed").count()
        assert (saved, invoices, billed) in ((0, 0, 0), (1, 150, 1200))
        close_database()
        if saved:
            break
