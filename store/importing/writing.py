"""Writing an import: all or nothing, in one transaction, with an audit event."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from peewee import IntegrityError, chunked

from store.audit import current_actor
from store.db import db
from store.errors import ImportFileError, ValidationError
from store.importing.reading import _read
from store.importing.resolving import _RESOLVERS, _changes, _Resolver, _wait_for_batch_saves
from store.importing.specs import _CHUNK, _MODELS, KINDS, SPECS
from store.models import AuditEvent


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

def import_bytes(kind: str, data: bytes, name: str) -> ImportSummary:
    """Import a CSV file's bytes (``name`` is the file name used in messages).

    All or nothing: raises :class:`ImportFileError` listing every problem, and
    then nothing is written.
    """
    if kind not in SPECS:
        raise ValidationError(f"unknown import kind {kind!r}: one of {', '.join(KINDS)}")
    parsed = _read(kind, data, name)
    summary = ImportSummary(kind=kind, file=name)
    if parsed.problems and not parsed.rows:
        raise ImportFileError(parsed.problems)
    model = _MODELS[kind]
    with db.atomic():  # IMMEDIATE on SQLite: see store.db.make_database
        if kind in ("tickets", "time-entries", "expenses"):
            _wait_for_batch_saves()
        resolved = _RESOLVERS[kind](_Resolver(parsed))
        if parsed.problems:
            raise ImportFileError(_sorted(parsed.problems, name))
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
            for chunk in chunked(creates, _CHUNK):
                model.insert_many(chunk).execute()
            for pk, changed in updates:
                model.update(**changed).where(model.id == pk).execute()
        except IntegrityError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValidationError(f"{name}: the database refused the import ({first}); nothing was "
                                  "imported") from None
        summary.created, summary.updated = len(creates), len(updates)
        AuditEvent.create(
            actor=current_actor(), action="import", subject=f"{kind} {Path(name).name}"[:200],
            details=f"created {summary.created}, updated {summary.updated}, unchanged {summary.unchanged}",
        )
    return summary


def import_file(kind: str, path: str | Path) -> ImportSummary:
    """Import a CSV file; messages name the file as given."""
    path_text = str(path)
    p = Path(path)
    if not p.exists():
        raise ValidationError(f"{path_text}: no such file")
    if p.is_dir():
        raise ValidationError(f"{path_text}: is a directory, not a CSV file")
    return import_bytes(kind, p.read_bytes(), path_text)


def _sorted(problems: list[str], name: str) -> list[str]:
    """Problems in line order, stable within a line (a row's cells, then its references)."""
    def line_of(problem: str) -> int:
        return int(problem[len(name) + 1:].split(":", 1)[0])
    return sorted(problems, key=line_of)


