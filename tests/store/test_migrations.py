"""Migrations run on open: a database at an older schema version is brought
up to date without losing its rows."""
from __future__ import annotations

from store.migrations import SCHEMA_VERSION, current_version
from store.models import Batch, SchemaVersion


def test_a_version_3_database_gains_batch_reviewed_and_keeps_its_rows(db):
    from store.db import close_database, open_database

    target = db.batchbill_test_target
    Batch.create(name="old draft", created_by="ann", period="2026-10")
    db.execute_sql('ALTER TABLE "batch" DROP COLUMN "reviewed"')
    SchemaVersion.update(version=3).execute()
    close_database()

    database = open_database(target)
    assert current_version(database) == SCHEMA_VERSION == 5
    assert "reviewed" in {c.name for c in database.get_columns("batch")}
    row = Batch.get(Batch.name == "old draft")
    assert row.reviewed == "" and row.created_by == "ann"


def test_a_newer_database_is_refused_with_a_reason(sqlite_db):
    import pytest

    from store.db import close_database, open_database

    SchemaVersion.update(version=SCHEMA_VERSION + 1).execute()
    close_database()
    from store.errors import BatchbillError

    with pytest.raises(BatchbillError, match="newer than this batchbill"):
        open_database(sqlite_db.batchbill_test_target)
