"""``batchbill``: the terminal app when run bare, headless subcommands otherwise.

Each module in :mod:`batchbill.commands` registers its own subcommands with a
``register(subparsers)`` function; a handler takes the parsed arguments and
returns the exit status. Only the bare command (``batchbill`` or
``batchbill tui``) imports Textual.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys

from batchbill import commands as _commands_pkg


class Parser(argparse.ArgumentParser):
    """argparse with the README's promise: a mistake gets a one-line reason
    and exit status 2 (``batchbill export: --format: 'docx' is not one of
    qbo-csv, ... (see batchbill export --help)``), not the usage block and a
    message wrapped mid-word. ``--help`` is argparse's own. The subcommands'
    parsers are made of this class too (add_subparsers takes the parent's)."""

    #: the innermost parser that parsed: the one an unknown option belongs to
    innermost: "Parser | None" = None

    def parse_known_args(self, args=None, namespace=None):
        Parser.innermost = self
        return super().parse_known_args(args, namespace)

    def parse_args(self, args=None, namespace=None):
        Parser.innermost = None
        args, extras = self.parse_known_args(args, namespace)
        if extras:
            (Parser.innermost or self).error(f"unrecognized arguments: {' '.join(extras)}")
        return args

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {one_line_reason(message)} (see {self.prog} --help)\n")


def one_line_reason(message: str) -> str:
    """argparse's error message said as the rest of batchbill says a mistake."""
    message = " ".join(message.split())
    found = re.fullmatch(r"argument (\S+): invalid choice: (.+?) \(choose from (.*)\)", message)
    if found:
        name, value, choices = found.groups()
        choices = ", ".join(c.strip().strip("'") for c in choices.split(","))
        if name.isupper():  # a positional's metavar: COMMAND, ACTION
            return f"{name.lower()} {value} is not one of {choices}"
        return f"{_option_name(name)}: {value} is not one of {choices}"
    found = re.fullmatch(r"the following arguments are required: (.*)", message)
    if found:
        names = found.group(1).split(", ")
        return f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} required"
    found = re.fullmatch(r"unrecognized arguments: (.*)", message)
    if found:
        extras = found.group(1)
        kind = "option" if extras.startswith("-") else "argument"
        return f"unknown {kind}{'s' if ' ' in extras else ''}: {extras}"
    found = re.fullmatch(r"argument (\S+): (.*)", message)
    if found:
        return f"{_option_name(found.group(1))}: {found.group(2)}"
    return message


def _option_name(name: str) -> str:
    """'--format' for argparse's '-f/--format' or '--format/-f'."""
    names = name.split("/")
    return next((n for n in names if n.startswith("--")), names[0])


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="batchbill",
        description="Batch billing, exports and market benchmark for MSPs. "
        "Run without a command to open the terminal app.",
    )
    parser.add_argument(
        "--db",
        help="SQLite file path or postgresql:// URL (default: $BATCHBILL_DB, "
        "else batchbill.sqlite3 in the user data directory)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    tui = sub.add_parser("tui", help="open the terminal app (the default)")
    tui.add_argument("--db", dest="sub_db", help=argparse.SUPPRESS)
    tui.set_defaults(handler=run_tui)
    for info in sorted(pkgutil.iter_modules(_commands_pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"batchbill.commands.{info.name}")
        module.register(sub)
    return parser


def run_tui(args) -> int:
    from batchbill.commands._common import database_target, require_existing

    target = database_target(args)
    require_existing(target)
    from tui.launch import run

    return run(target) or 0


def main(argv: list[str] | None = None) -> int:
    from batchbill.commands.search import query_first

    parser = build_parser()
    args = parser.parse_args(query_first(list(sys.argv[1:] if argv is None else argv)))
    handler = getattr(args, "handler", None)
    if handler is None:
        handler = run_tui
    from batchbill.commands._common import run_handler

    return run_handler(handler, args, escape=handler is not run_tui)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
