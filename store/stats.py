"""Planner statistics after bulk writes.

A book filled by the demo, a large import or the save of a month's invoices
has tables whose rows the query planner does not know about until something
collects statistics. On PostgreSQL that something is autovacuum, which many
servers run late or not at all (this project's test server runs with
``autovacuum = off``): the planner then guesses, and a month's plan went from
0.34 s to 7.4 s. :func:`refresh_statistics` is called by the writers
(store/demo/, store/importing/, store/billing/save.py) after their commit with
the tables they wrote and how many rows, and collects the statistics that are
due, so that a book is fast the moment it is filled.

The rule (docs/performance.md, "Statistics after bulk writes"):

- **PostgreSQL**: ``ANALYZE`` of each table written whose changes since its
  last analysis reach ``MIN_ROWS + SHARE x`` the rows the statistics know
  (``pg_class.reltuples``; a table never analyzed counts as empty). The
  changes are the larger of the rows this write reports and the server's
  ``n_mod_since_analyze`` (which adds up the small writes in between, from
  every session). It is autovacuum's own rule (50 + 10 %) with a higher floor,
  so that a save of a few invoices never pays for it. ANALYZE reads a sample
  of 300 x the statistics target rows; a table analyzed before gets a target
  sized to the changes that made it due (:func:`sample_target`: about as many
  rows as were written, 3,000 to the server's 30,000), so that its cost follows
  the write, not the table's history (with the server's target a month's save
  re-read 30,000 rows of each table it made due, 10x the first month's:
  docs/performance.md, "Demo month by month on PostgreSQL"). A table never
  analyzed gets the server's target.
- **SQLite**: when the rows written reach ``MIN_ROWS``, ``PRAGMA optimize``
  under an ``analysis_limit`` (SQLite's own rule decides which tables of those
  this connection used are worth an ANALYZE; the limit bounds each one's cost).

Never raises for the statistics' sake: the write it follows is committed, and
a failure (no permission to analyze, a lost connection) is logged, not shown.
"""
from __future__ import annotations

import logging
from typing import Mapping

from peewee import DatabaseError, InterfaceError

from store.db import db, is_postgres, is_sqlite

log = logging.getLogger(__name__)

# Changes that make a table's statistics due: MIN_ROWS + SHARE x its known rows.
MIN_ROWS = 500
SHARE = 0.10
# PostgreSQL: the smallest statistics target of an ANALYZE after a write (its sample:
# 3,000 rows), and the rows ANALYZE samples per point of target (PostgreSQL's 300).
MIN_TARGET = 10
ROWS_PER_TARGET = 300
# SQLite: rows examined per index by each ANALYZE that PRAGMA optimize runs.
SQLITE_ANALYSIS_LIMIT = 1000


def due(changes: int, known_rows: float) -> bool:
    """True when ``changes`` rows written since the last analysis of a table
    whose statistics know ``known_rows`` (negative: never analyzed) make it due."""
    return changes >= MIN_ROWS + SHARE * max(known_rows, 0)


def sample_target(changes: int, known_rows: float, server_target: int) -> int:
    """The statistics target of the ANALYZE that ``changes`` rows made due on a
    table whose statistics know ``known_rows`` (negative: never analyzed): the
    server's for a first analysis, else one whose sample (300 rows a point) is
    about as large as the changes, between MIN_TARGET and the server's."""
    if known_rows < 0:
        return server_target
    return max(min(MIN_TARGET, server_target), min(server_target, -(-changes // ROWS_PER_TARGET)))


def refresh_statistics(written: Mapping[str, int], database=None) -> list[str]:
    """Collect the planner statistics that ``written`` ({table: rows written,
    updated or deleted}) made due; the tables analyzed (PostgreSQL), or
    ``["PRAGMA optimize"]`` when SQLite's ran. Call it after the commit."""
    database = database or db.obj
    written = {table: int(rows) for table, rows in written.items() if rows and rows > 0}
    if not written or database is None:
        return []
    try:
        if is_postgres(database):
            _clean_gin_pending(database, written)
            return _analyze_postgres(database, written)
        if is_sqlite(database):
            return _optimize_sqlite(database, written)
    except (DatabaseError, InterfaceError) as exc:
        log.warning("statistics not refreshed after a bulk write: %s", exc)
    return []


# GIN indexes whose pending list a bulk write into their table fills (table -> index).
GIN_INDEXES = {"invoice_search": "invoice_search_tsv"}


def _clean_gin_pending(database, written: dict[str, int]) -> list[str]:
    """Merge the pending list of the GIN indexes of tables that got MIN_ROWS rows
    or more into the index proper; the indexes cleaned. A GIN index takes new
    rows into an unsorted pending list (``fastupdate``) that every search scans
    from end to end until VACUUM (autovacuum, which may never come) or a list
    of 4 MB merges it: after a few months' saves a number search on the
    2,000-customer book took 1.6 ms instead of 0.2 (docs/performance.md,
    "PostgreSQL (issue 16)"). The merge sorts the save's entries: about as
    long as their insert took, paid once by the save instead of by every search."""
    cleaned = []
    for table, index in GIN_INDEXES.items():
        if written.get(table, 0) < MIN_ROWS:
            continue
        try:
            database.execute_sql("SELECT gin_clean_pending_list(to_regclass(%s))", (index,))
            cleaned.append(index)
        except (DatabaseError, InterfaceError) as exc:  # not the index's owner: autovacuum's job
            log.warning("GIN pending list of %s not merged after a bulk write: %s", index, exc)
    return cleaned


def _analyze_postgres(database, written: dict[str, int]) -> list[str]:
    names = sorted(written)
    cursor = database.execute_sql(
        # the function pg_stat_user_tables reads, for these tables alone (the view
        # reads every table of the database: 0.1 s on a shared server)
        "SELECT t.name, c.reltuples, COALESCE(pg_stat_get_mod_since_analyze(c.oid), 0), "
        "current_setting('default_statistics_target')::int "
        "FROM unnest(%s::text[]) AS t(name) "
        "JOIN pg_class c ON c.oid = to_regclass(quote_ident(t.name))", (names,))
    targets = []
    server_target = None
    for name, known, modified, server_target in cursor.fetchall():
        changes = max(written[name], int(modified))
        if due(changes, float(known)):
            targets.append((name, sample_target(changes, float(known), server_target)))
    if targets:
        _analyze_sampled(database, targets, server_target)
    return [name for name, _ in targets]


def _analyze_sampled(database, targets: list[tuple[str, int]], server_target: int) -> None:
    """ANALYZE each (table, statistics target), in a transaction of its own unless
    the caller has one open; the session's target is put back afterwards."""
    try:
        with database.atomic():
            for name, target in targets:
                database.execute_sql("SELECT set_config('default_statistics_target', %s, false)",
                                     (str(target),))
                database.execute_sql(f'ANALYZE "{name}"')
    finally:
        database.execute_sql("SELECT set_config('default_statistics_target', %s, false)",
                             (str(server_target),))


def _optimize_sqlite(database, written: dict[str, int]) -> list[str]:
    if sum(written.values()) < MIN_ROWS:
        return []
    database.execute_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
    database.execute_sql("PRAGMA optimize")
    return ["PRAGMA optimize"]
