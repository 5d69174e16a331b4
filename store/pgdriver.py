"""psycopg2 on demand: a SQLite book never imports it (issue 16, cold start).

Peewee imports psycopg2 at its own import when it is installed. :func:`import_peewee`
(run by ``store/__init__.py``, before any store module imports Peewee) imports
Peewee with psycopg2 hidden, and makes ``PostgresqlDatabase`` load the driver
when one is made; :func:`psycopg2` (and :func:`extras`) load it and give Peewee
what its own import would have set. Every use of psycopg2 in store/ goes
through this module. When psycopg (3) is installed, or Peewee or psycopg2 is
already imported, Peewee is imported as usual (it would otherwise pick another driver).
"""
from __future__ import annotations

import sys

_DEFERRED = "_batchbill_psycopg2_deferred"


def import_peewee() -> None:
    if "peewee" in sys.modules or "psycopg2" in sys.modules:
        return
    import importlib.util

    if importlib.util.find_spec("psycopg") is not None or importlib.util.find_spec("psycopg2cffi") is not None:
        return
    sys.modules["psycopg2"] = None  # `import psycopg2` raises ImportError meanwhile
    try:
        import peewee
    finally:
        if sys.modules.get("psycopg2", 0) is None:
            del sys.modules["psycopg2"]
    if peewee.psycopg2 is not None or not hasattr(peewee, "Psycopg2Adapter"):
        return
    setattr(peewee, _DEFERRED, True)
    init = peewee.PostgresqlDatabase.init

    def init_with_driver(self, *args, **kwargs):
        psycopg2()
        return init(self, *args, **kwargs)

    peewee.PostgresqlDatabase.init = init_with_driver


def psycopg2():
    """The psycopg2 module, with Peewee's PostgreSQL support set up as its import does."""
    import psycopg2 as driver

    peewee = sys.modules.get("peewee")
    if peewee is not None and getattr(peewee, _DEFERRED, False) and peewee.psycopg2 is None:
        from psycopg2 import extensions
        from psycopg2 import extras as driver_extras

        driver_extras.register_uuid()
        peewee.pg_extensions = extensions
        peewee.pg_register_uuid = driver_extras.register_uuid
        peewee.Json_pg2 = driver_extras.Json
        adapter = peewee.Psycopg2Adapter
        adapter.txn_idle = extensions.TRANSACTION_STATUS_IDLE
        adapter.txn_inerror = extensions.TRANSACTION_STATUS_INERROR
        adapter.txn_unknown = extensions.TRANSACTION_STATUS_UNKNOWN
        peewee.psycopg2 = driver
    return driver


def extras():
    """psycopg2.extras (execute_values...)."""
    psycopg2()
    from psycopg2 import extras as driver_extras

    return driver_extras
