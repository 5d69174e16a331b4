"""Rows as the database driver returns them, and the date values that SQLite
gives back as text. Bulk readers (plan, batch export, benchmark) skip Peewee's
model instances: on a large book they cost more than the work itself."""
from __future__ import annotations

import datetime as dt

from store.db import db


def raw_rows(query) -> list[tuple]:
    """The Peewee query's rows as plain tuples, without Peewee's conversion."""
    sql, params = query.sql()
    return db.obj.execute_sql(sql, params).fetchall()


def as_date(value) -> dt.date:
    """A date from a date, a datetime or ISO text ('2026-10-31' or longer)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def as_datetime(value) -> dt.datetime | None:
    """A datetime from a datetime or ISO text; None stays None."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)
