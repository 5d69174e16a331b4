"""A key monkey for the terminal app: seeded random keys from every screen
and dialog, in bursts (no pause, as over SSH) and paced, on a fixed book.

A run fails on
- any unhandled exception (the app ends with it), or an "Unexpected error"
  notification (a store call failed for a reason that is not a user's mistake);
- the app exiting other than by ``q`` or ``ctrl+q``;
- a file written, or data changed, in a chunk of keys that holds no key which
  confirms that change on the screen it reached (enter or ctrl+s in the export
  dialog for a file, enter in the void dialog for a void, and so on).

The suite runs a CI-sized sample (tests/tui/test_monkey.py); a long run:

    python -m tests.tui.monkey --keys 100000 [--seed 1] [--workers 1]

Exports are fenced into the run's sandbox directory: a destination typed
outside it is refused (as a user's mistake) before anything is written.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import string
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# --- the keys -----------------------------------------------------------------------

TYPING = list(string.ascii_lowercase) + list(string.digits) + list("ABNS-.,: ")
NAVIGATION = ["enter", "escape", "tab", "shift+tab", "space", "up", "down", "left", "right",
              "pageup", "pagedown", "home", "end", "backspace", "delete"]
CONTROL = [f"ctrl+{c}" for c in string.ascii_lowercase if c not in "mijh"]  # those are enter/tab/bs
BOUND = ["d", "b", "i", "slash", "n", "question_mark", "q", "e", "x", "v", "t", "a", "A",
         "j", "k", "y", "ctrl+s", "ctrl+p", "ctrl+u", "T", "delete", "escape", "enter", "space"]
QUITS = {"q", "ctrl+q"}


def random_key(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(BOUND)
    if roll < 0.65:
        return rng.choice(NAVIGATION)
    if roll < 0.90:
        return rng.choice(TYPING)
    return rng.choice(CONTROL)


def random_chunk(rng: random.Random) -> list[str]:
    """A burst: mostly short, sometimes a long typed-ahead run."""
    size = rng.choice([1, 1, 2, 3, 4, 6, 8, 12, 20])
    return [random_key(rng) for _ in range(size)]


# --- where a run starts ----------------------------------------------------------------

MAPLE = "Maple Leaf Physiotherapy Inc."


def _draft():
    from store import billing

    return billing.create_batch("Monkey draft", "2026-10", [MAPLE], actor="monkey").id


STARTS: dict[str, tuple] = {
    # name: (setup in the store, keys that reach it)
    "dashboard": (None, ()),
    "batches": (None, ("b",)),
    "invoices": (None, ("i",)),
    "search": (None, ("slash",)),
    "invoice": (None, ("slash", *"NS-000001", "enter")),
    "batch-invoices": (None, ("b", "enter")),
    "editor": (_draft, ("b", "enter")),
    "new-batch": (None, ("n",)),
    "export": (None, ("i", "e")),
    "void": (None, ("b", "v")),
    "save": (_draft, ("b", "enter", "ctrl+s")),
    "delete": (_draft, ("b", "delete")),
    "help": (None, ("question_mark",)),
    "palette": (None, ("ctrl+p",)),
    "tickets": (None, ("T",)),
    "void-invoice": (None, ("slash", *"NS-000002", "enter", "v")),
}

# which screen's which keys may make which change
CONFIRMS = {
    # p on the invoice screen writes its PDF and marks it exported: that screen's one key for it
    "file": {("ExportDialog", k) for k in ("enter", "ctrl+s", "space")} | {("InvoiceDetailScreen", "p")},
    "exported": {("ExportDialog", k) for k in ("enter", "ctrl+s", "space")} | {("InvoiceDetailScreen", "p")},
    "batch-created": {("NewBatchDialog", k) for k in ("enter", "ctrl+s")},
    "saved": {("ConfirmSaveDialog", k) for k in ("enter", "ctrl+s", "space")},
    "voided": {("VoidDialog", "enter"), ("VoidInvoiceDialog", "enter")},
    "deleted": {("ConfirmDeleteDraft", k) for k in ("enter", "y", "space")},
    "draft": {("BatchEditorScreen", k) for k in ("space", "a", "A", "t", "ctrl+s")}
    | {("ConfirmSaveDialog", k) for k in ("enter", "ctrl+s", "space")},
}
# enter in the command palette runs the chosen command of the screen behind it
# (the invoice's "PDF", the editor's "Select all" or "Detail level"): the same
# confirmation as its key. The palette's commands that save, void or delete only
# open their dialogs, which still need their own confirming key.
for _change in ("file", "exported", "draft"):
    CONFIRMS[_change] = CONFIRMS[_change] | {("CommandPalette", "enter")}


@dataclass
class Finding:
    seed: int
    start: str
    keys: list[str]
    problem: str

    def __str__(self) -> str:
        return f"seed {self.seed} from {self.start}: {self.problem} after keys {self.keys[-40:]!r}"


@dataclass
class Outcome:
    keys: int = 0
    chunks: int = 0
    apps: int = 0
    quits: int = 0
    changes: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0


def fingerprint(sandbox: Path, book: Path) -> dict:
    """What a chunk of keys may change: the files in the sandbox and the book's batches,
    drafts, invoices and tickets."""
    from store.models import Batch, Invoice, Ticket

    skip = {book.name, book.name + "-wal", book.name + "-shm", book.name + "-journal"}
    files = {}
    for path in sandbox.rglob("*"):
        if path.name not in skip and not path.is_dir():
            try:
                files[str(path.relative_to(sandbox))] = path.stat().st_mtime_ns
            except OSError:
                pass
    batches = {b.id: (b.status, b.name, b.period) for b in Batch.select(Batch.id, Batch.status, Batch.name,
                                                                         Batch.period)}
    drafts = {b.id: (b.detail, b.excluded) for b in Batch.select(Batch.id, Batch.detail, Batch.excluded)
              .where(Batch.status == "draft")}
    invoices = dict(Invoice.select(Invoice.number, Invoice.status).tuples())
    exported = dict(Invoice.select(Invoice.number, Invoice.export_count).tuples())
    tickets = dict(Ticket.select(Ticket.id, Ticket.status).tuples())
    return {"files": files, "batches": batches, "drafts": drafts, "invoices": invoices,
            "exported": exported, "tickets": tickets}


def changes(before: dict, after: dict) -> set[str]:
    out = set()
    if before["files"] != after["files"]:
        out.add("file")
    old, new = before["batches"], after["batches"]
    if set(new) - set(old):
        out.add("batch-created")
    if set(old) - set(new):
        out.add("deleted")
    for bid in set(old) & set(new):
        if old[bid][0] != new[bid][0]:
            out.add({"saved": "saved", "voided": "voided"}.get(new[bid][0], "batch-status"))
        elif old[bid][1:] != new[bid][1:]:
            out.add("batch-renamed")
    if any(before["exported"].get(n, c) != c for n, c in after["exported"].items()):
        out.add("exported")
    for number, status in after["invoices"].items():
        was = before["invoices"].get(number)
        if was is None:
            out.add("saved")
        elif was != status:
            out.add({"void": "voided", "exported": "exported"}.get(status, "invoice-status"))
    for bid in set(before["drafts"]) & set(after["drafts"]):
        if before["drafts"][bid] != after["drafts"][bid]:
            out.add("draft")
    if before["tickets"] != after["tickets"]:
        out.add("saved" if "saved" in out else ("voided" if "voided" in out else "tickets"))
    return out


def fence_exports(sandbox: Path):
    """Refuse an export outside the sandbox (a monkey types absolute paths too)."""
    import os

    from store import exports
    from store.errors import ValidationError

    real = exports.export_invoices

    def fenced(*args, out_path=None, **kwargs):
        target = Path(out_path or ".")
        if not target.is_absolute():
            target = Path.cwd() / target
        resolved = Path(os.path.realpath(target))
        if resolved != sandbox and sandbox not in resolved.parents:
            raise ValidationError(f"monkey sandbox: {out_path} is outside {sandbox}")
        return real(*args, out_path=out_path, **kwargs)

    exports.export_invoices = fenced
    return lambda: setattr(exports, "export_invoices", real)


async def run_one(seed: int, start: str, n_keys: int, template: Path, workdir: Path,
                  outcome: Outcome, size=(80, 24)) -> None:
    """``n_keys`` random keys from ``start`` on a fresh copy of the book."""
    import os

    from store.book import open_database
    from store.db import close_database
    from tests.tui.conftest import burst, make_app, settle

    rng = random.Random(seed)
    sandbox = Path(tempfile.mkdtemp(prefix=f"monkey-{seed}-", dir=workdir)).resolve()
    book = sandbox / "book.sqlite3"
    shutil.copy(template, book)
    close_database()
    open_database(str(book))
    restore = fence_exports(sandbox)
    old_cwd = os.getcwd()
    os.chdir(sandbox)
    setup, opening = STARTS[start]
    sent: list[str] = []
    toggled = False
    try:
        if setup is not None:
            setup()
        while n_keys > 0:
            app = make_app(export_dir=sandbox)
            unexpected: list[str] = []
            app.store_error = _recording(app.store_error, unexpected)
            outcome.apps += 1
            log: list[tuple[str, str]] = []
            exits: list[str | None] = []
            app.exit = _recording_exit(app.exit, log, exits)
            try:
                async with app.run_test(size=size) as pilot:
                    app.key_gate.log = log
                    await settle(pilot)
                    await burst(pilot, *opening)
                    while n_keys > 0 and app.is_running:
                        chunk = random_chunk(rng)[:n_keys]
                        before = fingerprint(sandbox, book)
                        mark = len(log)
                        sent.extend(chunk)
                        n_keys -= len(chunk)
                        outcome.keys += len(chunk)
                        outcome.chunks += 1
                        if rng.random() < 0.85:
                            await send(app, chunk)
                        else:
                            for key in chunk:
                                await send(app, [key])
                        if unexpected:
                            outcome.findings.append(Finding(seed, start, sent, f"unexpected error {unexpected}"))
                            return
                        done = log[mark:]
                        after = fingerprint(sandbox, book)
                        if any(pair in CONFIRMS["draft"] for pair in done):
                            toggled = True  # the editor writes the selection a moment later
                        for change in changes(before, after):
                            outcome.changes[change] = outcome.changes.get(change, 0) + 1
                            allowed = CONFIRMS.get(change, set())
                            if change == "draft" and toggled:
                                toggled = any(pair in CONFIRMS["draft"] for pair in done)
                                continue
                            if not any(pair in allowed for pair in done):
                                outcome.findings.append(Finding(
                                    seed, start, sent, f"{change} without a confirming key ({done[-12:]})"))
                                return
                        if exits or not app.is_running:
                            last = exits[0] if exits else None
                            # q or ctrl+q, or enter on the command palette's "Quit"
                            if not last or (last[1] not in QUITS and last != ("CommandPalette", "enter")):
                                outcome.findings.append(Finding(seed, start, sent, f"app exited after {last!r}"))
                                return
                            outcome.quits += 1
                            break
            except Exception as error:  # the app ended with an exception
                outcome.findings.append(Finding(seed, start, sent, f"{type(error).__name__}: {error}"))
                return
            if app._exception is not None:
                outcome.findings.append(Finding(seed, start, sent, repr(app._exception)))
                return
    finally:
        os.chdir(old_cwd)
        restore()
        close_database()
        shutil.rmtree(sandbox, ignore_errors=True)


async def send(app, keys) -> None:
    """Keys as the terminal sends them, all at once; back when the app settled after the
    last (every message handled, no store call running: tui.keys.KeyGate.drained)."""
    from tests.tui.conftest import key_event

    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        app.post_message(event)
    await app.key_gate.drained()


def _recording_exit(exit, log, sink: list):
    """app.exit, noting the last key let in when it was called."""

    def recorded(*args, **kwargs):
        sink.append(log[-1] if log else None)
        return exit(*args, **kwargs)

    return recorded


def _recording(handler, sink: list[str]):
    from store.errors import BatchbillError

    def store_error(error: BaseException) -> None:
        if not isinstance(error, BatchbillError):
            sink.append(f"{type(error).__name__}: {error}")
        handler(error)

    return store_error


async def run_many(seeds, template: Path, workdir: Path, keys_per_run: int,
                   size=(80, 24), deadline: float | None = None) -> Outcome:
    outcome = Outcome()
    started = time.monotonic()
    names = list(STARTS)
    for i, seed in enumerate(seeds):
        if deadline is not None and time.monotonic() - started > deadline:
            break
        await run_one(seed, names[seed % len(names)], keys_per_run, template, workdir, outcome, size=size)
    outcome.seconds = time.monotonic() - started
    return outcome


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100_000, help="keys in all")
    parser.add_argument("--per-run", type=int, default=400, help="keys per seed")
    parser.add_argument("--seed", type=int, default=1, help="first seed")
    parser.add_argument("--size", default="80x24")
    args = parser.parse_args(argv)
    from tests.tui.conftest import build_book

    width, height = (int(v) for v in args.size.split("x"))
    work = Path(tempfile.mkdtemp(prefix="batchbill-monkey-"))
    template = work / "template.sqlite3"
    build_book(template)
    runs = -(-args.keys // args.per_run)
    total = Outcome()
    started = time.monotonic()
    for seed in range(args.seed, args.seed + runs):
        outcome = asyncio.run(run_many([seed], template, work, args.per_run, size=(width, height)))
        total.keys += outcome.keys
        total.chunks += outcome.chunks
        total.apps += outcome.apps
        total.quits += outcome.quits
        for k, v in outcome.changes.items():
            total.changes[k] = total.changes.get(k, 0) + v
        for finding in outcome.findings:
            total.findings.append(finding)
            print(f"FINDING {finding}", flush=True)
        if (seed - args.seed) % 10 == 9:
            print(f"... {total.keys} keys, {time.monotonic() - started:.0f} s", flush=True)
    total.seconds = time.monotonic() - started
    print(f"keys {total.keys} chunks {total.chunks} apps {total.apps} quits {total.quits} "
          f"seconds {total.seconds:.0f} changes {dict(sorted(total.changes.items()))} "
          f"findings {len(total.findings)}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if total.findings else 0


if __name__ == "__main__":
    sys.exit(main())
