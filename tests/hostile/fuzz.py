"""The import fuzzer: mutated valid files and the hostile-value catalogue,
over every import kind, through the command line (``batchbill import``).

Every case must end in exit 0 (imported) or exit 2 with every problem
located (``FILE:LINE: column: reason``), never a traceback, and a refused
file must leave the book exactly as it was (no partial import).

The suite runs a CI-sized sample (tests/hostile/test_fuzz_import.py); a long
run: ``python -m tests.hostile.fuzz --files 10000`` (prints the figures).
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import io
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "import"
KINDS = ("customers", "contracts", "service-items", "tickets", "time-entries", "expenses")

# The hostile-value catalogue: huge, tiny, exotic digits, exponents, signs,
# grouping, control characters, BOMs, invisible and lookalike characters,
# dates out of range, odd quoting.
HOSTILE = [
    "9" * 25, "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e17", "1E+30",
    "1e309", "-1e309", "inf", "NaN", "1e-999999999", "0.0000000001", "0." + "0" * 400 + "1",
    "9" * 5000, "١٢", "１２.５０", "߁߂", "𝟙𝟚", "٣١", "1_000.00", "1,000.00", "1 000", "+12.50", "-12.50",
    "-0", "00000000000000000000012", ".5", "5.", "12.5.1", "0x1F", "1/2", "½", "2%%", "1e-30%", "-5%",
    "100%", "99.99999%", "0.1234567", "19 %", "%",
    "0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01", "2026-02-30", "2026-13-01", "２０２６-01-01",
    "2026-10-01T25:00", "2026-10-01T10:00+99:99", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00+14:00",
    "2026-10-01T10:00:00.123456789", "10/31/2026", "31.10.2026",
    "Evil\x1b[2J\x1b]0;pwned\x07Co", "a\x00b", "a\x07b", "a\x08b", "\x7f", "a\x85b", "a\x9bb", "\ufeffAcme",
    "Ac\u200bme", "ACME", "ＡＣＭＥ", "\u202eevil", "=HYPERLINK(\"x\")", "@SUM(A1)", "a\r\nb", "a\rb", "\t",
    " ", "", '"', '""', "a,b", "x" * 301, "x" * 200001, "東京株式会社", "🙂" * 10, "\udcff"[:0] + "é",
    "yes", "no", "maybe", "closed", "billed", "open", "USD", "XXX", "usd", "JPY", "BHD", "US", "U", "USA",
    "hourly", "retainer", "block_hours", "per_device", "project_fixed", "monthly", "weekly",
]

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252", "utf-32")


def base_text(kind: str) -> str:
    return (DATA / f"{kind}.csv").read_text(encoding="utf-8")


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _write(rows: list[list[str]], line_end: str = "\r\n") -> str:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator=line_end).writerows(rows)
    return out.getvalue()


def mutate(kind: str, rng: random.Random) -> tuple[bytes, str]:
    """One hostile file of ``kind`` and a short description of what was done."""
    rows = _cells(base_text(kind))
    ops = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        op = rng.choice(("cell", "cell", "cell", "cell", "dup-row", "drop-cell", "extra-cell", "header",
                         "shuffle", "blank", "drop-header-col"))
        r = rng.randrange(1, len(rows)) if len(rows) > 1 else 0
        if op == "cell" and rows[r]:
            c = rng.randrange(len(rows[r]))
            value = rng.choice(HOSTILE)
            if rng.random() < 0.3:
                value = rows[r][c] + value if rng.random() < 0.5 else value + rows[r][c]
            rows[r][c] = value
            ops.append(f"cell[{r},{rows[0][c] if c < len(rows[0]) else c}]={value[:30]!r}")
        elif op == "dup-row":
            rows.insert(rng.randrange(1, len(rows) + 1), list(rows[r]))
            ops.append(f"dup-row {r}")
        elif op == "drop-cell" and rows[r]:
            rows[r].pop(rng.randrange(len(rows[r])))
            ops.append(f"drop-cell {r}")
        elif op == "extra-cell":
            rows[r].append(rng.choice(HOSTILE))
            ops.append(f"extra-cell {r}")
        elif op == "header":
            c = rng.randrange(len(rows[0]))
            rows[0][c] = rng.choice(HOSTILE + ["External ID", "customer", "Ticket ID", rows[0][c].upper()])
            ops.append(f"header[{c}]={rows[0][c][:30]!r}")
        elif op == "shuffle":
            body = rows[1:]
            rng.shuffle(body)
            rows = [rows[0], *body]
            ops.append("shuffle")
        elif op == "blank":
            rows.insert(rng.randrange(1, len(rows) + 1), [])
            ops.append("blank")
        elif op == "drop-header-col":
            c = rng.randrange(len(rows[0]))
            for row in rows:
                if c < len(row):
                    row.pop(c)
            ops.append(f"drop-col {c}")
    text = _write(rows, rng.choice(("\r\n", "\n", "\r", "\r\n")))
    data = text.encode("utf-8", "surrogatepass")
    roll = rng.random()
    if roll < 0.08:
        enc = rng.choice(ENCODINGS)
        data = text.encode(enc, "replace")
        ops.append(f"encoding {enc}")
    elif roll < 0.16:
        data = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            action = rng.choice(("flip", "del", "ins", "trunc"))
            if not data:
                break
            i = rng.randrange(len(data))
            if action == "flip":
                data[i] = rng.randrange(256)
            elif action == "del":
                del data[i]
            elif action == "ins":
                data[i:i] = bytes([rng.randrange(256)])
            else:
                del data[i:]
            ops.append(f"bytes {action}@{i}")
        data = bytes(data)
    elif roll < 0.2:
        data = b"\xef\xbb\xbf" + data
        ops.append("bom")
    return data, "; ".join(ops)


LOCATED = re.compile(r"^(?P<line>\d+): (?P<column>.+?): .+", re.S)


def check_case(kind: str, data: bytes, work: Path, db_path: str, counts) -> tuple[str, str]:
    """Import one file through the CLI; (outcome, problem) where problem is '' when
    the invariants hold. Outcomes: imported, refused."""
    from batchbill.cli import main
    from store.db import close_database

    path = work / f"{kind}.csv"
    path.write_bytes(data)
    before = counts(db_path)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["import", kind, str(path), "--db", db_path])
    except BaseException as exc:  # noqa: BLE001 - the finding: a traceback
        close_database()
        return "traceback", f"{type(exc).__name__}: {exc}"
    finally:
        close_database()
    after = counts(db_path)
    if status == 0:
        grew = all(after[k][0] >= before[k][0] for k in before) and after["audit_event"] != before["audit_event"]
        return "imported", "" if grew else f"imported, but no audit event or rows lost: {before} {after}"
    if status != 2:
        return "other", f"exit {status}: {err.getvalue()[-500:]}"
    if after != before:
        return "partial", f"refused but the book changed: {before} -> {after}"
    lines = err.getvalue().splitlines()
    if not lines or not lines[-1].startswith("batchbill: nothing imported: "):
        return "unlocated", f"refusal without the summary line: {err.getvalue()[-500:]!r}"
    for line in lines[:-1]:
        if line.startswith("... and ") and line.endswith(" more"):
            continue
        m = LOCATED.match(line[len(str(path)) + 1:]) if line.startswith(f"{path}:") else None
        if not m:
            return "unlocated", f"not FILE:LINE: column: reason: {line[:300]!r}"
    return "refused", ""


TABLES = ("customer", "contract", "service_item", "ticket", "time_entry", "expense", "audit_event")


def table_counts(db_path: str) -> dict[str, object]:
    """Per table: its row count and a digest of its contents (a refused file
    must change neither)."""
    import hashlib
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        out = {}
        for t in TABLES:
            rows = conn.execute(f'SELECT * FROM "{t}" ORDER BY id').fetchall()
            out[t] = (len(rows), hashlib.sha1(repr(rows).encode("utf-8", "surrogatepass")).hexdigest()[:12])
        return out
    finally:
        conn.close()


def database_digest(target: str) -> dict[str, object]:
    """table_counts for any database (a PostgreSQL URL too), through the store."""
    import hashlib

    from store.book import open_database
    from store.db import close_database, db

    open_database(target)
    try:
        out = {}
        for t in TABLES:
            rows = db.execute_sql(f'SELECT * FROM "{t}" ORDER BY id').fetchall()
            out[t] = (len(rows), hashlib.sha1(repr(rows).encode("utf-8", "surrogatepass")).hexdigest()[:12])
        return out
    finally:
        close_database()


def prepare_book(work: Path, target: str | None = None) -> str:
    """A book (SQLite in ``work`` unless ``target`` names another) with the example
    files imported (so every kind's references resolve)."""
    from store.book import open_database
    from store.db import close_database
    from store.importing import import_file

    db_path = target or str(work / "book.sqlite3")
    open_database(db_path)
    for kind in KINDS:
        import_file(kind, DATA / f"{kind}.csv")
    close_database()
    return db_path


def run(files: int, seed: int, work: Path, say=print, target: str | None = None) -> dict:
    db_path = prepare_book(work, target)
    counts = database_digest if target else table_counts
    rng = random.Random(seed)
    outcomes: Counter = Counter()
    failures = []
    started = time.monotonic()
    for n in range(files):
        case_seed = rng.randrange(2 ** 32)
        kind = KINDS[n % len(KINDS)]
        data, what = mutate(kind, random.Random(case_seed))
        outcome, problem = check_case(kind, data, work, db_path, counts)
        outcomes[outcome] += 1
        if problem:
            failures.append({"seed": case_seed, "kind": kind, "mutation": what, "problem": problem})
            say(f"FAIL seed={case_seed} kind={kind} {what}: {problem[:300]}")
    return {"files": files, "seed": seed, "seconds": round(time.monotonic() - started, 1),
            "outcomes": dict(outcomes), "failures": failures}


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(prog="python -m tests.hostile.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="batchbill-fuzz-") as work:
        report = run(args.files, args.seed, Path(work))
    print(f"{report['files']} files in {report['seconds']} s (seed {report['seed']}): {report['outcomes']}; "
          f"{len(report['failures'])} failure(s)")
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
