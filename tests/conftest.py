"""Shared fixtures.

``db`` opens a fresh database for a test, once on SQLite (a file under
tmp_path, so thread workers and other processes can share it) and once on
PostgreSQL at 127.0.0.1:5432 (database ``test``, user ``postgres``) when one
answers; otherwise the PostgreSQL run is skipped and says why.
``sqlite_db`` is the SQLite one alone, for tests that need no PostgreSQL run.
"""
from __future__ import annotations

import os
import socket

import pytest

# Hypothesis profiles: ``ci`` is Hypothesis's default (what every run uses unless
# told); ``--hypothesis-profile long`` runs the long property tests (the billing
# state machine: tests/store/test_billing_state_machine.py) with many more examples.
from hypothesis import settings as _hypothesis_settings

_hypothesis_settings.register_profile("ci", _hypothesis_settings.get_profile("default"))
_hypothesis_settings.register_profile("long", max_examples=300, stateful_step_count=30, deadline=None)

PG_BASE_URL = os.environ.get("BATCHBILL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
# Each test process works in a schema of its own, so that two test runs (or
# two developers) on one server never see each other's tables.
PG_SCHEMA = f"batchbill_test_{os.getpid()}"
PG_URL = f"{PG_BASE_URL}{'&' if '?' in PG_BASE_URL else '?'}options=-csearch_path%3D{PG_SCHEMA}"
_pg_state: dict[str, str | None] = {}


def postgres_unavailable_reason() -> str | None:
    """None when the test PostgreSQL answers, else why it does not."""
    if "reason" in _pg_state:
        return _pg_state["reason"]
    reason = None
    try:
        import psycopg2

        conn = psycopg2.connect(PG_BASE_URL, connect_timeout=3)
        conn.close()
    except ImportError:
        reason = "psycopg2 is not installed"
    except Exception as exc:  # refused, no such database...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = f"PostgreSQL not reachable at {PG_URL}: {first}"
    _pg_state["reason"] = reason
    return reason


def reset_postgres() -> None:
    """An empty schema of this test process's own."""
    _pg_admin(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE; CREATE SCHEMA "{PG_SCHEMA}"')


def _pg_admin(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(PG_BASE_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_schema():
    yield
    if "reason" in _pg_state and _pg_state["reason"] is None:
        from store.db import close_database

        close_database()
        _pg_admin(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')


def _open(kind: str, tmp_path):
    from store.book import open_database
    from store.db import close_database

    close_database()
    if kind == "postgres":
        reason = postgres_unavailable_reason()
        if reason:
            pytest.skip(reason)
        reset_postgres()
        return open_database(PG_URL), PG_URL
    path = tmp_path / "book.sqlite3"
    return open_database(str(path)), str(path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path):
    database, target = _open(request.param, tmp_path)
    database.batchbill_test_target = target
    yield database
    from store.db import close_database

    close_database()


@pytest.fixture
def sqlite_db(tmp_path):
    database, target = _open("sqlite", tmp_path)
    database.batchbill_test_target = target
    yield database
    from store.db import close_database

    close_database()


@pytest.fixture
def pg_db(tmp_path):
    database, target = _open("postgres", tmp_path)
    database.batchbill_test_target = target
    yield database
    from store.db import close_database

    close_database()
