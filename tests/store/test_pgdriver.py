"""Issue 16, cold start: a SQLite book is opened, as the app and the command line
open it, without importing psycopg2; a PostgreSQL book loads it when opened."""
from __future__ import annotations

import subprocess
import sys

_PROBE = """
import sys
from store.book import open_database
open_database(sys.argv[1])
from store.search import search
search("anything")
import tui.launch
print("psycopg2" in sys.modules, "peewee" in sys.modules)
"""


def test_a_sqlite_book_opens_without_psycopg2(tmp_path):
    out = subprocess.run([sys.executable, "-c", _PROBE, str(tmp_path / "book.sqlite3")],
                         capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["False", "True"], out.stderr


def test_a_postgresql_book_loads_the_driver_when_opened(pg_db):
    import peewee

    assert peewee.psycopg2 is not None and "psycopg2" in sys.modules
    assert pg_db.execute_sql("SELECT 1").fetchone() == (1,)
