"""Writing an import: all or nothing, in one transaction, with an audit event."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from peewee import IntegrityError, chunked, fn

from store.audit import current_actor
from store.db import db, is_postgres
from store.errors import ImportFileError, ValidationError
from store.importing.reading import open_file, rows
from store.importing.resolving import (
    _RESOLVERS,
    _by_external_id,
    _changes,
    _Resolver,
    _wait_for_batch_saves,
    remember_customer_names,
)
from store.importing.seen import Seen
from store.importing.specs import _MODELS, KINDS, SPECS
from store.models import AuditEvent
from store.pgcopy import copy_rows
from store.stats import refresh_statistics


@dataclass
class ImportSummary:
    """What an import did: records created, updated, and left as they were."""

    kind: str
    file: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict:
        return {"kind": self.kind, "file": self.file, "rows": self.rows, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged}

# Rows read, checked and written at a time: memory is bounded by this batch,
# not by the file (a 50 MB file imports in well under 200 MB).
BATCH_ROWS = 2000


def import_bytes(kind: str, data: bytes, name: str) -> ImportSummary:
    """Import a CSV file's bytes (``name`` is the file name used in messages).

    All or nothing: raises :class:`ImportFileError` listing every problem, and
    then nothing is written.
    """
    return import_stream(kind, io.BytesIO(data), name)


def import_file(kind: str, path: str | Path) -> ImportSummary:
    """Import a CSV file; messages name the file as given. The file is read as
    a stream, a batch of rows at a time."""
    path_text = str(path)
    p = Path(path)
    if not p.exists():
        raise ValidationError(f"{path_text}: no such file")
    if p.is_dir():
        raise ValidationError(f"{path_text}: is a directory, not a CSV file")
    with open(p, "rb") as stream:
        return import_stream(kind, stream, path_text)


def import_stream(kind: str, stream, name: str) -> ImportSummary:
    """Import a CSV file from a binary stream, a batch of rows at a time.

    Every batch is checked (its cells, references, keys against the book and
    against the file's earlier rows) and written inside one transaction; a
    problem anywhere stops the writing, the rest of the file is still checked
    so that every problem is reported, and the transaction is rolled back:
    nothing is imported. Raises :class:`ImportFileError`.
    """
    if kind not in SPECS:
        raise ValidationError(f"unknown import kind {kind!r}: one of {', '.join(KINDS)}")
    parsed = open_file(kind, stream, name)
    if parsed.reader is None:
        raise ImportFileError(parsed.problems)
    summary = ImportSummary(kind=kind, file=name)
    model = _MODELS[kind]
    seen = None
    try:
        with db.atomic():  # IMMEDIATE on SQLite: see store.db.make_database
            if kind in ("tickets", "time-entries", "expenses"):
                _wait_for_batch_saves()
            created_after = model.select(fn.MAX(model.id)).scalar() or 0
            seen = Seen()
            if kind == "customers":
                remember_customer_names(seen)
            for batch in chunked(rows(parsed), BATCH_ROWS):
                _import_batch(parsed, batch, seen, created_after, summary)
            if parsed.problems:
                raise ImportFileError(parsed.problems, total=parsed.problem_count)
            AuditEvent.create(
                actor=current_actor(), action="import", subject=f"{kind} {Path(name).name}"[:200],
                details=f"created {summary.created}, updated {summary.updated}, unchanged {summary.unchanged}",
            )
    finally:
        if seen is not None:
            seen.drop()
    # A large import changes what the planner should know of the table (store/stats.py).
    refresh_statistics({model._meta.table_name: summary.created + summary.updated})
    return summary


def _import_batch(parsed, batch, seen: Seen, created_after: int, summary: ImportSummary) -> None:
    """Check one batch of rows, and write it while the file has no problem yet."""
    kind = parsed.kind
    model = _MODELS[kind]
    clean = not parsed.problem_count
    _external_ids_once(parsed, batch, seen)
    existing = _by_external_id(model, [r.values.get("external_id") for r in batch])
    for ext, rec in list(existing.items()):
        if rec["id"] > created_after:  # written by an earlier batch of this file: reported above
            del existing[ext]
    resolved = _RESOLVERS[kind](_Resolver(parsed, batch, seen, created_after, existing))
    mark = parsed.sorted_upto  # this batch's problems, its reading's included, in line order
    parsed.problems[mark:] = _sorted(parsed.problems[mark:], parsed.name)
    parsed.sorted_upto = len(parsed.problems)
    if parsed.problem_count or not clean:
        return
    creates, updates = [], []
    for row, fields, ex in resolved:
        if ex is None:
            fields["external_id"] = row.values["external_id"]
            creates.append(fields)
            continue
        changed = _changes(fields, ex)
        if changed:
            updates.append((ex["id"], changed))
        else:
            summary.unchanged += 1
    try:
        _insert(model, creates)
        for pk, changed in updates:
            model.update(**changed).where(model.id == pk).execute()
    except IntegrityError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(f"{parsed.name}: the database refused the import ({first}); nothing was "
                              "imported") from None
    summary.created += len(creates)
    summary.updated += len(updates)


def _insert(model, creates: list[dict]) -> None:
    """INSERT the new records with one prepared statement (executemany) on SQLite,
    with COPY on PostgreSQL (store/pgcopy.py; psycopg2's executemany sends one
    statement a row): Peewee's insert_many builds the SQL text of every row, most
    of a large import's time."""
    if not creates:
        return
    names = list(creates[0])
    fields = [model._meta.fields[n] for n in names]
    columns = [[f.db_value(rec[n]) for rec in creates] for f, n in zip(fields, names)]
    rows = list(zip(*columns))
    table = model._meta.table_name
    cursor = db.cursor()
    if is_postgres():
        copy_rows(cursor, table, [f.column_name for f in fields], rows)
        return
    names_sql = ", ".join(f'"{f.column_name}"' for f in fields)
    sql = f'INSERT INTO "{table}" ({names_sql}) VALUES ({", ".join(["?"] * len(fields))})'
    for chunk in chunked(rows, 500):
        cursor.executemany(sql, chunk)


def _external_ids_once(parsed, batch, seen: Seen) -> None:
    """An external id used twice in the file (in this batch or an earlier one)."""
    first: dict[str, int] = {}
    for row in batch:
        ext = row.values.get("external_id")
        if ext is None:
            continue
        if ext in first:
            parsed.problem(row.line, "external_id", f"{ext} appears twice in the file (first on line "
                           f"{first[ext]})")
            row.values["external_id"] = None
            continue
        first[ext] = row.line
    earlier = seen.find(f"ext:{e}" for e in first)
    for row in batch:
        ext = row.values.get("external_id")
        hits = earlier.get(f"ext:{ext}") if ext is not None else None
        if hits:
            parsed.problem(row.line, "external_id", f"{ext} appears twice in the file (first on line "
                           f"{hits[0][0]})")
            row.values["external_id"] = None
            first.pop(ext, None)
    seen.add((f"ext:{e}", line, None, None) for e, line in first.items())


def _sorted(problems: list[str], name: str) -> list[str]:
    """Problems in line order, stable within a line (a row's cells, then its references)."""
    def line_of(problem: str) -> int:
        return int(problem[len(name) + 1:].split(":", 1)[0])
    return sorted(problems, key=line_of)
