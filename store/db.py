"""The one database handle. Nothing connects at import time: the entry point
opens a book (:func:`store.book.open_database`) with a path or URL and the
proxy is bound then. This module imports no other store module.

SQLite (the default, a file in the platformdirs user data directory, mode
0600, WAL, foreign keys on, a busy timeout) or PostgreSQL through any
``postgresql://user[:password]@host:port/db`` URL.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": 30000,
    "cache_size": -1000,  # 1 MB a connection: each thread worker has its own
}

ENV_VAR = "BATCHBILL_DB"


def default_database_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("batchbill", appauthor=False)) / "batchbill.sqlite3"


def resolve_target(target: str | os.PathLike | None) -> str:
    """The --db value, else $BATCHBILL_DB, else the default SQLite file."""
    if target:
        return str(target)
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    return str(default_database_path())


def is_url(target: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", target))


# Query parameters that carry a secret (libpq's password, and the usual others).
_SECRET_KEYS = re.compile(r"^(password|passwd|pass|pwd|sslpassword|secret|token|access_token|api_?key)$", re.I)
# Every secret a URL in this process carried: removed from any message (see scrub).
_SECRETS: set[str] = set()


def _secret_params(query: str) -> tuple[list[str], list[str]]:
    """The query's parameters without the secret ones, and the secrets' values."""
    kept, secrets = [], []
    for part in query.split("&") if query else ():
        key, _, value = part.partition("=")
        if _SECRET_KEYS.match(unquote(key).strip()):
            if value:
                secrets.extend({value, unquote(value)})
        else:
            kept.append(part)
    return kept, secrets


def redact(target: str) -> str:
    """The path or URL with any password removed, for display: the password of
    ``user:password@`` and secret query parameters (``password=``, ``sslpassword=``,
    ``token=``...). Never raises, whatever the URL."""
    if not is_url(target):
        return target
    scheme, rest = target.split("://", 1)
    rest, hash_, fragment = rest.partition("#")
    rest, question, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}@{host}"
    kept, _ = _secret_params(query)
    query = "&".join(kept)
    return (f"{scheme}://{netloc}{slash}{path}" + (f"?{query}" if query else "")
            + (f"#{fragment}" if hash_ else ""))


def secrets_of(target: str) -> list[str]:
    """The secrets a path or URL carries (its password, secret query values)."""
    if not is_url(target):
        return []
    rest = target.split("://", 1)[1].partition("#")[0]
    rest, _, query = rest.partition("?")
    netloc = rest.partition("/")[0]
    found = []
    if "@" in netloc:
        userinfo = netloc.rsplit("@", 1)[0]
        if ":" in userinfo:
            password = userinfo.split(":", 1)[1]
            found.extend({password, unquote(password)})
    found.extend(_secret_params(query)[1])
    return [s for s in found if s]


def scrub(text: str) -> str:
    """A message with every database secret this process has seen replaced by
    ``***``, and any URL in it redacted: for errors, logs and audit details."""
    text = re.sub(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"]+", lambda m: redact(m.group(0)), str(text))
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


def _check_url(target: str):
    """The split URL, or ValueError with a one-line reason (never the password)."""
    shown = redact(target)
    try:
        parts = urlsplit(target)
        port = parts.port
    except ValueError as exc:
        reason = str(exc)
        netloc = target.split("://", 1)[1].partition("/")[0].rsplit("@", 1)[-1]
        if "Port" in reason or "port" in reason:
            port_text = netloc.rsplit(":", 1)[-1] if ":" in netloc else "?"
            reason = f"the port {port_text!r} is not a number from 1 to 65535"
        raise ValueError(f"malformed database URL {shown}: {reason}") from None
    if port == 0:
        raise ValueError(f"malformed database URL {shown}: the port 0 is not a number from 1 to 65535")
    if not parts.path.strip("/"):
        raise ValueError(f"malformed database URL {shown}: no database name (postgresql://user@host:5432/NAME)")
    return parts


def _make_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)


def make_database(target: str):
    """A Peewee database (not yet bound) for a path or URL."""
    if is_url(target):
        scheme = target.split("://", 1)[0].lower()
        if scheme in ("sqlite",):
            path = target.split("://", 1)[1]
            return make_database(path or ":memory:")
        if scheme in ("postgres", "postgresql"):
            from store.pgdriver import psycopg2

            psycopg2()  # before playhouse, which looks for the driver at its import
            from playhouse.db_url import parseresult_to_dict

            _SECRETS.update(secrets_of(target))
            kwargs = parseresult_to_dict(_check_url(target), unquote_password=True)
            name = kwargs.pop("database")
            return PostgresqlDatabase(name, **kwargs)
        raise ValueError(
            f"unsupported database URL scheme {scheme!r}: use a SQLite file path or postgresql://"
        )
    if target != ":memory:":
        _make_private(Path(target).expanduser())
        target = str(Path(target).expanduser())
    # Every write transaction takes the write lock when it begins: a deferred
    # one that reads first and writes later cannot wait for another writer and
    # fails at once with "database is locked" (seen with two technicians saving).
    database = SqliteDatabase(target, pragmas=SQLITE_PRAGMAS, timeout=30, lock_type="IMMEDIATE")
    # bb_fold(text): text as store.search.fold writes it (accents dropped, case folded), for
    # searches that match as `/` does (store.tickets). Registered here, so that every
    # connection gets it: Peewee keeps one per thread and the app's workers open theirs.
    database.register_function(sql_fold, "bb_fold", 1, deterministic=True)
    return database


def sql_fold(text):
    """Text for matching: accents dropped, case folded (Ü -> u, ß -> ss); at once
    for plain ASCII (most text). SQLite's bb_fold() and :func:`store.search.fold`."""
    if text is None:
        return None
    if text.isascii():
        return text.lower()
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def is_sqlite(database=None) -> bool:
    database = database or db.obj
    return isinstance(database, SqliteDatabase)


def is_postgres(database=None) -> bool:
    database = database or db.obj
    return isinstance(database, PostgresqlDatabase)


def close_database() -> None:
    if db.obj is not None and not db.obj.is_closed():
        db.obj.close()
