"""Issue 13 finding 1: exports write only regular files they create or
replace. FIFOs and symlinks are made in tmp_path, never a real device."""
from __future__ import annotations

import os
import socket

import pytest

from batchbill.cli import main
from store.book import open_database
from store.db import close_database
from store.exports import check_destination
from store.models import Invoice
from tests.exporters.test_export_service import make_book


@pytest.fixture
def book(tmp_path, monkeypatch):
    path = str(tmp_path / "book.sqlite3")
    open_database(path)
    batch = make_book(invoices=2)
    close_database()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield path, batch.id, work
    close_database()


def export(capsys, book, target, *extra):
    path, batch_id, _ = book
    status = main(["export", "--batch", str(batch_id), "--format", "csv", "-o", str(target), "--db", path,
                   *extra])
    out, err = capsys.readouterr()
    return status, out, err


def exported_count(book) -> int:
    open_database(book[0])
    try:
        return Invoice.select().where(Invoice.status == "exported").count()
    finally:
        close_database()


def test_export_onto_a_fifo_is_refused_and_the_fifo_stays(book, capsys, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    status, out, err = export(capsys, book, fifo)
    assert status == 2 and out == ""
    assert err == f"batchbill: {fifo} exists and is a FIFO (named pipe): exports write only regular files; " \
                  "give a file name; nothing was written\n"
    assert fifo.is_fifo()
    assert exported_count(book) == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".pipe")]


def test_export_onto_a_symlink_is_refused_and_the_link_and_its_file_stay(book, capsys, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("keep me")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    status, _, err = export(capsys, book, link)
    assert status == 2
    assert err.startswith(f"batchbill: {link} is a symbolic link") and err.count("\n") == 1
    assert link.is_symlink() and real.read_text() == "keep me"
    assert exported_count(book) == 0


def test_export_onto_a_dangling_symlink_is_refused(book, capsys, tmp_path):
    link = tmp_path / "dangling.csv"
    link.symlink_to(tmp_path / "nowhere.csv")
    status, _, err = export(capsys, book, link)
    assert status == 2 and "symbolic link" in err
    assert not (tmp_path / "nowhere.csv").exists()


def test_export_onto_a_socket_is_refused(book, capsys, tmp_path):
    path = tmp_path / "s.csv"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        status, _, err = export(capsys, book, path)
    finally:
        sock.close()
    assert status == 2 and "is a socket" in err


def test_export_with_a_parent_that_is_a_file_is_one_line_not_a_traceback(book, capsys, tmp_path):
    afile = tmp_path / "afile.txt"
    afile.write_text("x")
    status, _, err = export(capsys, book, afile / "x.csv")
    assert status == 2
    assert err == f"batchbill: {afile} is a file, not a directory: cannot write {afile / 'x.csv'}; " \
                  "nothing was written\n"
    assert afile.read_text() == "x"


def test_export_to_a_missing_directory_with_slash_is_an_error_without_mkdir(book, capsys, tmp_path):
    target = tmp_path / "missing_dir"
    status, _, err = export(capsys, book, f"{target}/")
    assert status == 2
    assert err == f"batchbill: directory {target} does not exist (create it, or ask for it: --mkdir); " \
                  "nothing was written\n"
    assert not target.exists()


def test_export_to_a_missing_directory_with_mkdir_writes_the_default_name_inside(book, capsys, tmp_path):
    target = tmp_path / "missing_dir"
    status, out, err = export(capsys, book, f"{target}/", "--mkdir")
    assert (status, err) == (0, "")
    written = target / "october-2026.csv"
    assert written.is_file() and out.startswith(f"wrote {written}:")


def test_export_into_a_missing_parent_is_an_error_unless_mkdir(book, capsys, tmp_path):
    target = tmp_path / "a" / "b" / "out.csv"
    status, _, err = export(capsys, book, target)
    assert status == 2 and f"directory {tmp_path / 'a' / 'b'} does not exist" in err
    assert not (tmp_path / "a").exists()
    status, _, _ = export(capsys, book, target, "--mkdir")
    assert status == 0 and target.is_file()


def test_export_replaces_an_existing_regular_file(book, capsys, tmp_path):
    target = tmp_path / "old.csv"
    target.write_text("old")
    status, _, _ = export(capsys, book, target)
    assert status == 0 and target.read_text().startswith("invoice_number,")


def test_export_to_an_existing_directory_writes_the_default_name_inside(book, capsys, tmp_path):
    status, out, _ = export(capsys, book, tmp_path)
    assert status == 0 and (tmp_path / "october-2026.csv").is_file()


def test_check_destination_reports_without_writing(tmp_path):
    os.mkfifo(tmp_path / "x-2.csv")
    (tmp_path / "x-1.csv").write_text("old")
    dest = check_destination(tmp_path / "x.csv", default_name="d.csv", parts=3)
    assert dest.paths == [tmp_path / f"x-{i}.csv" for i in (1, 2, 3)]
    assert dest.replaces == [tmp_path / "x-1.csv"]
    assert dest.problems == [f"{tmp_path / 'x-2.csv'} exists and is a FIFO (named pipe): exports write only "
                             "regular files; give a file name"]
    assert not dest.ok
    fresh = check_destination(f"{tmp_path}/new/sub/", default_name="d.csv", mkdir=True)
    assert fresh.ok and fresh.creates == [tmp_path / "new", tmp_path / "new" / "sub"]
    assert not (tmp_path / "new").exists()
