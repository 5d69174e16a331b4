"""README: "a mistake gets a one-line reason and exit status 2". A mistake
argparse catches (an unknown command or option, a value not among the
choices, a missing required option) is one line on stderr naming the command
and where its help is, with no usage block; --help is argparse's own."""
from __future__ import annotations

import pytest

from batchbill.cli import main


def _mistake(capsys, *argv):
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out = capsys.readouterr()
    return exited.value.code, out.out, out.err


@pytest.mark.parametrize("argv, line", [
    (["export", "--batch", "X", "--format", "docx"],
     "batchbill export: --format: 'docx' is not one of qbo-csv, qbd-iif, xero-csv, csv, pdf, ubl, facturx "
     "(see batchbill export --help)"),
    (["export", "--batch", "X", "-f", "docx"],
     "batchbill export: --format: 'docx' is not one of qbo-csv, qbd-iif, xero-csv, csv, pdf, ubl, facturx "
     "(see batchbill export --help)"),
    (["batch", "void", "1"], "batchbill batch void: --reason is required (see batchbill batch void --help)"),
    (["export", "--batch", "1", "--bogus"], "batchbill export: unknown option: --bogus (see batchbill export --help)"),
    (["batch", "list", "--status", "wat"],
     "batchbill batch list: --status: 'wat' is not one of draft, saved, voided (see batchbill batch list --help)"),
    (["--bogus"], "batchbill: unknown option: --bogus (see batchbill --help)"),
])
def test_a_mistake_argparse_catches_is_one_line_and_status_2(capsys, argv, line):
    status, out, err = _mistake(capsys, *argv)
    assert (status, out) == (2, "")
    assert err == line + "\n"


def test_an_unknown_command_names_the_commands_in_one_line(capsys):
    status, out, err = _mistake(capsys, "frob")
    assert (status, out) == (2, "") and err.count("\n") == 1 and "usage" not in err
    assert err.startswith("batchbill: command 'frob' is not one of tui, batch, ")
    assert "export" in err and err.endswith(" (see batchbill --help)\n")


@pytest.mark.parametrize("argv", [["export", "-f"], ["search", "x", "--page", "z"], ["customer", "list"],
                                  ["export", "--batch", "1", "--invoice", "2"], ["batch"]])
def test_every_usage_error_is_one_line_naming_its_help(capsys, argv):
    status, out, err = _mistake(capsys, *argv)
    assert (status, out) == (2, "") and err.count("\n") == 1 and "usage:" not in err and "error:" not in err
    prog = "batchbill " + argv[0]
    assert err.startswith(prog) and err.endswith(f"(see {prog} --help)\n"), err


def test_help_is_still_argparse_usage_and_options(capsys):
    status, out, err = _mistake(capsys, "export", "--help")
    assert status == 0 and err == ""
    assert out.startswith("usage: batchbill export [-h]") and "--format" in out and "options:" in out


@pytest.mark.parametrize("argv", [["--format", "pdf"], []])
def test_export_naming_nothing_says_so_in_a_line_that_reads_whole(capsys, tmp_path, argv):
    capsys.readouterr()
    assert main(["export", *argv, "--db", str(tmp_path / "none.sqlite3")]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1 and len(out.err) < 120, out.err
    assert out.err.startswith("batchbill: nothing to export: batchbill export --batch NAME_OR_ID --format ")
    assert ("--format pdf," in out.err) == bool(argv) and "--invoice NUMBER" in out.err
