"""Counting the SQL statements a call sends (tests that hold a query count)."""
from __future__ import annotations


def statements_sent(database, call):
    """``call()``'s result and the SQL of every statement it sent through ``database``."""
    sent = []
    original = database.execute_sql

    def counting(sql, *args, **kwargs):
        sent.append(sql)
        return original(sql, *args, **kwargs)

    database.execute_sql = counting
    try:
        return call(), sent
    finally:
        database.execute_sql = original
