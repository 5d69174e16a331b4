"""Issue 13 finding 4: a connection URL's password never shows (user info or
query parameters), and a malformed URL is a one-line error."""
from __future__ import annotations

import json

import pytest

from batchbill.cli import main
from store.db import close_database, redact, scrub, secrets_of
from tests.conftest import PG_URL, postgres_unavailable_reason, reset_postgres


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("url, shown", [
    ("postgresql://bob:s3cret@db.local:5432/msp", "postgresql://bob@db.local:5432/msp"),
    ("postgresql://postgres@127.0.0.1:5432/test?password=S3cr3t", "postgresql://postgres@127.0.0.1:5432/test"),
    ("postgresql://u@h/db?sslmode=require&password=S3cr3t&application_name=bb",
     "postgresql://u@h/db?sslmode=require&application_name=bb"),
    ("postgresql://u@h/db?PASSWORD=x1y2&sslpassword=k3y&token=t0k", "postgresql://u@h/db"),
    ("postgresql://u:p%40ss@127.0.0.1:notaport/test", "postgresql://u@127.0.0.1:notaport/test"),
    ("postgresql://u:pw@[::1/test", "postgresql://u@[::1/test"),
    ("/home/x/book.sqlite3", "/home/x/book.sqlite3"),
])
def test_redact_removes_passwords_from_user_info_and_query(url, shown):
    assert redact(url) == shown


def test_scrub_removes_a_seen_secret_from_any_message():
    from store import db as store_db

    store_db._SECRETS.update(secrets_of("postgresql://u:Hunter22@h/db?password=S3cr3tQ"))
    assert scrub("FATAL: bad password Hunter22 or S3cr3tQ for postgresql://u:Hunter22@h/db") == (
        "FATAL: bad password *** or *** for postgresql://u@h/db")


def test_status_json_never_shows_a_query_string_password(capsys):
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    url = f"{PG_URL}&password=S3cr3t"
    reset_postgres()
    try:
        assert main(["demo", "--db", url]) == 0
        capsys.readouterr()
        status, out, err = run(capsys, "status", "--json", "--db", url)
    finally:
        close_database()
    assert status == 0, err
    assert "S3cr3t" not in out + err
    assert json.loads(out)["database"].endswith("/test?options=-csearch_path%3D" + PG_URL.rsplit("%3D", 1)[1])


@pytest.mark.parametrize("url, reason", [
    ("postgresql://u:p@127.0.0.1:notaport/test", "the port 'notaport' is not a number from 1 to 65535"),
    ("postgresql://u:p@127.0.0.1:99999/test", "the port '99999' is not a number from 1 to 65535"),
    ("postgresql://u:p@127.0.0.1:5432/", "no database name (postgresql://user@host:5432/NAME)"),
])
def test_a_malformed_url_is_one_line_without_the_password(capsys, url, reason):
    status, out, err = run(capsys, "status", "--db", url)
    assert status == 2
    assert err == f"batchbill: malformed database URL {redact(url)}: {reason}\n"
    assert ":p@" not in err
